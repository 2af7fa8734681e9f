import Foundation
import GRDB

/// One solved problem in an index's corpus; `id` is also its FAISS id.
public struct CorpusDocument: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "document"

    public var id: Int64
    /// Where it comes from (e.g. "gsm8k") and which part ("train").
    public var source: String
    public var split: String
    public var question: String
    /// The worked solution as the dataset gives it (for GSM8K, the whole `answer` field, `#### N` line included).
    public var solution: String
    /// The final answer alone (GSM8K: the text after `####`), nil when the solution has none.
    public var finalAnswer: String?
    /// Any other fields of the source record, as a JSON object.
    public var extra: String

    public init(id: Int64, source: String, split: String, question: String, solution: String, finalAnswer: String?,
                extra: String = "{}") {
        self.id = id
        self.source = source
        self.split = split
        self.question = question
        self.solution = solution
        self.finalAnswer = finalAnswer
        self.extra = extra
    }

    enum CodingKeys: String, CodingKey {
        case id, source, split, question, solution
        case finalAnswer = "final_answer"
        case extra
    }

    /// The text the encoder sees for this document.
    public func text(embedding fields: EmbeddedFields) -> String {
        switch fields {
        case .question: question
        case .questionAndSolution: question + "\n" + solution
        }
    }
}
