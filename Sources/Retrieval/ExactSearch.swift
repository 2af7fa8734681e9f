import Tensor

/// Exact nearest neighbours by cosine similarity: every query against every stored vector, one sgemm per block of
/// queries, then top-k per query with ties broken by the lower id (`TopK`). It is the reference the approximate
/// FAISS indexes are measured against and lets the evaluator run without any index. Ids are row positions.
public final class ExactSearch: VectorSearcher {
    /// Stored vectors, L2-normalised, (N, C).
    private let vectors: Tensor
    public var count: Int { vectors.rows }
    public var dimension: Int { vectors.columns }

    /// Floats in one block of scores: queries are searched in blocks of about this many scores (16 MB), so memory
    /// stays bounded however many queries and documents there are. Tests lower it to exercise the blocking.
    var scoreBlockFloats = 4 << 20
    /// Queries per sgemm block.
    private var queryBlock: Int { max(1, scoreBlockFloats / max(count, 1)) }

    /// Copies `vectors` (N, C) and normalises each row, as sentence-transformers' `cos_sim` does
    /// (x / max(‖x‖, 1e-12)), so un-normalised embeddings rank by cosine too.
    public init(vectors: Tensor) throws {
        self.vectors = try Self.normalizedCopy(vectors, what: "corpus")
    }

    public func search(_ queries: Tensor, k: Int) throws -> SearchResults {
        guard k >= 0 else { throw RetrievalError.invalid("k must not be negative (got \(k))") }
        guard queries.columns == dimension || queries.rows == 0 else {
            throw RetrievalError.dimensionMismatch(expected: dimension, got: queries.columns)
        }
        let q = try Self.normalizedCopy(queries, what: "query")
        let nq = q.rows, n = count, c = dimension
        var ids = [Int64](repeating: -1, count: nq * k)
        var scores = [Float](repeating: -.infinity, count: nq * k)
        guard k > 0, nq > 0 else { return SearchResults(ids: ids, scores: scores, k: k, count: nq) }
        let block = min(queryBlock, nq)
        let blockScores = Tensor(uninitializedShape: [block, n])  // (block, N)
        withExtendedLifetime((q, vectors, blockScores)) {
            ids.withUnsafeMutableBufferPointer { idsOut in
                scores.withUnsafeMutableBufferPointer { scoresOut in
                    let idsBase = idsOut.baseAddress!, scoresBase = scoresOut.baseAddress!
                    var start = 0
                    while start < nq {
                        let rows = min(block, nq - start)
                        if n > 0 {
                            BLAS.parallelGemm(transB: true, m: rows, n: n, k: c, a: q.row(start), lda: c,
                                              b: vectors.data, ldb: c, c: blockScores.data, ldc: n)
                        }
                        Parallel.forEach(rows, cost: n * 4) { r in
                            TopK.select(blockScores.data + r * n, count: n, k: k, ids: idsBase + (start + r) * k,
                                        outScores: scoresBase + (start + r) * k)
                        }
                        start += rows
                    }
                }
            }
        }
        return SearchResults(ids: ids, scores: scores, k: k, count: nq)
    }

    /// A copy of `t` with unit rows (rows of norm below 1e-12 are divided by 1e-12, as torch's normalize does).
    private static func normalizedCopy(_ t: Tensor, what: String) throws -> Tensor {
        let out = t.copy()
        let c = out.columns
        for r in 0..<out.rows {
            let row = out.row(r)
            let norm = Kernels.dot(row, row, c).squareRoot()
            guard norm.isFinite else { throw RetrievalError.nonFiniteVector(what: what, row: r) }
            Kernels.scale(row, c, by: 1 / max(norm, 1e-12))
        }
        return out
    }
}
