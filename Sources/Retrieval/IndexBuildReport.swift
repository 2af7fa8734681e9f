import Tensor

/// What a build produced, with its timings; `index` and `vectors` stay in memory for checks such as recall against
/// exact search.
public struct IndexBuildReport {
    public let metadata: IndexMetadata
    public let databasePath: String
    public let faissPath: String
    public let databaseBytes: Int64
    public let faissBytes: Int64
    public let index: FaissIndex
    /// (documents, dimension), row i for the document with id `ids[i]`.
    public let vectors: Tensor
    public let ids: [Int64]
    public let embedSeconds: Double
    /// FAISS train + add.
    public let faissSeconds: Double
    public let totalSeconds: Double
}
