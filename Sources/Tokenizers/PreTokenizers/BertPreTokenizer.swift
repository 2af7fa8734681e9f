/// `BertPreTokenizer`: splits on whitespace (dropped) and on punctuation (each punctuation scalar its own piece).
/// Punctuation is the Rust library's: ASCII punctuation or Unicode P* (as of Unicode 8.0, see `HFUnicode`).
public struct BertPreTokenizer: PreTokenizer {
    public init() {}

    init(json: JSONNode) throws { self.init() }

    /// 0 = word, 1 = whitespace, 2 = punctuation, for ASCII.
    private static let asciiClass: [UInt8] = (0..<128).map { v in
        let s = Unicode.Scalar(UInt8(v))
        if HFUnicode.isWhitespace(s) { return 1 }
        if HFUnicode.isASCIIPunctuation(UInt32(v)) { return 2 }
        return 0
    }

    @inline(__always)
    static func characterClass(_ s: Unicode.Scalar) -> UInt8 {
        if s.value < 128 { return asciiClass[Int(s.value)] }
        if HFUnicode.isWhitespace(s) { return 1 }
        return HFUnicode.isPunctuation(s) ? 2 : 0
    }

    public func preTokenize(_ text: inout PreTokenizedString) {
        text.split { scalars, parts in
            var wordStart = scalars.startIndex
            for i in scalars.indices {
                switch Self.characterClass(scalars[i]) {
                case 0: continue
                case 1:
                    parts.append(wordStart..<i)
                default:
                    parts.append(wordStart..<i)
                    parts.append(i..<i + 1)
                }
                wordStart = i + 1
            }
            parts.append(wordStart..<scalars.endIndex)
        }
    }
}
