/// The k nearest corpus entries of each of `count` queries, best first: row-major (count, k) arrays, as FAISS's
/// `search` returns them. A query with fewer than k neighbours has its remaining slots set to id −1 (score −∞ for
/// an inner-product search), again as FAISS does.
public struct SearchResults: Equatable, Sendable {
    /// Corpus ids, (count, k) row-major; −1 where there is no neighbour.
    public var ids: [Int64]
    /// Similarity of each returned id to its query, (count, k) row-major, non-increasing along a row.
    public var scores: [Float]
    /// Neighbours per query.
    public var k: Int
    /// Number of queries.
    public var count: Int

    public init(ids: [Int64], scores: [Float], k: Int, count: Int) {
        precondition(k >= 0 && count >= 0 && ids.count == k * count && scores.count == k * count,
                     "SearchResults: \(ids.count) ids and \(scores.count) scores for \(count) queries × k \(k)")
        self.ids = ids
        self.scores = scores
        self.k = k
        self.count = count
    }

    /// The ids found for query `q`, best first, without the −1 padding.
    public func ids(forQuery q: Int) -> [Int64] {
        ids[q * k..<(q + 1) * k].filter { $0 >= 0 }
    }

    /// (id, score) pairs for query `q`, best first, without the −1 padding.
    public func hits(forQuery q: Int) -> [(id: Int64, score: Float)] {
        (q * k..<(q + 1) * k).compactMap { ids[$0] >= 0 ? (ids[$0], scores[$0]) : nil }
    }
}
