import XCTest
import Tensor
import TestSupport
@testable import NN

/// `QuantizedLinear` over the block formats with a few-row kernel (`Int8Blocks`, `Q4Blocks`) against the Float32 layer
/// they quantise, with the error bounds of their formats, and their two kernels (fused for ≤ 8 rows, dequantise +
/// sgemm beyond) against each other.
final class BlockQuantizedLinearTests: XCTestCase {
    static let (outFeatures, inFeatures) = (300, 96)

    /// Random weights in [-1, 1] with a few large outliers (what per-block scales are for) and one all-zero block.
    func makeDense() -> Linear {
        let (n, k) = (Self.outFeatures, Self.inFeatures)
        let dense = Linear(inFeatures: k, outFeatures: n)
        dense.weight.value.assign(GradientCheck.random([n, k], seed: 1))
        for i in stride(from: 5, to: n * k, by: 1009) { dense.weight.value[i] *= 20 }
        for j in 0..<32 { dense.weight.value[7 * k + 32 + j] = 0 }
        dense.bias!.value.assign(GradientCheck.random([n], seed: 2))
        return dense
    }

    /// Each format with its largest rounding error per weight (row o, block b): half a quantisation step, int8's
    /// step being (max − min)/255 and q4's (max − min)/15, plus Float32 rounding of the value.
    func formats(_ dense: Linear) -> [(String, any QuantizedProjection, (Int, Int) -> Float)] {
        let int8 = QuantizedLinear<Int8Blocks>(quantizing: dense), q4 = QuantizedLinear<Q4Blocks>(quantizing: dense)
        let blocks = Self.inFeatures / 32
        return [
            ("int8", int8, { o, b in int8.weight.scales[o * blocks + b] * (0.5 + 1e-5) + 1e-6 * abs(int8.weight.mins[o * blocks + b]) + 1e-7 }),
            ("q4", q4, { o, b in q4.weight.scales[o * blocks + b] * (0.5 + 1e-5) + 1e-6 * abs(q4.weight.mins[o * blocks + b]) + 1e-7 }),
        ]
    }

    /// Weights already on an affine grid — GGUF blocks: Q4_1 (16 levels from a minimum), Q5_0 (32 levels around 0),
    /// Q8_0 (255) — come back to Float32 rounding, also when some levels (even the one next to the minimum) are
    /// missing from the block; other weights are re-rounded.
    func testGridBlocksAreKeptExactly() {
        let k = 64
        let grids: [(String, Float, Float, Int, [DecoderFormat])] = [
            ("Q4_1", 0.0123, -0.0917, 16, [.int8, .q4]), ("Q5_0", 0.0071, -16 * 0.0071, 32, [.int8]),
            ("Q8_0", 0.00043, -127 * 0.00043, 255, [.int8]),
        ]
        var g = SplitMix64(seed: 9)
        for (name, step, minimum, levels, formats) in grids {
            let dense = Linear(inFeatures: k, outFeatures: 4, bias: false)
            for i in 0..<(4 * k) {
                // Row 3 leaves out level 1 (the smallest offset above the minimum is then 2 steps).
                var u = Int(g.next() % UInt64(levels))
                if i / k == 3 && u == 1 { u = 2 }
                if i % 32 == 0 { u = 0 }  // every block holds its grid's minimum
                dense.weight.value[i] = Float(u) * step + minimum
            }
            for format in formats {
                let layer: any QuantizedProjection = format == .int8 ? QuantizedLinear<Int8Blocks>(quantizing: dense)
                    : QuantizedLinear<Q4Blocks>(quantizing: dense)
                let w = dequantised(layer)
                for i in 0..<(4 * k) {
                    XCTAssertEqual(w[i], dense.weight.value[i], accuracy: 1e-6 * abs(dense.weight.value[i]) + 1e-7, "\(name) \(format) \(i)")
                }
            }
        }
    }
    enum DecoderFormat { case int8, q4 }

    func dequantised(_ layer: any QuantizedProjection) -> Tensor {
        let w = Tensor(uninitializedShape: [layer.outFeatures, layer.inFeatures])
        layer.fewRowWeight!.dequantize(rows: 0..<layer.outFeatures, into: w.data)
        return w
    }

    func testDequantisedWeightsWithinHalfAStep() {
        let dense = makeDense(), k = Self.inFeatures
        for (name, layer, bound) in formats(dense) {
            let w = dequantised(layer)
            for i in 0..<w.count {
                XCTAssertLessThanOrEqual(abs(w[i] - dense.weight.value[i]), bound(i / k, (i % k) / 32), "\(name) weight \(i)")
            }
            // An all-zero block stays exactly zero (scale 0, no division by it).
            for j in 0..<32 { XCTAssertEqual(w[7 * k + 32 + j], 0, name) }
        }
    }

    /// y − y_f32 = Σᵢ (ŵᵢ − wᵢ)·xᵢ, so |y − y_f32| ≤ Σ_b bound(o, b)·Σ_{i∈b} |xᵢ| (+ Float32 summation error).
    /// Every row count 1…8 runs its own instance of the fused kernel; 9 and 40 run dequantise + sgemm.
    func testOutputsWithinTheQuantisationBoundAndKernelsAgree() {
        let dense = makeDense(), (n, k) = (Self.outFeatures, Self.inFeatures)
        for (name, layer, bound) in formats(dense) {
            let reference = Linear(inFeatures: k, outFeatures: n)
            reference.weight.value.assign(dequantised(layer))
            reference.bias!.value.assign(dense.bias!.value)
            for rows in Array(1...8) + [9, 40] {
                let x = GradientCheck.random([rows, k], seed: UInt64(10 + rows))
                let got = layer.forward(x, training: false), exact = dense.forward(x), viaSgemm = reference.forward(x)
                for r in 0..<rows {
                    for o in 0..<n {
                        var limit: Float = 0, magnitude: Float = 0
                        for b in 0..<(k / 32) {
                            var s: Float = 0
                            for j in 0..<32 { s += abs(x[r * k + 32 * b + j]); magnitude += abs(x[r * k + 32 * b + j] * reference.weight.value[o * k + 32 * b + j]) }
                            limit += bound(o, b) * s
                        }
                        let i = r * n + o, rounding = 1e-5 * magnitude + 1e-6
                        XCTAssertLessThanOrEqual(abs(got[i] - exact[i]), limit + rounding, "\(name) rows \(rows) [\(r), \(o)]")
                        XCTAssertEqual(got[i], viaSgemm[i], accuracy: rounding, "\(name) rows \(rows) [\(r), \(o)] vs dequantised sgemm")
                    }
                }
            }
        }
    }

    /// The fused kernel writes rows `ldy` apart and only the outputs it is given (callers split rows over threads).
    func testFusedKernelHonoursOutputRangeAndStride() {
        let dense = makeDense(), (n, k) = (Self.outFeatures, Self.inFeatures)
        for (name, layer, _) in formats(dense) {
            let x = GradientCheck.random([3, k], seed: 5)
            let whole = layer.forward(x, training: false)
            let ldy = n + 7
            let y = Tensor(zeros: [3, ldy])
            layer.fewRowWeight!.multiplyFewRows(x.data, ldx: k, rows: 3, into: y.data, ldy: ldy, outputs: 100..<200)
            for r in 0..<3 {
                for o in 0..<ldy {
                    // multiplyFewRows leaves out the bias, which forward adds.
                    let want: Float = (100..<200).contains(o) ? whole[r * n + o] - dense.bias!.value[o] : 0
                    XCTAssertEqual(y[r * ldy + o], want, accuracy: 1e-5, "\(name) [\(r), \(o)]")
                }
            }
        }
    }

    /// Each output of the fused kernel is summed in the same order for any number of rows (1…8), so a sequence's
    /// logits do not depend on the batch it is decoded in: bit-identical, not merely close.
    func testFusedKernelIsBatchInvariant() {
        let dense = makeDense(), (n, k) = (Self.outFeatures, Self.inFeatures)
        for (name, layer, _) in formats(dense) {
            let x = GradientCheck.random([8, k], seed: 6)
            for rows in 1...8 {
                let y = Tensor(zeros: [rows, n])
                layer.fewRowWeight!.multiplyFewRows(x.data, ldx: k, rows: rows, into: y.data, ldy: n, outputs: 0..<n)
                for r in 0..<rows {
                    let alone = Tensor(zeros: [1, n])
                    layer.fewRowWeight!.multiplyFewRows(x.data + r * k, ldx: k, rows: 1, into: alone.data, ldy: n, outputs: 0..<n)
                    XCTAssertEqual(Array(UnsafeBufferPointer(start: y.data + r * n, count: n)), alone.array, "\(name) row \(r) of \(rows)")
                }
            }
        }
    }

    /// Many rows over more inputs than one of the prefill GEMM's 256-input blocks (partial sums carried across
    /// blocks), with edge tiles in both directions (rows not a multiple of 14, outputs not of 32), and a bias.
    func testManyRowsOverSeveralInputBlocks() {
        let (n, k, rows) = (70, 640, 31)
        let dense = Linear(inFeatures: k, outFeatures: n)
        dense.weight.value.assign(GradientCheck.random([n, k], seed: 21))
        dense.bias!.value.assign(GradientCheck.random([n], seed: 22))
        for layer in [QuantizedLinear<Int8Blocks>(quantizing: dense), QuantizedLinear<Q4Blocks>(quantizing: dense)] as [any QuantizedProjection] {
            let reference = Linear(inFeatures: k, outFeatures: n)
            reference.weight.value.assign(dequantised(layer))
            reference.bias!.value.assign(dense.bias!.value)
            let x = GradientCheck.random([rows, k], seed: 23)
            let got = layer.forward(x, training: false), want = reference.forward(x)
            for i in 0..<(rows * n) { XCTAssertEqual(got[i], want[i], accuracy: 2e-4, "\(type(of: layer)) [\(i)]") }
        }
    }

    func testBackwardGivesInputGradient() {
        for (name, layer, _) in formats(makeDense()) {
            let x = GradientCheck.random([5, Self.inFeatures], seed: 3), r = GradientCheck.random([5, Self.outFeatures], seed: 4)
            let dx = layer.backward(r)
            GradientCheck().check("\(name) dx", x, analytic: dx) { GradientCheck.weightedSum(layer.forward(x, training: false), r) }
        }
    }

    func testWeightBytes() {
        let (n, k) = (Self.outFeatures, Self.inFeatures)
        let dense = makeDense()
        XCTAssertEqual(Int8Blocks(quantizing: dense.weight.value).byteCount, n * k + n * (k / 32) * 8)
        XCTAssertEqual(Q4Blocks(quantizing: dense.weight.value).byteCount, n * k / 2 + n * (k / 32) * 8)
        XCTAssertEqual(QuantizedLinear<Q4Blocks>(quantizing: dense).byteCount, n * k / 2 + n * (k / 32) * 8 + 4 * n, "with the bias")
    }
}
