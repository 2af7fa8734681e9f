/// A problem with an embedding cache file, naming it.
public struct EmbeddingCacheError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
