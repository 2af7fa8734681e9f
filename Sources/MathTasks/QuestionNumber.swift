import Foundation

/// A number written in a GSM8K question: digits (`48`, `1,200`, `$0.50`, `80%`) or a cardinal word (`ten`,
/// `twenty-five`). The skeleton parser turns calculator operands that equal one into variables; the variant
/// generator rewrites the digit ones.
public struct QuestionNumber: Equatable, Sendable {
    public var range: Range<String.Index>
    public var text: String
    public var value: Double
    /// Written as a word (never rewritten).
    public var isWord: Bool
    /// Followed by `%` or the word `percent`.
    public var isPercent: Bool
    /// Digits after the decimal point, as written (`0.50`: 2).
    public var decimals: Int
    /// Written with thousands separators (`1,200`).
    public var isGrouped: Bool
    /// Digits a variant may replace: not a word, not glued to letters (`5th`, `10am`), not part of a time (`2:30`),
    /// not a year (1900–2099 written without separators).
    public var isRewritable: Bool

    /// Every number of `text`, in order.
    public static func find(in text: String) -> [QuestionNumber] {
        var found: [QuestionNumber] = []
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let previous = i > text.startIndex ? text[text.index(before: i)] : nil
            if c.isASCII, c.isNumber, !(previous.map { $0.isLetter || $0.isNumber || $0 == "." } ?? false) {
                let number = digits(in: text, from: i)
                found.append(number)
                i = number.range.upperBound
            } else if c.isLetter, !(previous?.isLetter ?? false) {
                var end = letters(in: text, from: i)
                // twenty-five: a tens word, a hyphen and a unit word.
                if end < text.endIndex, text[end] == "-", tens.contains(text[i..<end].lowercased()) {
                    let unitEnd = letters(in: text, from: text.index(after: end))
                    if cardinal(text[i..<unitEnd].lowercased()) != nil { end = unitEnd }
                }
                let word = text[i..<end]
                if let value = cardinal(word.lowercased()) {
                    found.append(QuestionNumber(range: i..<end, text: String(word), value: value, isWord: true,
                                                isPercent: isPercent(text, after: end), decimals: 0, isGrouped: false,
                                                isRewritable: false))
                }
                i = end
            } else {
                i = text.index(after: i)
            }
        }
        return found
    }

    /// `1,200.50`, `48`, `3.5` starting at `start` (a digit).
    private static func digits(in text: String, from start: String.Index) -> QuestionNumber {
        func run(_ from: String.Index) -> String.Index {
            var j = from
            while j < text.endIndex, text[j].isASCII, text[j].isNumber { j = text.index(after: j) }
            return j
        }
        var end = run(start)
        var grouped = false
        // Thousands groups: a comma followed by exactly three digits, when the first group has at most three.
        if text.distance(from: start, to: end) <= 3 {
            while end < text.endIndex, text[end] == "," {
                let groupStart = text.index(after: end)
                let groupEnd = run(groupStart)
                guard text.distance(from: groupStart, to: groupEnd) == 3 else { break }
                end = groupEnd
                grouped = true
            }
        }
        var decimals = 0
        if end < text.endIndex, text[end] == ".", text.index(after: end) < text.endIndex,
           text[text.index(after: end)].isASCII, text[text.index(after: end)].isNumber {
            let fractionEnd = run(text.index(after: end))
            decimals = text.distance(from: end, to: fractionEnd) - 1
            end = fractionEnd
        }
        let written = String(text[start..<end])
        let value = Double(written.replacingOccurrences(of: ",", with: "")) ?? 0
        let before = start > text.startIndex ? text[text.index(before: start)] : nil
        let after = end < text.endIndex ? text[end] : nil
        let afterNext = end < text.endIndex && text.index(after: end) < text.endIndex ? text[text.index(after: end)] : nil
        let inTime = before == ":" || (after == ":" && (afterNext?.isNumber ?? false))
        let isYear = !grouped && decimals == 0 && (1900...2099).contains(value) && written.count == 4
        let rewritable = !(after?.isLetter ?? false) && !inTime && !isYear
        return QuestionNumber(range: start..<end, text: written, value: value, isWord: false, isPercent: isPercent(text, after: end),
                              decimals: decimals, isGrouped: grouped, isRewritable: rewritable)
    }

    private static func isPercent(_ text: String, after end: String.Index) -> Bool {
        let rest = text[end...].drop { $0 == " " }
        return rest.hasPrefix("%") || rest.lowercased().hasPrefix("percent")
    }

    private static let units = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                                "nineteen"]
    private static let tens = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

    private static func letters(in text: String, from start: String.Index) -> String.Index {
        var end = start
        while end < text.endIndex, text[end].isLetter { end = text.index(after: end) }
        return end
    }

    /// The value of a cardinal word up to ninety-nine (`twenty-five`), or nil.
    static func cardinal(_ word: String) -> Double? {
        if let i = units.firstIndex(of: word) { return Double(i) }
        if let i = tens.firstIndex(of: word) { return Double(20 + 10 * i) }
        let parts = word.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 2, let t = tens.firstIndex(of: String(parts[0])), let u = units.firstIndex(of: String(parts[1])), (1...9).contains(u) {
            return Double(20 + 10 * t + u)
        }
        return nil
    }
}
