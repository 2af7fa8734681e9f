/// `Digits`: puts numbers apart from the text around them — each numeric scalar alone (`individual_digits`, as
/// SmolLM2's original tokenizer.json does) or each run of them together. Numeric is Rust's `char::is_numeric`
/// (general categories Nd, Nl, No); the Python wheel's Rust std and Swift 6.3 both have Unicode 17 tables (checked on
/// every code point by the parity tests).
public struct DigitsPreTokenizer: PreTokenizer {
    public let individualDigits: Bool

    public init(individualDigits: Bool) { self.individualDigits = individualDigits }

    init(json: JSONNode) throws { self.init(individualDigits: try json.bool("individual_digits", default: false)) }

    @inline(__always)
    static func isNumeric(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return s.value >= 0x30 && s.value <= 0x39 }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    public func preTokenize(_ text: inout PreTokenizedString) {
        text.split { scalars, parts in
            var matches: [Range<Int>] = []
            for i in scalars.indices where Self.isNumeric(scalars[i]) { matches.append(i..<i + 1) }
            let piece = scalars.startIndex..<scalars.endIndex
            let behavior: SplitDelimiterBehavior = individualDigits ? .isolated : .contiguous
            behavior.apply(SplitDelimiterBehavior.spans(of: piece, matches: matches, invert: false), into: &parts)
        }
    }
}
