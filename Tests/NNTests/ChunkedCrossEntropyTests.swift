import Foundation
import XCTest
import NN
import Tensor
import TestSupport

/// Chunked next-token cross-entropy: the loss over masked rows against a direct log-softmax, its gradient against
/// finite differences through a head y = h·Wᵀ, and independence from the chunk size.
final class ChunkedCrossEntropyTests: XCTestCase {
    let n = 7, c = 5, v = 13
    lazy var w = GradientCheck.random([v, c], scale: 1.5, seed: 60)      // (V, C)
    lazy var hidden = GradientCheck.random([n, c], scale: 2, seed: 61)   // (N, C)
    let rows = [1, 2, 4, 6]            // scored rows (the others are "prompt" positions)
    let targets: [Int32] = [3, 0, 12, 7]

    func head(_ h: Tensor) -> Tensor {
        let out = Tensor(zeros: [h.rows, v])
        BLAS.gemm(transB: true, m: h.rows, n: v, k: c, a: h.data, lda: c, b: w.data, ldb: c, c: out.data, ldc: v)
        return out
    }

    func headInputGradient(_ dz: Tensor) -> Tensor {
        let out = Tensor(zeros: [dz.rows, c])
        BLAS.gemm(m: dz.rows, n: c, k: v, a: dz.data, lda: v, b: w.data, ldb: c, c: out.data, ldc: c)
        return out
    }

    func run(_ loss: ChunkedCrossEntropy, normalizer: Float = 4) -> ChunkedCrossEntropy.Result {
        loss.lossAndGradient(hidden: hidden, rows: rows, targets: targets, normalizer: normalizer,
                             logits: head, inputGradient: headInputGradient)
    }

    /// −log softmax in Double, straight from the definition.
    func reference() -> Double {
        let z = head(hidden)
        var total = 0.0
        for (r, t) in zip(rows, targets) {
            let logits = (0..<v).map { Double(z[r * v + $0]) }
            let m = logits.max()!
            total += log(logits.map { exp($0 - m) }.reduce(0, +)) + m - logits[Int(t)]
        }
        return total
    }

    func testLossMatchesLogSoftmaxAndChunkSizeDoesNotMatter() {
        let whole = run(ChunkedCrossEntropy(chunkRows: 256))
        XCTAssertEqual(whole.lossSum, reference(), accuracy: 1e-5 * reference())
        for rowsPerChunk in [1, 3] {
            let chunked = run(ChunkedCrossEntropy(chunkRows: rowsPerChunk))
            XCTAssertEqual(chunked.lossSum, whole.lossSum, accuracy: 1e-9 * whole.lossSum)
            XCTAssertEqual(chunked.dHidden.array, whole.dHidden.array, "chunk of \(rowsPerChunk)")
            XCTAssertEqual(chunked.correct, whole.correct)
        }
        for r in [0, 3, 5] {
            XCTAssertEqual(Array(whole.dHidden.array[(r * c)..<((r + 1) * c)]), [Float](repeating: 0, count: c),
                           "row \(r) has no target: no gradient")
        }
    }

    func testGradientByFiniteDifferences() {
        let normalizer: Float = 4
        let result = run(ChunkedCrossEntropy(chunkRows: 3), normalizer: normalizer)
        GradientCheck().check("dHidden", hidden, analytic: result.dHidden) { self.reference() / Double(normalizer) }
    }

    /// The gradient is of lossSum / normalizer: halving the normalizer doubles it (how accumulated micro-batches share
    /// one token count).
    func testNormalizerScalesTheGradientOnly() {
        let a = run(ChunkedCrossEntropy(), normalizer: 4), b = run(ChunkedCrossEntropy(), normalizer: 2)
        XCTAssertEqual(a.lossSum, b.lossSum)
        for i in 0..<a.dHidden.count { XCTAssertEqual(b.dHidden[i], 2 * a.dHidden[i], accuracy: 1e-6) }
    }

    func testAccuracyCountsArgmaxHits() {
        let z = head(hidden)
        var expected = 0
        for (r, t) in zip(rows, targets) {
            let row = (0..<v).map { z[r * v + $0] }
            if row.firstIndex(of: row.max()!) == Int(t) { expected += 1 }
        }
        // Make one target the argmax for sure.
        let r = rows[0]
        let best = (0..<v).max { z[r * v + $0] < z[r * v + $1] }!
        let forced = ChunkedCrossEntropy().lossAndGradient(hidden: hidden, rows: [r], targets: [Int32(best)], normalizer: 1,
                                                           logits: head, inputGradient: headInputGradient)
        XCTAssertEqual(forced.correct, 1)
        XCTAssertEqual(run(ChunkedCrossEntropy()).correct, expected)
    }
}
