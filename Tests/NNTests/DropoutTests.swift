import XCTest
import Tensor
import TestSupport
@testable import NN

/// Hash-based dropout masks: statistics, replay from row seeds, and gradients through dropout (hidden states and
/// attention probabilities) against finite differences with the masks held fixed.
final class DropoutTests: XCTestCase {
    let fd = GradientCheck()

    func testMaskKeepsOneMinusPAndScales() {
        let p: Float = 0.1, n = 384, rows = 2_000
        let threshold = DropoutMask.threshold(p)
        let ones = [Float](repeating: 1, count: n)
        var out = [Float](repeating: 0, count: n)
        var kept = 0, perColumn = [Int](repeating: 0, count: n)
        for r in 0..<rows {
            DropoutMask.apply(key: DropoutMask.rowKey(seed: UInt64(r), salt: 3), threshold: threshold, scale: 1 / (1 - p),
                              ones, &out, n)
            for j in 0..<n where out[j] != 0 {
                XCTAssertEqual(out[j], 1 / (1 - p))
                kept += 1
                perColumn[j] += 1
            }
        }
        // 768,000 Bernoulli(0.9) draws: standard deviation of the kept fraction 3.4e-4.
        XCTAssertEqual(Double(kept) / Double(rows * n), 0.9, accuracy: 2e-3)
        // No column (position within a row, including the scalar tail) is biased: 2,000 draws each, sd 0.0067.
        for j in 0..<n { XCTAssertEqual(Double(perColumn[j]) / Double(rows), 0.9, accuracy: 0.04, "column \(j)") }
    }

    /// Neighbouring keys give unrelated masks (agreement of two independent masks: 0.9² + 0.1² = 0.82).
    func testMasksOfDifferentKeysAreIndependent() {
        let n = 4_096, threshold = DropoutMask.threshold(0.1)
        let ones = [Float](repeating: 1, count: n)
        var a = [Float](repeating: 0, count: n), b = a
        for (s1, s2, salt1, salt2) in [(UInt64(7), UInt64(8), UInt64(1), UInt64(1)), (7, 7, 1, 2)] {
            DropoutMask.apply(key: DropoutMask.rowKey(seed: s1, salt: salt1), threshold: threshold, scale: 1, ones, &a, n)
            DropoutMask.apply(key: DropoutMask.rowKey(seed: s2, salt: salt2), threshold: threshold, scale: 1, ones, &b, n)
            let agree = zip(a, b).filter { ($0 == 0) == ($1 == 0) }.count
            XCTAssertEqual(Double(agree) / Double(n), 0.82, accuracy: 0.03)
        }
    }

    /// A row's mask depends on its seed only, not on the other rows of the batch (what GradCache's recompute needs).
    func testRowSeedsReplayPerRow() {
        let d = Dropout(p: 0.5)
        d.rowSeeds = Dropout.RowSeeds()
        d.salt = 9
        let x = GradientCheck.random([3, 37], seed: 1)
        d.rowSeeds!.seeds = [11, 12, 13]
        let all = d.forward(x, training: true)
        let single = Tensor(shape: [1, 37], values: Array(x.array[37..<74]))
        d.rowSeeds!.seeds = [12]
        let alone = d.forward(single, training: true)
        XCTAssertEqual(Array(all.array[37..<74]), alone.array)
        XCTAssertTrue(alone.array.contains(0) && alone.array.contains { $0 != 0 }, "p = 0.5 drops some, keeps some")
    }

    func testDropoutGradient() {
        let d = Dropout(p: 0.3)
        d.rowSeeds = Dropout.RowSeeds()
        d.rowSeeds!.seeds = [5, 6, 7, 8]
        let x = GradientCheck.random([4, 13], seed: 2), r = GradientCheck.random([4, 13], seed: 3)
        let y = d.forward(x, training: true)
        let dx = d.backward(r)
        for i in 0..<x.count {
            // y = x·m and dx = r·m with the same m ∈ {0, 1/(1−p)}.
            XCTAssertEqual(dx[i], y[i] == 0 ? 0 : r[i] * y[i] / x[i], accuracy: 1e-5)
        }
        fd.check("dx", x, analytic: dx) { GradientCheck.weightedSum(d.forward(x, training: true), r) }
        XCTAssertTrue(d.forward(x, training: false) === x, "inference does not drop")
    }

    /// Attention with dropout on the probabilities: gradients of q, k, v with the masks of the row seeds fixed.
    func testAttentionWithDropoutGradients() {
        for (heads, kvHeads, causal) in [(3, 3, false), (4, 2, true)] {
            let d = 4
            let layout = PackedSequences(lengths: [5, 1, 3])
            let n = layout.tokenCount
            let q = GradientCheck.random([n, heads * d], seed: 16), k = GradientCheck.random([n, kvHeads * d], seed: 17)
            let v = GradientCheck.random([n, kvHeads * d], seed: 18), r = GradientCheck.random([n, heads * d], seed: 19)
            let layer = Attention(heads: heads, kvHeads: kvHeads, headDim: d, causal: causal)
            layer.dropout = Dropout(p: 0.3)
            layer.dropout!.rowSeeds = Dropout.RowSeeds()
            layer.dropout!.rowSeeds!.seeds = (0..<n).map { UInt64(100 + $0) }
            let train = layer.forward(q: q, k: k, v: v, layout: layout, training: true)
            let (dq, dk, dv) = layer.backward(r)
            let loss = { GradientCheck.weightedSum(layer.forward(q: q, k: k, v: v, layout: layout, training: true), r) }
            fd.check("dq", q, analytic: dq, loss: loss)
            fd.check("dk", k, analytic: dk, loss: loss)
            fd.check("dv", v, analytic: dv, loss: loss)
            let eval = layer.forward(q: q, k: k, v: v, layout: layout)
            XCTAssertNotEqual(train.array, eval.array, "dropout is active in training")
        }
    }
}
