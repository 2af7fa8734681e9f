/// The `ByteLevel` decoder: turns each token back into the bytes its alphabet scalars stand for (a token with a
/// scalar outside the alphabet, such as an added token, contributes its own UTF-8) and decodes all of them at once
/// as UTF-8, invalid sequences becoming U+FFFD as Rust's `String::from_utf8_lossy` does. Tokens can end inside a
/// character, so only the joined bytes are decoded; `StreamingDecoder` does the same incrementally.
public struct ByteLevelDecoder: TokenDecoder {
    public init() {}

    /// The JSON's `add_prefix_space`, `trim_offsets`, `use_regex` do not affect decoding in the Rust library.
    init(json: JSONNode) throws {
        for key in ["add_prefix_space", "trim_offsets", "use_regex"] { _ = try json.optional(key)?.bool() }
    }

    public func decodeChain(_ tokens: [String]) -> [String] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tokens.count * 4)
        for t in tokens { ByteLevelAlphabet.appendBytes(of: t, to: &bytes) }
        return [String(decoding: bytes, as: UTF8.self)]
    }
}
