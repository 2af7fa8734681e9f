import Foundation
import Retrieval

extension GSM8KProblem {
    /// The text after the last `####`, trimmed (lm-evaluation-harness's gold target).
    public var finalAnswer: String {
        guard let range = answer.range(of: "####", options: .backwards) else { return "" }
        return answer[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
