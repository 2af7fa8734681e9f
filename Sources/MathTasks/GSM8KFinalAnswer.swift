import Foundation

/// GSM8K solutions end with `#### <answer>`; the answer is compared as a number, so thousands separators go.
public enum GSM8KFinalAnswer {
    /// The text after the last `####`, trimmed, commas removed; nil when there is no `####` or nothing after it.
    public static func extract(from solution: String) -> String? {
        guard let marker = solution.range(of: "####", options: .backwards) else { return nil }
        let answer = solution[marker.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: ",", with: "")
        return answer.isEmpty ? nil : answer
    }
}
