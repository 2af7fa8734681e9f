/// `BertNormalizer`: clean_text, handle_chinese_chars, strip_accents, lowercase, in that order, as the Rust library
/// applies them. `strip_accents: null` follows `lowercase` (the original BERT uncased behaviour).
public struct BertNormalizer: Normalizer {
    public var cleanText: Bool
    public var handleChineseChars: Bool
    public var stripAccents: Bool
    public var lowercase: Bool

    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents ?? lowercase
        self.lowercase = lowercase
    }

    init(json: JSONNode) throws {
        let lowercase = try json.bool("lowercase", default: true)
        self.init(cleanText: try json.bool("clean_text", default: true),
                  handleChineseChars: try json.bool("handle_chinese_chars", default: true),
                  stripAccents: try json.optional("strip_accents")?.bool(),
                  lowercase: lowercase)
    }

    public func normalize(_ text: inout NormalizedString) {
        if text.scalars.allSatisfy({ $0.isASCII }) {
            normalizeASCII(&text)
            return
        }
        if cleanText {
            // Remove NUL, U+FFFD and control/format/private-use chars, then map whitespace to a space.
            text.filter { s in !(s.value == 0 || s.value == 0xFFFD || (HFUnicode.isOther(s) && !Self.isTabOrNewline(s))) }
            text.map { s in (Self.isTabOrNewline(s) || HFUnicode.isWhitespace(s)) ? " " : s }
        }
        if handleChineseChars {
            text.transform { s, out in
                if HFUnicode.isChineseChar(s.value) { out.append(" "); out.append(s); out.append(" ") } else { out.append(s) }
            }
        }
        if stripAccents {
            Self.nfd(&text)
            text.filter { !HFUnicode.isNonspacingMark($0) }
        }
        if lowercase {
            text.transform { s, out in HFUnicode.lowercase(s, into: &out) }
        }
    }

    @inline(__always)
    private static func isTabOrNewline(_ s: Unicode.Scalar) -> Bool { s == "\t" || s == "\n" || s == "\r" }

    /// The same steps for pure ASCII text in one pass (no CJK, nothing to decompose).
    private func normalizeASCII(_ text: inout NormalizedString) {
        guard cleanText || lowercase else { return }
        text.filter { s in !cleanText || !(s.value < 0x20 || s.value == 0x7F) || Self.isTabOrNewline(s) }
        text.map { s in
            var v = s.value
            if cleanText, v == 0x09 || v == 0x0A || v == 0x0D { v = 0x20 }
            if lowercase, (0x41...0x5A).contains(v) { v += 32 }
            return Unicode.Scalar(UInt8(v))
        }
    }

    /// Canonical decomposition followed by canonical reordering (a stable sort of each run of non-starters by
    /// combining class); marks keep the alignment of the scalar they came from.
    static func nfd(_ text: inout NormalizedString) {
        text.transform { s, out in HFUnicode.canonicalDecomposition(s, into: &out) }
        var i = 0
        let n = text.count
        while i < n {
            guard HFUnicode.combiningClass(text.scalars[i]) != 0 else { i += 1; continue }
            var j = i
            while j < n, HFUnicode.combiningClass(text.scalars[j]) != 0 { j += 1 }
            if j - i > 1 {
                let order = (i..<j).sorted { a, b in
                    let ca = HFUnicode.combiningClass(text.scalars[a]), cb = HFUnicode.combiningClass(text.scalars[b])
                    return ca != cb ? ca < cb : a < b
                }
                if order != Array(i..<j) { text.permute(i..<j, by: order) }
            }
            i = j
        }
    }
}
