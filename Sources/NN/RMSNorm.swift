import Tensor

/// Root-mean-square normalisation (Zhang & Sennrich 2019, https://arxiv.org/abs/1910.07467), as Llama and Qwen2 use it:
/// y = x / √(mean(x²) + ε) · w.
public final class RMSNorm {
    public let dim: Int
    public let eps: Float
    public let weight: Parameter  // (C)
    private var input: Tensor?    // (N, C)
    private var rstd: Tensor?     // (N)

    public init(dim: Int, eps: Float = 1e-6) {
        self.dim = dim
        self.eps = eps
        weight = Parameter(Tensor(shape: [dim], values: Array(repeating: 1, count: dim)))
    }

    public func forward(_ x: Tensor, training: Bool = false) -> Tensor {
        precondition(x.columns == dim, "RMSNorm expects \(dim) features, got shape \(x.shape)")
        let n = x.rows, c = dim, eps = eps
        let y = Tensor(uninitializedShape: x.shape), rstd = Tensor(uninitializedShape: [n])
        let w = weight.value.data
        Parallel.forEachChunk(n, cost: 3 * c) { rows in
            for r in rows {
                let xr = x.row(r)
                let rs = 1 / (Kernels.dot(xr, xr, c) / Float(c) + eps).squareRoot()
                // HF multiplies the normalised input by the weight in two steps; the same rounding here.
                Kernels.map2(c, xr, w, y.row(r)) { ($0 * rs) * $1 }
                rstd[r] = rs
            }
        }
        if training { input = x; self.rstd = rstd } else { input = nil; self.rstd = nil }
        return y
    }

    /// Drops what the last training forward kept (activation checkpointing).
    public func discardActivations() { input = nil; rstd = nil }

    /// dx = r·(w⊙dy) − x·r³/C·Σ(w⊙dy⊙x); dw += Σ_rows dy⊙x·r.
    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input, let rstd else { preconditionFailure("RMSNorm.backward without a training forward") }
        let n = x.rows, c = dim
        let dx = Tensor(uninitializedShape: x.shape)
        let w = weight.value.data
        let chunks = max(1, min(Parallel.workers, n))
        let partial = Tensor(zeros: [chunks, c])
        Parallel.forEachChunk(chunks) { ids in
            for chunk in ids {
                let dw = partial.data + chunk * c
                for r in (n * chunk / chunks)..<(n * (chunk + 1) / chunks) {
                    let xr = x.row(r), g = dy.row(r), out = dx.row(r), rs = rstd[r]
                    var s: Float = 0
                    for j in 0..<c { s += w[j] * g[j] * xr[j] }
                    let k = rs * rs * rs * s / Float(c)
                    for j in 0..<c {
                        out[j] = rs * w[j] * g[j] - xr[j] * k
                        dw[j] += g[j] * xr[j] * rs
                    }
                }
            }
        }
        if let gw = weight.grad {
            withExtendedLifetime(partial) { for chunk in 0..<chunks { Kernels.add(partial.data + chunk * c, into: gw.data, c) } }
        }
        return dx
    }
}
