import Foundation
import XCTest
import Tensor
import TestSupport
@testable import Retrieval

final class ExactSearchTests: XCTestCase {
    func randomTensor(_ rows: Int, _ columns: Int, _ rng: inout TestSupport.SplitMix64) -> Tensor {
        Tensor(shape: [rows, columns], values: (0..<rows * columns).map { _ in Float.random(in: -1...1, using: &rng) })
    }

    /// Cosine similarities in Double, ranked by (score desc, id asc).
    func naive(_ queries: Tensor, _ corpus: Tensor) -> [[(id: Int, score: Double)]] {
        func unit(_ t: Tensor, _ r: Int) -> [Double] {
            let v = (0..<t.columns).map { Double(t[r * t.columns + $0]) }
            let norm = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            return v.map { $0 / norm }
        }
        let docs = (0..<corpus.rows).map { unit(corpus, $0) }
        return (0..<queries.rows).map { q in
            let u = unit(queries, q)
            return docs.enumerated().map { (id: $0, score: zip(u, $1).reduce(0) { $0 + $1.0 * $1.1 }) }
                .sorted { $0.score > $1.score || ($0.score == $1.score && $0.id < $1.id) }
        }
    }

    func testMatchesBruteForceCosineAndPadsMissingNeighbours() throws {
        var rng = TestSupport.SplitMix64(seed: 7)
        let corpus = randomTensor(257, 13, &rng), queries = randomTensor(41, 13, &rng)
        let search = try ExactSearch(vectors: corpus)
        let expected = naive(queries, corpus)
        for k in [1, 10, 100, 257, 300] {
            let results = try search.search(queries, k: k)
            XCTAssertEqual(results.count, 41)
            XCTAssertEqual(results.k, k)
            for q in 0..<41 {
                for slot in 0..<k {
                    let id = results.ids[q * k + slot], score = results.scores[q * k + slot]
                    guard slot < 257 else {
                        XCTAssertEqual(id, -1)
                        XCTAssertEqual(score, -.infinity)
                        continue
                    }
                    let best = expected[q][slot]
                    // Same score at every rank; same id unless a near-tie (within float noise) may swap them.
                    XCTAssertEqual(Double(score), best.score, accuracy: 1e-5)
                    let gapBefore = slot > 0 ? expected[q][slot - 1].score - best.score : 1
                    let gapAfter = slot + 1 < 257 ? best.score - expected[q][slot + 1].score : 1
                    if min(gapBefore, gapAfter) > 1e-5 { XCTAssertEqual(Int(id), best.id, "query \(q) rank \(slot + 1)") }
                }
            }
        }
    }

    func testBlockedSearchGivesTheSameResults() throws {
        var rng = TestSupport.SplitMix64(seed: 11)
        let corpus = randomTensor(300, 8, &rng), queries = randomTensor(70, 8, &rng)
        let search = try ExactSearch(vectors: corpus)
        let whole = try search.search(queries, k: 10)
        search.scoreBlockFloats = 300 * 3  // blocks of 3 queries
        let blocked = try search.search(queries, k: 10)
        // Same neighbours; scores may differ in the last bit (sgemm's kernels differ for 3 and 70 rows).
        XCTAssertEqual(blocked.ids, whole.ids)
        for (a, b) in zip(blocked.scores, whole.scores) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testTiesGoToTheLowerIdAndVectorsAreNormalised() throws {
        // Rows 0, 2 and 3 point the same way (3 is twice as long); 1 and 4 are orthogonal to the query.
        let corpus = Tensor(shape: [5, 3], values: [1, 0, 0, 0, 1, 0, 1, 0, 0, 2, 0, 0, 0, 0, 1])
        let search = try ExactSearch(vectors: corpus)
        let results = try search.search(Tensor(shape: [1, 3], values: [3, 0, 0]), k: 5)
        XCTAssertEqual(results.ids, [0, 2, 3, 1, 4])
        XCTAssertEqual(results.scores, [1, 1, 1, 0, 0])
        XCTAssertEqual(try search.search(Tensor(shape: [1, 3], values: [3, 0, 0]), k: 2).ids, [0, 2])
        // A zero query scores 0 everywhere (torch's normalize divides by max(‖x‖, 1e-12)): ids in order.
        XCTAssertEqual(try search.search(Tensor(zeros: [1, 3]), k: 5).ids, [0, 1, 2, 3, 4])
    }

    func testBadInputsAreErrors() throws {
        let search = try ExactSearch(vectors: Tensor(shape: [2, 2], values: [1, 0, 0, 1]))
        XCTAssertThrowsError(try search.search(Tensor(zeros: [1, 3]), k: 1)) {
            XCTAssertEqual($0 as? RetrievalError, .dimensionMismatch(expected: 2, got: 3))
        }
        XCTAssertThrowsError(try search.search(Tensor(shape: [1, 2], values: [.nan, 0]), k: 1)) {
            XCTAssertEqual($0 as? RetrievalError, .nonFiniteVector(what: "query", row: 0))
        }
        XCTAssertThrowsError(try ExactSearch(vectors: Tensor(shape: [2, 2], values: [1, 0, 0, .infinity])))
    }
}
