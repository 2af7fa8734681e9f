import Foundation
import Tensor

/// The gated activation of Llama/Qwen2 feed-forward blocks (Shazeer 2020, https://arxiv.org/abs/2002.05202):
/// h = silu(gate) ⊙ up, silu(x) = x·σ(x). Inputs are the two projections of the same x.
public final class SwiGLU {
    private var saved: (gate: Tensor, up: Tensor)?

    public init() {}

    public func forward(gate: Tensor, up: Tensor, training: Bool = false) -> Tensor {
        precondition(gate.shape == up.shape, "SwiGLU gate \(gate.shape) and up \(up.shape) differ")
        let h = Tensor(uninitializedShape: gate.shape)
        let n = gate.count
        Parallel.forEachChunk(n / 8 + 1, cost: 32) { blocks in
            let lo = blocks.lowerBound * 8, hi = min(n, blocks.upperBound * 8)
            guard lo < hi else { return }
            Kernels.map2(hi - lo, gate.data + lo, up.data + lo, h.data + lo) { g, u in g / (1 + VectorMath.exp(-g)) * u }
        }
        saved = training ? (gate, up) : nil
        return h
    }

    /// Drops what the last training forward kept (activation checkpointing).
    public func discardActivations() { saved = nil }

    /// dgate = dh ⊙ up ⊙ σ(g)(1 + g(1 − σ(g))), dup = dh ⊙ silu(g); eight lanes at a time over the cores.
    public func backward(_ dh: Tensor) -> (dGate: Tensor, dUp: Tensor) {
        guard let (gate, up) = saved else { preconditionFailure("SwiGLU.backward without a training forward") }
        precondition(dh.count == gate.count, "SwiGLU.backward: dh \(dh.shape) for \(gate.shape)")
        let dGate = Tensor(uninitializedShape: gate.shape), dUp = Tensor(uninitializedShape: gate.shape)
        let n = gate.count
        Parallel.forEachChunk(n / 8 + 1, cost: 48) { blocks in
            let lo = blocks.lowerBound * 8, hi = min(n, blocks.upperBound * 8)
            var i = lo
            while i < hi {
                let lanes = min(8, hi - i)
                var g = Vec8(), u = Vec8(), d = Vec8()
                if lanes == 8 {
                    g = VectorMath.load(gate.data + i); u = VectorMath.load(up.data + i); d = VectorMath.load(dh.data + i)
                } else {
                    for j in 0..<lanes { g[j] = gate.data[i + j]; u[j] = up.data[i + j]; d[j] = dh.data[i + j] }
                }
                let one = Vec8(repeating: 1), sigma = one / (one + VectorMath.exp(-g))
                let du = d * g * sigma, dg = d * u * sigma * (one + g * (one - sigma))
                if lanes == 8 {
                    VectorMath.store(du, dUp.data + i); VectorMath.store(dg, dGate.data + i)
                } else {
                    for j in 0..<lanes { dUp.data[i + j] = du[j]; dGate.data[i + j] = dg[j] }
                }
                i += 8
            }
        }
        return (dGate, dUp)
    }
}
