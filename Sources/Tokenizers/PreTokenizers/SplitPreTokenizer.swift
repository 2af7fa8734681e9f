/// `Split`: splits each piece on a pattern — a literal string or a regex (Qwen2's and Llama 3's word-splitting
/// rules) — keeping, dropping or merging the matches as `behavior` says; `invert` swaps matches and gaps.
public struct SplitPreTokenizer: PreTokenizer {
    public enum Pattern: Sendable {
        case string(String)
        case regex(TokenizerRegex)
    }

    public let pattern: Pattern
    public let behavior: SplitDelimiterBehavior
    public let invert: Bool

    public init(pattern: Pattern, behavior: SplitDelimiterBehavior, invert: Bool = false) {
        self.pattern = pattern
        self.behavior = behavior
        self.invert = invert
    }

    init(json: JSONNode) throws {
        let node = try json.required("pattern")
        let pattern: Pattern
        if let s = try node.optional("String") {
            pattern = .string(try s.string())
        } else if let r = try node.optional("Regex") {
            do { pattern = .regex(try TokenizerRegex(try r.string())) } catch let e as TokenizerRegexError {
                throw r.invalid(e.description)
            }
        } else {
            throw node.invalid("expected {\"String\": …} or {\"Regex\": …}")
        }
        self.init(pattern: pattern, behavior: try SplitDelimiterBehavior(json: try json.required("behavior")),
                  invert: try json.bool("invert", default: false))
    }

    public func preTokenize(_ text: inout PreTokenizedString) {
        var matches: [Range<Int>] = []
        var stack: [RegexProgram.Backtrack] = []
        let literal = { if case .string(let s) = pattern { return Array(s.unicodeScalars) } else { return [] } }()
        text.split { scalars, parts in
            if behavior == .isolated, case .regex(let re) = pattern {
                // Every span is kept either way (inverted or not): gaps and matches in order.
                var prev = scalars.startIndex
                re.forEachMatch(in: scalars, stack: &stack) { m in
                    if prev < m.lowerBound { parts.append(prev..<m.lowerBound) }
                    parts.append(m)
                    prev = m.upperBound
                }
                parts.append(prev..<scalars.endIndex)
                return
            }
            matches.removeAll(keepingCapacity: true)
            switch pattern {
            case .regex(let re): re.forEachMatch(in: scalars, stack: &stack) { matches.append($0) }
            case .string: Self.literalMatches(of: literal, in: scalars, into: &matches)
            }
            let piece = scalars.startIndex..<scalars.endIndex
            behavior.apply(SplitDelimiterBehavior.spans(of: piece, matches: matches, invert: invert), into: &parts)
        }
    }

    /// Leftmost non-overlapping occurrences of `needle` (scalar by scalar); an empty needle matches nothing.
    static func literalMatches(of needle: [Unicode.Scalar], in s: ArraySlice<Unicode.Scalar>, into out: inout [Range<Int>]) {
        guard let first = needle.first else { return }
        var i = s.startIndex
        while i + needle.count <= s.endIndex {
            if s[i] == first, s[i..<i + needle.count].elementsEqual(needle) {
                out.append(i..<i + needle.count)
                i += needle.count
            } else {
                i += 1
            }
        }
    }
}
