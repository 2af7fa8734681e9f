import Foundation
import ModelFormats

/// One GSM8K problem: the question, the worked solution, and the final answer after `####`.
public struct GSM8KProblem: Codable, Equatable, Sendable {
    /// 0-based line in its file.
    public var index: Int
    public var question: String
    /// The full reference answer (solution with `<<…>>` calculator annotations, then `#### N`).
    public var answer: String

    public init(index: Int, question: String, answer: String) {
        self.index = index
        self.question = question
        self.answer = answer
    }

    /// The text after the last `####`, trimmed (lm-evaluation-harness's gold target).
    public var finalAnswer: String {
        guard let range = answer.range(of: "####", options: .backwards) else { return "" }
        return answer[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Reads a GSM8K JSON Lines file (fields `question`, `answer`); errors name the file and line.
    public static func load(_ url: URL) throws -> [GSM8KProblem] {
        try JSONLines.read(url).enumerated().map { i, record in
            GSM8KProblem(index: i, question: try record.string("question", in: url.path),
                         answer: try record.string("answer", in: url.path))
        }
    }
}
