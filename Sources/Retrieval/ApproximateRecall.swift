import Tensor

/// How much of the exact answer an approximate index (HNSW, IVF, PQ) returns: recall@k of its top k against the top
/// k of exact search over the same vectors, averaged over the queries (FAISS's "k-recall@k" / intersection measure).
public enum ApproximateRecall {
    public static func measure(approximate: FaissIndex, vectors: Tensor, ids: [Int64], queries: Tensor, k: Int = 10) throws -> Double {
        guard queries.rows > 0 else { return 1 }
        let exact = try FaissIndex(dimension: vectors.columns, factory: "Flat", metric: approximate.metric)
        try exact.add(vectors, ids: ids)
        let truth = try exact.search(queries, k: k), found = try approximate.search(queries, k: k)
        var total = 0.0
        for q in 0..<queries.rows {
            let expected = Set(truth.ids(forQuery: q))
            guard !expected.isEmpty else { continue }
            total += Double(Set(found.ids(forQuery: q)).intersection(expected).count) / Double(expected.count)
        }
        return total / Double(queries.rows)
    }

    /// `count` rows of `vectors` spread evenly (every n/count-th), as queries drawn from the corpus itself.
    public static func sample(_ vectors: Tensor, count: Int) -> Tensor {
        let n = vectors.rows, d = vectors.columns, m = min(count, n)
        let out = Tensor(uninitializedShape: [m, d])
        withExtendedLifetime(vectors) {
            for i in 0..<m { out.row(i).update(from: vectors.row(i * n / m), count: d) }
        }
        return out
    }
}
