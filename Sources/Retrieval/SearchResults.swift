/// The k nearest neighbours of each of Q queries, as FAISS returns them: row-major (Q, k), best first.
/// A query with fewer than k neighbours has id −1 in the missing slots (with FAISS's sentinel score).
public struct SearchResults: Equatable, Sendable {
    public let queries: Int
    public let k: Int
    /// (Q, k) document ids.
    public var ids: [Int64]
    /// (Q, k) inner products (higher is closer) or squared L2 distances (lower is closer), by the index's metric.
    public var scores: [Float]

    public init(queries: Int, k: Int, ids: [Int64], scores: [Float]) {
        precondition(ids.count == queries * k && scores.count == queries * k, "SearchResults: \(ids.count) ids, \(scores.count) scores for (\(queries), \(k))")
        self.queries = queries
        self.k = k
        self.ids = ids
        self.scores = scores
    }

    /// The ids found for query `q`, best first, without the −1 padding.
    public func ids(forQuery q: Int) -> [Int64] {
        ids[(q * k)..<((q + 1) * k)].filter { $0 >= 0 }
    }

    /// (id, score) pairs for query `q`, best first, without the −1 padding.
    public func hits(forQuery q: Int) -> [(id: Int64, score: Float)] {
        (q * k..<(q + 1) * k).compactMap { ids[$0] >= 0 ? (ids[$0], scores[$0]) : nil }
    }
}
