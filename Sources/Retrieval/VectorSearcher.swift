import Tensor

/// Anything that returns the k nearest stored vectors of query vectors: the exact in-memory `ExactSearch`, or a
/// FAISS-backed index. The evaluator needs only this, so the metrics are computed the same way whatever holds the
/// vectors.
public protocol VectorSearcher {
    /// The `k` best ids for each row of `queries` (Q, dimension), best first; id −1 where fewer than `k` exist.
    func search(_ queries: Tensor, k: Int) throws -> SearchResults
}
