import XCTest
import Tensor
import TestSupport
@testable import NN

/// `QuantizedLinear` over NF4 (`NF4Tensor`) with a shared `DequantizationScratch`: QLoRA's frozen base.
final class QuantizedLinearTests: XCTestCase {
    /// A dense layer with the given shape and random weights (bias optional).
    private func dense(_ inFeatures: Int, _ outFeatures: Int, bias: Bool, seed: UInt64) -> Linear {
        let l = Linear(inFeatures: inFeatures, outFeatures: outFeatures, bias: bias)
        l.weight.value.assign(GradientCheck.random([outFeatures, inFeatures], scale: 0.2, seed: seed))
        l.bias?.value.assign(GradientCheck.random([outFeatures], seed: seed + 1))
        return l
    }

    /// The dense layer that holds exactly the dequantised weights.
    private func reference(for q: QuantizedLinear<NF4Tensor>) -> Linear {
        let l = Linear(inFeatures: q.inFeatures, outFeatures: q.outFeatures, bias: q.bias != nil)
        l.weight.value.assign(q.weight.dequantize())
        if let b = q.bias { l.bias!.value.assign(b) }
        return l
    }

    /// Forward and backward are the dense layer's on the dequantised weights, bit for bit, on shapes that take both the
    /// single-call and the row-split matrix products.
    func testMatchesDenseLayerOnDequantizedWeights() {
        let scratch = DequantizationScratch()
        for (n, inF, outF, bias) in [(4, 6, 5, true), (64, 384, 96, true), (3 * 40, 128, 200, false)] {
            let q = QuantizedLinear<NF4Tensor>(quantizing: dense(inF, outF, bias: bias, seed: UInt64(inF)), scratch: scratch)
            let ref = reference(for: q)
            let x = GradientCheck.random(n == 120 ? [3, 40, inF] : [n, inF], seed: 5)
            let y = q.forward(x, training: true), yRef = ref.forward(x, training: true)
            XCTAssertEqual(y.shape, yRef.shape)
            XCTAssertEqual(y.array, yRef.array, "forward \(n)x\(inF)→\(outF)")
            let dy = GradientCheck.random(y.shape, seed: 6)
            let dx = q.backward(dy), dxRef = ref.backward(dy)
            XCTAssertEqual(dx.shape, x.shape)
            XCTAssertEqual(dx.array, dxRef.array, "backward \(n)x\(inF)→\(outF)")
        }
    }

    func testInputGradientByFiniteDifferences() {
        let q = QuantizedLinear<NF4Tensor>(quantizing: dense(7, 5, bias: true, seed: 21), scratch: DequantizationScratch())
        let x = GradientCheck.random([4, 7], seed: 22), r = GradientCheck.random([4, 5], seed: 23)
        _ = q.forward(x, training: true)
        let dx = q.backward(r)
        GradientCheck().check("dx", x, analytic: dx) { GradientCheck.weightedSum(q.forward(x, training: true), r) }
    }

    /// QLoRA: LoRA around the NF4 base trains A and B; gradients check by finite differences.
    func testLoRAOverQuantizedBase() {
        let q = QuantizedLinear<NF4Tensor>(quantizing: dense(6, 5, bias: true, seed: 31), scratch: DequantizationScratch())
        var g = RandomGenerator(seed: 32)
        let lora = LoRALinear(base: q, rank: 2, alpha: 4, dropout: 0, generator: &g)
        lora.loraB.value.assign(GradientCheck.random([5, 2], seed: 33))
        let x = GradientCheck.random([3, 6], seed: 34), r = GradientCheck.random([3, 5], seed: 35)
        _ = lora.forward(x, training: true)
        let dx = lora.backward(r)
        let loss = { GradientCheck.weightedSum(lora.forward(x, training: true), r) }
        let fd = GradientCheck()
        fd.check("dx", x, analytic: dx, loss: loss)
        fd.check("dA", lora.loraA.value, analytic: lora.loraA.grad!, loss: loss)
        fd.check("dB", lora.loraB.value, analytic: lora.loraB.grad!, loss: loss)
    }

    /// A layer holds about half a byte per weight; the shared scratch holds one dense weight of the largest layer.
    func testMemoryFootprint() {
        let scratch = DequantizationScratch()
        let shapes = [(384, 384), (384, 1536), (1536, 384)]   // MiniLM's projections (in, out)
        let layers = shapes.enumerated().map { i, s in
            QuantizedLinear<NF4Tensor>(quantizing: dense(s.0, s.1, bias: true, seed: UInt64(40 + i)), scratch: scratch)
        }
        for (layer, (inF, outF)) in zip(layers, shapes) {
            let weights = inF * outF, blocks = weights / 64
            let expected = weights / 2 + blocks + 4 * ((blocks + 255) / 256) + 4 + 4 * outF
            XCTAssertEqual(layer.byteCount, expected)
            XCTAssertLessThan(Double(layer.byteCount), 0.53 * Double(weights) + 4 * Double(outF))
            XCTAssertTrue(layer.scratch === scratch)
        }
        XCTAssertEqual(scratch.capacity, 0, "nothing dequantised before the first product")
        for layer in layers { _ = layer.forward(GradientCheck.random([2, layer.inFeatures], seed: 50)) }
        XCTAssertEqual(scratch.capacity, 384 * 1536, "one dense weight of the largest layer")
    }

    /// Layers sharing a scratch in any order each see their own weights.
    func testSharedScratchAlternatesBetweenLayers() {
        let scratch = DequantizationScratch()
        let a = QuantizedLinear<NF4Tensor>(quantizing: dense(8, 8, bias: false, seed: 61), scratch: scratch)
        let b = QuantizedLinear<NF4Tensor>(quantizing: dense(8, 8, bias: false, seed: 62), scratch: scratch)
        let refA = reference(for: a), refB = reference(for: b)
        let x = GradientCheck.random([3, 8], seed: 63)
        for layer in [a, a, b, a, b, b] {
            let want = (layer === a ? refA : refB).forward(x)
            XCTAssertEqual(layer.forward(x).array, want.array)
        }
        scratch.invalidate()
        XCTAssertEqual(b.forward(x).array, refB.forward(x).array)
    }
}
