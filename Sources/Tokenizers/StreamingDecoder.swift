/// Decodes ids one at a time as a model generates them, returning only whole characters: bytes that start a
/// multi-byte UTF-8 character are held back until it is complete. Everything returned, followed by `finish()`,
/// equals `tokenizer.decode(allIds)` — invalid bytes become U+FFFD as soon as they are known to be invalid.
///
///     var stream = StreamingDecoder(tokenizer: tok)
///     for id in generated { print(stream.append(id), terminator: "") }
///     print(stream.finish())
///
/// Byte-level decoders are streamed byte by byte. Other decoders (WordPiece) are streamed by decoding the ids
/// seen so far and returning what was added, held back while it ends in U+FFFD.
public struct StreamingDecoder: Sendable {
    public let tokenizer: Tokenizer
    public let skipSpecialTokens: Bool
    /// Byte-level: bytes of an incomplete character at the end.
    private var pending: [UInt8] = []
    /// Other decoders: all ids so far and how much of their decoding was returned.
    private var ids: [Int32] = []
    private var emitted: [Unicode.Scalar] = []
    private let byteLevel: Bool

    public init(tokenizer: Tokenizer, skipSpecialTokens: Bool = true) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
        byteLevel = tokenizer.decoder is ByteLevelDecoder
    }

    /// The text that `id` completes (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        guard byteLevel else { return appendByDecoding(id) }
        guard let token = tokenizer.idToToken(id) else { return "" }
        if skipSpecialTokens, tokenizer.added.isSpecial(content: token) { return "" }
        ByteLevelAlphabet.appendBytes(of: token, to: &pending)
        let keep = Self.incompleteTailLength(pending)
        guard keep < pending.count else { return "" }
        let text = String(decoding: pending[..<(pending.count - keep)], as: UTF8.self)
        pending.removeFirst(pending.count - keep)
        return text
    }

    /// The text of several ids.
    public mutating func append(_ newIds: [Int32]) -> String {
        var out = ""
        for id in newIds { out += append(id) }
        return out
    }

    /// Whatever is held back, decoded as it stands (an unfinished character becomes U+FFFD); resets the stream.
    public mutating func finish() -> String {
        if byteLevel {
            let text = pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
            pending.removeAll()
            return text
        }
        let all = Array(tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens).unicodeScalars)
        let rest = all.count >= emitted.count && all[..<emitted.count].elementsEqual(emitted)
            ? String(scalars: all[emitted.count...]) : ""
        ids.removeAll()
        emitted.removeAll()
        return rest
    }

    /// How many bytes at the end form the beginning of a UTF-8 sequence that more bytes could still complete.
    static func incompleteTailLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // A sequence is at most 4 bytes: look back over up to 3 continuation bytes for its lead byte.
        var k = 1
        while k <= min(3, n) {
            let b = bytes[n - k]
            if b & 0xC0 != 0x80 {
                let length: Int
                switch b {
                case 0xC2...0xDF: length = 2
                case 0xE0...0xEF: length = 3
                case 0xF0...0xF4: length = 4
                default: return 0
                }
                guard k < length else { return 0 }
                // The bytes after the lead must be a valid start of its sequence (the decoder would otherwise
                // already have replaced them).
                if k >= 2 {
                    let second = bytes[n - k + 1]
                    let lo: UInt8, hi: UInt8
                    switch b {
                    case 0xE0: (lo, hi) = (0xA0, 0xBF)
                    case 0xED: (lo, hi) = (0x80, 0x9F)
                    case 0xF0: (lo, hi) = (0x90, 0xBF)
                    case 0xF4: (lo, hi) = (0x80, 0x8F)
                    default: (lo, hi) = (0x80, 0xBF)
                    }
                    if second < lo || second > hi { return 0 }
                }
                return k
            }
            k += 1
        }
        return 0
    }

    private mutating func appendByDecoding(_ id: Int32) -> String {
        ids.append(id)
        let all = Array(tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens).unicodeScalars)
        guard all.last != "\u{FFFD}", all.count >= emitted.count, all[..<emitted.count].elementsEqual(emitted) else {
            return ""
        }
        let added = all[emitted.count...]
        emitted = all
        return String(scalars: added)
    }
}
