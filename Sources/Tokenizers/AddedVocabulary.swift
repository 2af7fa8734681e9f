/// One entry of tokenizer.json's `added_tokens`.
public struct AddedToken: Sendable, Equatable {
    public var id: Int32
    public var content: String
    /// Only match where the token is not part of a longer word.
    public var singleWord: Bool
    /// Swallow whitespace on the left / right of a match into the token.
    public var lstrip: Bool
    public var rstrip: Bool
    /// Match against the normalized text (true) or the raw input (false).
    public var normalized: Bool
    /// Special tokens are skipped by `decode(_:skipSpecialTokens:)`.
    public var special: Bool

    public init(id: Int32, content: String, singleWord: Bool = false, lstrip: Bool = false, rstrip: Bool = false,
                normalized: Bool = true, special: Bool = false) {
        self.id = id
        self.content = content
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized
        self.special = special
    }

    init(json: JSONNode) throws {
        let special = try json.bool("special", default: false)
        self.init(id: Int32(try json.int("id")), content: try json.string("content"),
                  singleWord: try json.bool("single_word", default: false), lstrip: try json.bool("lstrip", default: false),
                  rstrip: try json.bool("rstrip", default: false),
                  normalized: try json.bool("normalized", default: !special), special: special)
    }
}

/// Finds added tokens in text the way the Rust library's `AddedVocabulary` does: leftmost-longest matches, first on the
/// raw input for tokens with `normalized: false`, then on each normalized stretch for the others (whose patterns are
/// their normalized content). Matched tokens skip normalization, pre-tokenization and the model.
struct AddedVocabulary: Sendable {
    let tokens: [AddedToken]
    private let byId: [Int32: Int]
    private let byContent: ScalarTrie
    private let raw: Matcher
    private let normalized: Matcher
    /// Normalized content of `normalized` tokens whose content the normalizer changes: what decoding and
    /// `idToToken` show for them (the Rust library's `normalized_cache`).
    private let normalizedContent: [Int32: String]

    /// Leftmost-longest matcher over a set of patterns (a trie walked from each start; patterns are short and few).
    struct Matcher: Sendable {
        var trie = ScalarTrie(capacity: 64)
        var isEmpty = true
        /// Scalars that begin some pattern (ASCII as a bitmap), so most positions are passed over without a probe.
        private var firstASCII: (UInt64, UInt64) = (0, 0)
        private var firstOther: Set<UInt32> = []

        @inline(__always)
        func mayStart(_ s: Unicode.Scalar) -> Bool {
            let v = s.value
            if v < 64 { return firstASCII.0 & (1 << UInt64(v)) != 0 }
            if v < 128 { return firstASCII.1 & (1 << UInt64(v - 64)) != 0 }
            return firstOther.contains(v)
        }

        mutating func add(_ pattern: [Unicode.Scalar], index: Int) {
            guard let first = pattern.first else { return }
            let v = first.value
            if v < 64 { firstASCII.0 |= 1 << UInt64(v) } else if v < 128 { firstASCII.1 |= 1 << UInt64(v - 64) } else { firstOther.insert(v) }
            // Keep the first pattern for identical contents, as aho-corasick reports the first pattern.
            if trie.lookup(pattern) == nil { trie.insert(pattern, id: Int32(index)) }
            isEmpty = false
        }

        /// The longest pattern starting at `start`: (end, pattern index).
        func longest(in s: [Unicode.Scalar], at start: Int) -> (end: Int, index: Int)? {
            var node = ScalarTrie.root
            var best: (Int, Int)?
            var i = start
            while i < s.count {
                node = trie.child(node, s[i])
                if node < 0 { break }
                i += 1
                let t = trie.terminal[Int(node)]
                if t >= 0 { best = (i, Int(t)) }
            }
            return best
        }
    }

    init(tokens: [AddedToken], normalizer: (any Normalizer)?) {
        self.tokens = tokens
        var byId: [Int32: Int] = [:]
        var byContent = ScalarTrie(capacity: tokens.count * 8 + 16)
        var raw = Matcher(), normalized = Matcher()
        var normalizedContent: [Int32: String] = [:]
        // Special tokens are matched before the others, as in the Rust library.
        let order = tokens.indices.filter { tokens[$0].special } + tokens.indices.filter { !tokens[$0].special }
        for i in order {
            let t = tokens[i]
            byId[t.id] = i
            byContent.insert(t.content.unicodeScalars, id: Int32(i))
            if t.normalized {
                var n = NormalizedString(original: t.content.unicodeScalars)
                if let normalizer {
                    normalizer.normalize(&n)
                    if !n.scalars.elementsEqual(t.content.unicodeScalars) { normalizedContent[t.id] = n.string }
                }
                normalized.add(n.scalars, index: i)
            } else {
                raw.add(Array(t.content.unicodeScalars), index: i)
            }
        }
        self.byId = byId
        self.byContent = byContent
        self.raw = raw
        self.normalized = normalized
        self.normalizedContent = normalizedContent
    }

    func token(id: Int32) -> AddedToken? { byId[id].map { tokens[$0] } }
    /// The string of an added token's id as decoding sees it (normalized content for normalized tokens).
    func decodedContent(id: Int32) -> String? { normalizedContent[id] ?? token(id: id)?.content }
    /// True when `content` is the raw content of a special added token.
    func isSpecial(content: String) -> Bool {
        byContent.lookup(content.unicodeScalars).map { tokens[Int($0)].special } ?? false
    }
    func id(content: String) -> Int32? { byContent.lookup(content.unicodeScalars).map { tokens[Int($0)].id } }

    var hasRawTokens: Bool { !raw.isEmpty }
    var hasNormalizedTokens: Bool { !normalized.isEmpty }

    /// Splits `s` into stretches covering it: (range, added token index or nil). Applies single_word, lstrip and
    /// rstrip like the Rust `find_matches` (word characters are `\w`, spaces `\s`, both Unicode).
    func split(_ s: [Unicode.Scalar], normalizedPass: Bool) -> [(range: Range<Int>, token: Int?)] {
        let matcher = normalizedPass ? normalized : raw
        if matcher.isEmpty || s.isEmpty { return [(0..<s.count, nil)] }
        var out: [(range: Range<Int>, token: Int?)] = []
        var consumed = 0
        var i = 0
        while i < s.count {
            guard matcher.mayStart(s[i]), let (end, index) = matcher.longest(in: s, at: i) else { i += 1; continue }
            let t = tokens[index]
            var start = i, stop = end
            if t.singleWord {
                let startOK = start == 0 || !Self.isWordChar(s[start - 1])
                let stopOK = stop == s.count || !Self.isWordChar(s[stop])
                // Discarded, but the match still consumes its text (aho-corasick's non-overlapping iteration).
                if !startOK || !stopOK { i = end; continue }
            }
            if t.lstrip {
                var j = start
                while j > 0, HFUnicode.isWhitespace(s[j - 1]) { j -= 1 }
                start = max(j, consumed)
            }
            if t.rstrip {
                while stop < s.count, HFUnicode.isWhitespace(s[stop]) { stop += 1 }
            }
            if consumed < start { out.append((consumed..<start, nil)) }
            out.append((start..<stop, index))
            consumed = stop
            i = end
        }
        if consumed < s.count { out.append((consumed..<s.count, nil)) }
        return out
    }

    /// Rust regex `\w`: alphabetic, marks, decimal digits, connector punctuation, join controls.
    static func isWordChar(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII {
            let v = s.value
            return (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) || v == 0x5F
        }
        let p = s.properties
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}
