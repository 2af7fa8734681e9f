/// The `ByteLevel` post-processor: adds no tokens; with `trim_offsets`, offsets leave out the spaces (`Ġ` or other
/// whitespace) a token starts or ends with, except the one space `add_prefix_space` put before the first word.
public struct ByteLevelProcessor: PostProcessor {
    public let addPrefixSpace: Bool
    public let trimOffsets: Bool

    public init(addPrefixSpace: Bool = true, trimOffsets: Bool = true) {
        self.addPrefixSpace = addPrefixSpace
        self.trimOffsets = trimOffsets
    }

    init(json: JSONNode) throws {
        _ = try json.optional("use_regex")?.bool()
        self.init(addPrefixSpace: try json.bool("add_prefix_space", default: true),
                  trimOffsets: try json.bool("trim_offsets", default: true))
    }

    public func addedTokenCount(isPair: Bool) -> Int { 0 }

    public func process(_ first: Encoding, pair second: Encoding?, addSpecialTokens: Bool) -> Encoding {
        var out = first
        if trimOffsets { trim(&out) }
        if var second {
            if trimOffsets { trim(&second) }
            out.append(second)
        }
        return out
    }

    /// The Rust `process_offsets`.
    func trim(_ e: inout Encoding) {
        let space = ByteLevelAlphabet.scalarOfByte[0x20]
        func isSpace(_ s: Unicode.Scalar) -> Bool { s == space || HFUnicode.isWhitespace(s) }
        for i in e.tokens.indices {
            let scalars = e.tokens[i].unicodeScalars
            var leading = 0
            for s in scalars { if isSpace(s) { leading += 1 } else { break } }
            var trailing = 0
            for s in scalars.reversed() { if isSpace(s) { trailing += 1 } else { break } }
            guard leading > 0 || trailing > 0 else { continue }
            var start = e.offsets[i].lowerBound, end = e.offsets[i].upperBound
            if leading > 0 {
                let isFirst = i == 0 || start == 0
                if isFirst && addPrefixSpace && leading == 1 { leading = 0 }
                start = min(start + leading, end)
            }
            if trailing > 0 && end >= trailing { end = max(end - trailing, start) }
            e.offsets[i] = start..<end
        }
    }
}
