/// How to build an index: the FAISS factory and metric, what to embed, and what to record about the inputs.
public struct IndexBuildOptions: Sendable {
    /// FAISS factory string: `Flat` (exact), `HNSW32`, `IVF256,Flat`, `IVF256,PQ32`…
    public var factory: String
    public var metric: DistanceMetric
    public var embedded: EmbeddedFields
    /// Model directory of the encoder (recorded as the index's default model for searching).
    public var modelPath: String
    /// Corpus file (recorded; named in errors).
    public var corpus: String
    /// Vectors per FAISS add call (progress granularity).
    public var addBatchSize: Int
    /// HNSW search breadth and IVF lists probed, stored in the FAISS file (nil: FAISS's defaults, 16 and 1).
    public var efSearch: Int?
    public var nprobe: Int?

    public init(factory: String = "Flat", metric: DistanceMetric = .innerProduct, embedded: EmbeddedFields = .question,
                modelPath: String, corpus: String, addBatchSize: Int = 1024, efSearch: Int? = nil, nprobe: Int? = nil) {
        self.factory = factory
        self.metric = metric
        self.embedded = embedded
        self.modelPath = modelPath
        self.corpus = corpus
        self.addBatchSize = addBatchSize
        self.efSearch = efSearch
        self.nprobe = nprobe
    }

    /// Whether searches return exactly the nearest vectors (a plain flat index); HNSW, IVF, PQ… are approximate.
    public var isExact: Bool {
        ["Flat", "IDMap,Flat", "IDMap2,Flat"].contains(factory.replacingOccurrences(of: " ", with: ""))
    }
}
