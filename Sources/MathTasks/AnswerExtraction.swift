import Foundation

/// Final-answer extraction and scoring exactly as lm-evaluation-harness's `gsm8k` task does it, plus `\boxed{}`.
///
/// - strict-match: the first match of `#### (\-?[0-9\.\,]+)`, its group.
/// - flexible-extract: the last match of `(-?[$0-9.,]{2,})|(-?[0-9]+)` (its non-empty group).
/// - boxed: the content of the last `\boxed{…}` (balanced braces).
/// A missing match is "[invalid]". Prediction and gold are compared after the harness's `regexes_to_ignore`
/// (`,`, `\$`, `(?s).*#### `, `\.$`), ignoring case.
public enum AnswerExtraction {
    public static let invalid = "[invalid]"

    public enum Extractor: String, CaseIterable, Codable, Sendable {
        case strictMatch = "strict-match", flexibleExtract = "flexible-extract", boxed
    }

    private static let strict = try! NSRegularExpression(pattern: #"#### (\-?[0-9\.\,]+)"#)
    private static let flexible = try! NSRegularExpression(pattern: #"(-?[$0-9.,]{2,})|(-?[0-9]+)"#)

    public static func extract(_ text: String, using extractor: Extractor) -> String {
        let ns = text as NSString
        let whole = NSRange(location: 0, length: ns.length)
        switch extractor {
        case .strictMatch:
            guard let m = strict.firstMatch(in: text, range: whole) else { return invalid }
            return ns.substring(with: m.range(at: 1))
        case .flexibleExtract:
            guard let m = flexible.matches(in: text, range: whole).last else { return invalid }
            // Python's findall gives a tuple of groups; the harness keeps the first non-empty one.
            for g in 1...2 where m.range(at: g).location != NSNotFound && m.range(at: g).length > 0 {
                return ns.substring(with: m.range(at: g))
            }
            return invalid
        case .boxed:
            return lastBoxed(text) ?? invalid
        }
    }

    /// Content of the last `\boxed{…}`, braces balanced.
    static func lastBoxed(_ text: String) -> String? {
        guard let start = text.range(of: "\\boxed{", options: .backwards) else { return nil }
        var depth = 1
        var i = start.upperBound
        while i < text.endIndex {
            switch text[i] {
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { return String(text[start.upperBound..<i]) }
            default: break
            }
            i = text.index(after: i)
        }
        return nil
    }

    private static let ignored = [#","#, #"\$"#, #"(?s).*#### "#, #"\.$"#].map { try! NSRegularExpression(pattern: $0) }

    /// The harness's normalisation before exact match.
    public static func normalize(_ s: String) -> String {
        var out = s
        for regex in ignored {
            out = regex.stringByReplacingMatches(in: out, range: NSRange(location: 0, length: (out as NSString).length), withTemplate: "")
        }
        return out.lowercased()
    }

    public static func isCorrect(_ extracted: String, gold: String) -> Bool {
        extracted != invalid && normalize(extracted) == normalize(gold)
    }
}
