import Tensor

/// GELU with the exact erf form, gelu(x) = x·Φ(x) (Hendrycks & Gimpel, https://arxiv.org/abs/1606.08415),
/// as BERT's `hidden_act: "gelu"` defines it (not the tanh approximation).
public final class GELU {
    private var input: Tensor?

    public init() {}

    public func forward(_ x: Tensor, training: Bool = false) -> Tensor {
        let y = Tensor(uninitializedShape: x.shape)
        let n = x.count
        Parallel.forEachChunk(n / 8 + 1, cost: 64) { blocks in
            let lo = blocks.lowerBound * 8, hi = min(n, blocks.upperBound * 8)
            guard lo < hi else { return }
            Kernels.map(hi - lo, x.data + lo, y.data + lo) { v in 0.5 * v * (1 + VectorMath.erf(v * 0.707_106_78)) }
        }
        input = training ? x : nil
        return y
    }

    /// d/dx gelu = Φ(x) + x·φ(x).
    public func backward(_ dy: Tensor) -> Tensor {
        let dx = Tensor(uninitializedShape: dy.shape)
        backward(dy, into: dx)
        return dx
    }

    /// The same, overwriting dy with dx (when nothing else reads dy).
    public func backwardInPlace(_ dy: Tensor) { backward(dy, into: dy) }

    private func backward(_ dy: Tensor, into dx: Tensor) {
        guard let x = input else { preconditionFailure("GELU.backward without a training forward") }
        precondition(dy.count == x.count, "GELU.backward: dy \(dy.shape) for input \(x.shape)")
        let n = x.count
        Parallel.forEachChunk(n / 8 + 1, cost: 64) { blocks in
            let lo = blocks.lowerBound * 8, hi = min(n, blocks.upperBound * 8)
            guard lo < hi else { return }
            Kernels.map2(hi - lo, x.data + lo, dy.data + lo, dx.data + lo) { v, d in
                let cdf = 0.5 * (1 + VectorMath.erf(v * 0.707_106_78))
                let pdf = VectorMath.exp(-0.5 * (v * v)) * 0.398_942_28
                return d * (cdf + v * pdf)
            }
        }
    }
}
