import Foundation
import Retrieval

/// One line of `predictions.jsonl`: what the model was asked, what it answered, and how each extractor scored it.
/// Keys are snake_case; the per-extractor maps are keyed by the extractor's name (`strict-match`, …).
public struct GSM8KPrediction: Codable, Equatable, Sendable {
    /// 0-based line of the question in the test file.
    public var index: Int
    public var question: String
    public var prompt: String
    public var output: String
    public var extracted: [String: String]
    /// The test answer's text after `####`.
    public var gold: String
    public var correct: [String: Bool]
    /// The shots in prompt order: train line numbers (fixed, random) or index document ids (retrieved).
    public var shotIds: [Int]
    public var promptTokens: Int
    public var newTokens: Int
    /// stop_token, stop_string or length.
    public var finishReason: String
    /// This question's share of its batch's wall time (batch seconds / batch size): summed over a run, the
    /// generation time, also across resumptions.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case index, question, prompt, output, extracted, gold, correct
        case shotIds = "shot_ids", promptTokens = "prompt_tokens", newTokens = "new_tokens"
        case finishReason = "finish_reason", seconds
    }

    /// Scores `output` against `problem`'s final answer with every extractor.
    public init(index: Int, problem: GSM8KProblem, prompt: String, output: String, shotIds: [Int], promptTokens: Int,
                newTokens: Int, finishReason: String, seconds: Double) {
        self.index = index
        question = problem.question
        self.prompt = prompt
        self.output = output
        gold = problem.finalAnswer
        var extracted: [String: String] = [:], correct: [String: Bool] = [:]
        for extractor in AnswerExtraction.Extractor.allCases {
            let answer = AnswerExtraction.extract(output, using: extractor)
            extracted[extractor.rawValue] = answer
            correct[extractor.rawValue] = AnswerExtraction.isCorrect(answer, gold: gold)
        }
        self.extracted = extracted
        self.correct = correct
        self.shotIds = shotIds
        self.promptTokens = promptTokens
        self.newTokens = newTokens
        self.finishReason = finishReason
        self.seconds = seconds
    }

    public func isCorrect(_ extractor: AnswerExtraction.Extractor) -> Bool { correct[extractor.rawValue] ?? false }

    /// One JSON line (keys sorted, so files diff cleanly), newline included.
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}
