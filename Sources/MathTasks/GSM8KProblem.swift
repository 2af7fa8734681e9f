import Foundation
import ModelFormats
import Retrieval

/// One GSM8K record: a question and its worked solution (the `answer` field, ending in "#### <final answer>").
public struct GSM8KProblem: Equatable, Sendable {
    /// 0-based line in its file: the problem's id in the built-in tasks (and GSM-Symbolic's `original_id`).
    public var line: Int
    public var question: String
    /// The full solution text as stored, final-answer line included.
    public var answer: String

    public init(line: Int, question: String, answer: String) {
        self.line = line
        self.question = question
        self.answer = answer
    }

    /// Every record of a GSM8K JSON Lines file (fields `question`, `answer`), in file order. Blank lines are not
    /// allowed, so that record index and line number stay the same thing.
    public static func load(_ url: URL) throws -> [GSM8KProblem] {
        let records: [JSONLines.Record]
        do { records = try JSONLines.read(url) } catch let error as JSONLines.Error {
            throw RetrievalError.file(path: error.path, line: error.line, reason: error.reason)
        }
        return try records.enumerated().map { index, record in
            guard record.line == index + 1 else {
                throw RetrievalError.file(path: url.path, line: index + 1, reason: "blank line (GSM8K ids are line numbers)")
            }
            do {
                return GSM8KProblem(line: index, question: try record.string("question", in: url.path),
                                    answer: try record.string("answer", in: url.path))
            } catch let error as JSONLines.Error {
                throw RetrievalError.file(path: error.path, line: error.line, reason: error.reason)
            }
        }
    }
}
