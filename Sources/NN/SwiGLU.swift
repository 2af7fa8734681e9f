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

    /// dgate = dh ⊙ up ⊙ σ(g)(1 + g(1 − σ(g))), dup = dh ⊙ silu(g).
    public func backward(_ dh: Tensor) -> (dGate: Tensor, dUp: Tensor) {
        guard let (gate, up) = saved else { preconditionFailure("SwiGLU.backward without a training forward") }
        let dGate = Tensor(uninitializedShape: gate.shape), dUp = Tensor(uninitializedShape: gate.shape)
        for i in 0..<gate.count {
            let g = gate[i], s = 1 / (1 + Foundation.exp(-g))
            dUp[i] = dh[i] * g * s
            dGate[i] = dh[i] * up[i] * s * (1 + g * (1 - s))
        }
        return (dGate, dUp)
    }
}
