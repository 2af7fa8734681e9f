import Tensor

/// Layer normalisation over the last dimension (Ba et al. 2016, https://arxiv.org/abs/1607.06450).
public final class LayerNorm {
    public let dim: Int
    public let eps: Float
    public let weight: Parameter  // (C)
    public let bias: Parameter    // (C)
    private var input: Tensor?    // (N, C)
    private var mean: Tensor?     // (N)
    private var rstd: Tensor?     // (N)

    public init(dim: Int, eps: Float = 1e-12) {
        self.dim = dim
        self.eps = eps
        weight = Parameter(Tensor(shape: [dim], values: Array(repeating: 1, count: dim)))
        bias = Parameter(Tensor(zeros: [dim]))
    }

    /// y = (x − μ)·rstd·γ + β per row.
    public func forward(_ x: Tensor, training: Bool = false) -> Tensor {
        precondition(x.columns == dim, "LayerNorm expects \(dim) features, got shape \(x.shape)")
        let n = x.rows, c = dim, eps = eps
        let y = Tensor(uninitializedShape: x.shape)
        let mean = Tensor(uninitializedShape: [n]), rstd = Tensor(uninitializedShape: [n])
        let g = weight.value.data, b = bias.value.data
        Parallel.forEachChunk(n, cost: 4 * c) { rows in
            for r in rows {
                let xr = x.row(r), yr = y.row(r)
                let mu = Kernels.sum(xr, c) / Float(c)
                // Two-pass variance (biased, as PyTorch): no cancellation for rows with a large mean.
                var acc = Vec8(), i = 0
                let mu8 = Vec8(repeating: mu)
                while i + 8 <= c { let d = VectorMath.load(xr + i) - mu8; acc += d * d; i += 8 }
                var v = acc.sum()
                while i < c { let d = xr[i] - mu; v += d * d; i += 1 }
                let rs = 1 / (v / Float(c) + eps).squareRoot()
                i = 0
                while i + 8 <= c {
                    let t = (VectorMath.load(xr + i) - mu8) * rs
                    VectorMath.store(t * VectorMath.load(g + i) + VectorMath.load(b + i), yr + i)
                    i += 8
                }
                while i < c { yr[i] = (xr[i] - mu) * rs * g[i] + b[i]; i += 1 }
                mean[r] = mu
                rstd[r] = rs
            }
        }
        if training { input = x; self.mean = mean; self.rstd = rstd } else { input = nil; self.mean = nil; self.rstd = nil }
        return y
    }

    /// dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·γ; dγ += Σ dy·x̂; dβ += Σ dy.
    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input, let mean, let rstd else { preconditionFailure("LayerNorm.backward without a training forward") }
        let n = x.rows, c = dim
        let dx = Tensor(uninitializedShape: x.shape)
        let g = weight.value.data
        // Per-chunk partial sums of dγ, dβ, reduced after the parallel part (rows write disjoint dx).
        let chunks = max(1, min(Parallel.workers, n))
        let partial = Tensor(zeros: [chunks, 2, c])
        Parallel.forEachChunk(chunks) { ids in
            for chunk in ids {
                let dg = partial.data + chunk * 2 * c, db = dg + c
                for r in (n * chunk / chunks)..<(n * (chunk + 1) / chunks) {
                    let xr = x.row(r), dyr = dy.row(r), dxr = dx.row(r)
                    let mu = Vec8(repeating: mean[r]), rs = rstd[r]
                    var sumD = Vec8(), sumDX = Vec8(), i = 0
                    var sD: Float = 0, sDX: Float = 0
                    while i + 8 <= c {
                        let xh = (VectorMath.load(xr + i) - mu) * rs, d = VectorMath.load(dyr + i)
                        let dxh = d * VectorMath.load(g + i)
                        sumD += dxh; sumDX += dxh * xh
                        VectorMath.store(VectorMath.load(dg + i) + d * xh, dg + i)
                        VectorMath.store(VectorMath.load(db + i) + d, db + i)
                        i += 8
                    }
                    while i < c {
                        let xh = (xr[i] - mean[r]) * rs, dxh = dyr[i] * g[i]
                        sD += dxh; sDX += dxh * xh
                        dg[i] += dyr[i] * xh; db[i] += dyr[i]
                        i += 1
                    }
                    let meanD = (sumD.sum() + sD) / Float(c), meanDX = (sumDX.sum() + sDX) / Float(c)
                    let md = Vec8(repeating: meanD), mdx = Vec8(repeating: meanDX)
                    i = 0
                    while i + 8 <= c {
                        let xh = (VectorMath.load(xr + i) - mu) * rs
                        VectorMath.store(rs * (VectorMath.load(dyr + i) * VectorMath.load(g + i) - md - xh * mdx), dxr + i)
                        i += 8
                    }
                    while i < c {
                        let xh = (xr[i] - mean[r]) * rs
                        dxr[i] = rs * (dyr[i] * g[i] - meanD - xh * meanDX)
                        i += 1
                    }
                }
            }
        }
        withExtendedLifetime(partial) {
            for chunk in 0..<chunks {
                let dg = partial.data + chunk * 2 * c
                if let gw = weight.grad { Kernels.add(dg, into: gw.data, c) }
                if let gb = bias.grad { Kernels.add(dg + c, into: gb.data, c) }
            }
        }
        return dx
    }
}
