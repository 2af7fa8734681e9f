/// Tokens a model produced: ids and, for each, the range of scalars it covers in the `PreTokenizedString` text.
public struct TokenSink: Sendable {
    public var ids: [Int32] = []
    public var ranges: [Range<Int>] = []
    public init() {}

    @inline(__always)
    public mutating func append(_ id: Int32, _ range: Range<Int>) {
        ids.append(id)
        ranges.append(range)
    }
}

/// Third stage (`model`): turns one pre-tokenized piece into vocabulary ids.
public protocol TokenizerModel: Sendable {
    /// Tokenizes `piece` (a non-empty slice of the pre-tokenized text, indices as in that text) into `sink`.
    func tokenize(_ piece: ArraySlice<Unicode.Scalar>, into sink: inout TokenSink)
    func tokenToId(_ token: String) -> Int32?
    func idToToken(_ id: Int32) -> String?
    /// Number of entries in the model's vocabulary (added tokens not counted).
    var vocabularySize: Int { get }
}
