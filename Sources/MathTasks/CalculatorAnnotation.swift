import Foundation

/// One calculator annotation of a GSM8K solution, `<<48/2=24>>`: an arithmetic expression and the result the
/// solution states for it. Annotations that cannot be used (see `Malformed`) are skipped and counted, never fatal.
public struct CalculatorAnnotation: Equatable, Sendable {
    /// The text between `<<` and `>>`.
    public var text: String
    public var expression: CalculatorExpression
    /// The stated result and how it was written.
    public var result: Double
    public var resultText: String
    /// Whether the expression evaluates to `result` exactly (to 1e-9 relative); false when the solution rounded it to
    /// the decimals it shows (`<<10/3=3.33>>`).
    public var isExact: Bool

    /// Why an annotation was skipped.
    public enum Malformed: String, CaseIterable, Codable, Sendable {
        /// `<<` with no `>>` before the next `<<` or the end.
        case unclosed
        /// Not exactly one `=`.
        case noSingleEquals = "no_single_equals"
        /// The left side is not an arithmetic expression.
        case badExpression = "bad_expression"
        /// The right side is not a number.
        case badResult = "bad_result"
        /// Division by zero.
        case notEvaluable = "not_evaluable"
        /// The expression's value differs from the stated result by more than rounding to its decimals.
        case resultMismatch = "result_mismatch"
    }

    /// The annotations of `solution` in order, and the reasons of those skipped.
    public static func parse(solution: String) -> (annotations: [CalculatorAnnotation], malformed: [Malformed]) {
        var annotations: [CalculatorAnnotation] = []
        var malformed: [Malformed] = []
        var rest = solution[...]
        while let open = rest.range(of: "<<") {
            let after = rest[open.upperBound...]
            let close = after.range(of: ">>")
            let reopen = after.range(of: "<<")
            guard let close, reopen.map({ $0.lowerBound >= close.lowerBound }) ?? true else {
                malformed.append(.unclosed)
                rest = reopen.map { after[$0.lowerBound...] } ?? ""
                continue
            }
            switch annotation(String(after[..<close.lowerBound])) {
            case .success(let a): annotations.append(a)
            case .failure(let reason): malformed.append(reason.reason)
            }
            rest = after[close.upperBound...]
        }
        return (annotations, malformed)
    }

    private struct Failure: Error { let reason: Malformed }

    /// One annotation's inner text.
    private static func annotation(_ text: String) -> Result<CalculatorAnnotation, Failure> {
        let sides = text.split(separator: "=", omittingEmptySubsequences: false)
        guard sides.count == 2 else { return .failure(Failure(reason: .noSingleEquals)) }
        guard let expression = CalculatorExpression.parse(String(sides[0])) else { return .failure(Failure(reason: .badExpression)) }
        let resultText = sides[1].trimmingCharacters(in: .whitespaces)
        guard let result = number(resultText) else { return .failure(Failure(reason: .badResult)) }
        guard let value = expression.evaluate() else { return .failure(Failure(reason: .notEvaluable)) }
        let exact = abs(value - result) <= 1e-9 * max(1, abs(result))
        // Rounded to the decimals shown: within half a unit of the last one.
        let decimals = resultText.firstIndex(of: ".").map { resultText.distance(from: $0, to: resultText.endIndex) - 1 } ?? 0
        guard exact || abs(value - result) <= 0.5 * pow(10, -Double(decimals)) + 1e-9 else {
            return .failure(Failure(reason: .resultMismatch))
        }
        return .success(CalculatorAnnotation(text: text, expression: expression, result: result, resultText: resultText, isExact: exact))
    }

    /// A stated result: an optional minus sign, digits, at most one decimal point.
    static func number(_ text: String) -> Double? {
        let body = text.hasPrefix("-") ? text.dropFirst() : text[...]
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              body.filter({ $0 == "." }).count <= 1, body != "." else { return nil }
        return Double(text)
    }
}
