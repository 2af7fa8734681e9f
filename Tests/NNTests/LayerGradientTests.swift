import XCTest
import Tensor
import TestSupport
@testable import NN

/// Every layer's backward against finite differences of its own forward.
final class LayerGradientTests: XCTestCase {
    let fd = GradientCheck()

    func testLinear() {
        let layer = Linear(inFeatures: 6, outFeatures: 4)
        layer.weight.value.assign(GradientCheck.random([4, 6], seed: 1))
        layer.bias!.value.assign(GradientCheck.random([4], seed: 2))
        layer.weight.requiresGrad = true
        layer.bias!.requiresGrad = true
        let x = GradientCheck.random([5, 6], seed: 3), r = GradientCheck.random([5, 4], seed: 4)
        _ = layer.forward(x, training: true)
        let dx = layer.backward(r)
        let loss = { GradientCheck.weightedSum(layer.forward(x), r) }
        fd.check("dx", x, analytic: dx, loss: loss)
        fd.check("dW", layer.weight.value, analytic: layer.weight.grad!, loss: loss)
        fd.check("db", layer.bias!.value, analytic: layer.bias!.grad!, loss: loss)
    }

    func testLinearFrozenWeightsGetNoGradientBuffer() {
        let layer = Linear(inFeatures: 3, outFeatures: 2)
        XCTAssertNil(layer.weight.grad)
        _ = layer.forward(GradientCheck.random([2, 3], seed: 5), training: true)
        _ = layer.backward(GradientCheck.random([2, 2], seed: 6))
        XCTAssertNil(layer.weight.grad)
    }

    func testLayerNorm() {
        let c = 13  // not a multiple of 8: exercises the scalar tails
        let layer = LayerNorm(dim: c, eps: 1e-5)
        layer.weight.value.assign(GradientCheck.random([c], seed: 7))
        layer.bias.value.assign(GradientCheck.random([c], seed: 8))
        layer.weight.requiresGrad = true
        layer.bias.requiresGrad = true
        let x = GradientCheck.random([4, c], scale: 2, seed: 9), r = GradientCheck.random([4, c], seed: 10)
        _ = layer.forward(x, training: true)
        let dx = layer.backward(r)
        let loss = { GradientCheck.weightedSum(layer.forward(x), r) }
        fd.check("dx", x, analytic: dx, loss: loss)
        fd.check("dgamma", layer.weight.value, analytic: layer.weight.grad!, loss: loss)
        fd.check("dbeta", layer.bias.value, analytic: layer.bias.grad!, loss: loss)
    }

    func testLayerNormForwardNormalises() {
        let layer = LayerNorm(dim: 16, eps: 1e-12)
        let y = layer.forward(GradientCheck.random([3, 16], scale: 5, seed: 11))
        for r in 0..<3 {
            let row = Array(UnsafeBufferPointer(start: y.row(r), count: 16))
            let mean = row.reduce(0, +) / 16
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 16
            XCTAssertEqual(mean, 0, accuracy: 1e-6)
            XCTAssertEqual(variance, 1, accuracy: 1e-4)
        }
    }

    func testGELU() {
        let layer = GELU()
        let x = GradientCheck.random([3, 21], scale: 4, seed: 12), r = GradientCheck.random([3, 21], seed: 13)
        _ = layer.forward(x, training: true)
        let dx = layer.backward(r)
        fd.check("dx", x, analytic: dx) { GradientCheck.weightedSum(layer.forward(x), r) }
    }

    func testGELUValues() {
        // gelu(x) = x·Φ(x); reference values from the erf definition.
        let x = Tensor(shape: [5], values: [-3, -1, 0, 0.5, 2])
        let y = GELU().forward(x)
        let expected: [Float] = [-0.004_049_7, -0.158_655_25, 0, 0.345_731_35, 1.954_499_7]
        for i in 0..<5 { XCTAssertEqual(y[i], expected[i], accuracy: 1e-6) }
    }

    func testEmbedding() {
        let layer = Embedding(count: 7, dim: 5)
        layer.weight.value.assign(GradientCheck.random([7, 5], seed: 14))
        layer.weight.requiresGrad = true
        let ids: [Int32] = [3, 0, 3, 6]
        let r = GradientCheck.random([4, 5], seed: 15)
        _ = layer.forward(ids, training: true)
        layer.backward(r)
        fd.check("dW", layer.weight.value, analytic: layer.weight.grad!) { GradientCheck.weightedSum(layer.forward(ids), r) }
    }

    func testAttention() {
        let heads = 3, d = 4, hd = heads * d
        let layout = PackedSequences(lengths: [5, 1, 3])
        let n = layout.tokenCount
        let q = GradientCheck.random([n, hd], seed: 16), k = GradientCheck.random([n, hd], seed: 17)
        let v = GradientCheck.random([n, hd], seed: 18), r = GradientCheck.random([n, hd], seed: 19)
        let layer = Attention(heads: heads, headDim: d)
        _ = layer.forward(q: q, k: k, v: v, layout: layout, training: true)
        let (dq, dk, dv) = layer.backward(r)
        let loss = { GradientCheck.weightedSum(layer.forward(q: q, k: k, v: v, layout: layout), r) }
        fd.check("dq", q, analytic: dq, loss: loss)
        fd.check("dk", k, analytic: dk, loss: loss)
        fd.check("dv", v, analytic: dv, loss: loss)
    }

    /// Packed attention equals attention computed one sequence at a time (no leakage across sequences).
    func testAttentionSequencesAreIndependent() {
        let heads = 2, d = 3, hd = heads * d
        let layout = PackedSequences(lengths: [4, 2])
        let q = GradientCheck.random([6, hd], seed: 20), k = GradientCheck.random([6, hd], seed: 21)
        let v = GradientCheck.random([6, hd], seed: 22)
        let packed = Attention(heads: heads, headDim: d).forward(q: q, k: k, v: v, layout: layout)
        func slice(_ t: Tensor, _ lo: Int, _ hi: Int) -> Tensor {
            Tensor(shape: [hi - lo, hd], values: Array(t.array[(lo * hd)..<(hi * hd)]))
        }
        let second = Attention(heads: heads, headDim: d).forward(
            q: slice(q, 4, 6), k: slice(k, 4, 6), v: slice(v, 4, 6), layout: PackedSequences(lengths: [2]))
        for i in 0..<(2 * hd) { XCTAssertEqual(packed[4 * hd + i], second[i], accuracy: 1e-6) }
    }
}

extension LayerGradientTests {
    /// Causal grouped-query attention (4 query heads over 2 kv heads), as the decoders use it.
    func testCausalGroupedQueryAttention() {
        let heads = 4, kvHeads = 2, d = 3
        let layout = PackedSequences(lengths: [4, 2])
        let n = layout.tokenCount
        let q = GradientCheck.random([n, heads * d], seed: 30), k = GradientCheck.random([n, kvHeads * d], seed: 31)
        let v = GradientCheck.random([n, kvHeads * d], seed: 32), r = GradientCheck.random([n, heads * d], seed: 33)
        let layer = Attention(heads: heads, kvHeads: kvHeads, headDim: d, causal: true)
        _ = layer.forward(q: q, k: k, v: v, layout: layout, training: true)
        let (dq, dk, dv) = layer.backward(r)
        let loss = { GradientCheck.weightedSum(layer.forward(q: q, k: k, v: v, layout: layout), r) }
        fd.check("dq", q, analytic: dq, loss: loss)
        fd.check("dk", k, analytic: dk, loss: loss)
        fd.check("dv", v, analytic: dv, loss: loss)
    }

    /// Causality: the first token's output depends only on itself (its context is exactly its own value row).
    func testCausalMaskHidesTheFuture() {
        let layer = Attention(heads: 1, kvHeads: 1, headDim: 2, causal: true)
        let q = GradientCheck.random([3, 2], seed: 40), k = GradientCheck.random([3, 2], seed: 41)
        let v = GradientCheck.random([3, 2], seed: 42)
        let ctx = layer.forward(q: q, k: k, v: v, layout: PackedSequences(lengths: [3]))
        XCTAssertEqual(ctx[0], v[0], accuracy: 1e-6)
        XCTAssertEqual(ctx[1], v[1], accuracy: 1e-6)
    }
}

extension LayerGradientTests {
    func testRMSNorm() {
        let c = 11
        let layer = RMSNorm(dim: c, eps: 1e-5)
        layer.weight.value.assign(GradientCheck.random([c], seed: 50))
        layer.weight.requiresGrad = true
        let x = GradientCheck.random([3, c], scale: 2, seed: 51), r = GradientCheck.random([3, c], seed: 52)
        _ = layer.forward(x, training: true)
        let dx = layer.backward(r)
        let loss = { GradientCheck.weightedSum(layer.forward(x), r) }
        fd.check("dx", x, analytic: dx, loss: loss)
        fd.check("dw", layer.weight.value, analytic: layer.weight.grad!, loss: loss)
    }

    func testSwiGLU() {
        let layer = SwiGLU()
        let g = GradientCheck.random([3, 9], scale: 3, seed: 53), u = GradientCheck.random([3, 9], seed: 54)
        let r = GradientCheck.random([3, 9], seed: 55)
        _ = layer.forward(gate: g, up: u, training: true)
        let (dg, du) = layer.backward(r)
        let loss = { GradientCheck.weightedSum(layer.forward(gate: g, up: u), r) }
        fd.check("dgate", g, analytic: dg, loss: loss)
        fd.check("dup", u, analytic: du, loss: loss)
    }

    /// The rotation's backward is the inverse rotation; rotating preserves each pair's norm.
    func testRotaryEmbedding() {
        let rope = RotaryEmbedding(headDim: 8, theta: 10_000)
        let positions: [Int32] = [0, 1, 7, 1000]
        let x = GradientCheck.random([4, 16], seed: 56), r = GradientCheck.random([4, 16], seed: 57)
        let apply = { () -> Tensor in let y = x.copy(); rope.apply(y, heads: 2, positions: positions); return y }
        let dx = r.copy()
        rope.apply(dx, heads: 2, positions: positions, inverse: true)
        fd.check("dx", x, analytic: dx) { GradientCheck.weightedSum(apply(), r) }
        let y = apply()
        XCTAssertEqual(Array(y.array[0..<16]), Array(x.array[0..<16]), "position 0 is the identity")
        let back = y.copy()
        rope.apply(back, heads: 2, positions: positions, inverse: true)
        for i in 0..<x.count { XCTAssertEqual(back[i], x[i], accuracy: 1e-5) }
    }
}
