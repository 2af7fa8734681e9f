import Tensor

/// Multi-head scaled dot-product attention over packed sequences (Vaswani et al. 2017,
/// https://arxiv.org/abs/1706.03762): for each sequence s and head h, ctx = softmax(Q·Kᵀ/√D)·V.
/// Bidirectional (no causal mask); q, k, v come from the caller's projections, laid out (N, H·D) head-major.
/// Each (sequence, head) pair is two small sgemms; pairs are spread over the cores.
public final class Attention {
    public let heads: Int
    public let headDim: Int
    private var saved: (q: Tensor, k: Tensor, v: Tensor, probs: Tensor, probOffsets: [Int], layout: PackedSequences)?

    public init(heads: Int, headDim: Int) {
        self.heads = heads
        self.headDim = headDim
    }

    /// q, k, v (N, H·D) → context (N, H·D). With `training`, keeps the probabilities (Σ H·L² floats) for backward.
    public func forward(q: Tensor, k: Tensor, v: Tensor, layout: PackedSequences, training: Bool = false) -> Tensor {
        let h = heads, d = headDim, hd = heads * headDim
        precondition(q.columns == hd && k.columns == hd && v.columns == hd, "attention expects (N, \(hd)) inputs")
        precondition(q.rows == layout.tokenCount, "attention input has \(q.rows) rows for \(layout.tokenCount) tokens")
        let ctx = Tensor(uninitializedShape: q.shape)
        let scale = 1 / Float(d).squareRoot()
        var probOffsets: [Int] = [], total = 0
        if training { for l in layout.lengths { probOffsets.append(total); total += h * l * l } }
        let probs = training ? Tensor(uninitializedShape: [total]) : nil
        let maxL = layout.maxLength
        let tasks = layout.count * h
        Parallel.forEachChunk(tasks, cost: maxL * maxL * d) { range in
            let scratch = probs == nil ? Tensor(uninitializedShape: [maxL * maxL]) : nil
            withExtendedLifetime(scratch) {
            for task in range {
                let s = task / h, head = task % h
                let l = layout.lengths[s], row0 = layout.offsets[s]
                let p = probs.map { $0.data + probOffsets[s] + head * l * l } ?? scratch!.data
                let qs = q.data + row0 * hd + head * d, ks = k.data + row0 * hd + head * d
                let vs = v.data + row0 * hd + head * d, cs = ctx.data + row0 * hd + head * d
                BLAS.gemm(transB: true, m: l, n: l, k: d, a: qs, lda: hd, b: ks, ldb: hd, c: p, ldc: l)
                for i in 0..<l { Kernels.softmax(p + i * l, l, scale: scale) }
                BLAS.gemm(m: l, n: d, k: l, a: p, lda: l, b: vs, ldb: hd, c: cs, ldc: hd)
            }
            }
        }
        saved = training ? (q, k, v, probs!, probOffsets, layout) : nil
        return ctx
    }

    /// dctx (N, H·D) → (dq, dk, dv). With P the probabilities and S = Q·Kᵀ/√D:
    /// dV = Pᵀ·dctx, dP = dctx·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS·K/√D, dK = dSᵀ·Q/√D.
    public func backward(_ dctx: Tensor) -> (dq: Tensor, dk: Tensor, dv: Tensor) {
        guard let (q, k, v, probs, probOffsets, layout) = saved else {
            preconditionFailure("Attention.backward without a training forward")
        }
        let h = heads, d = headDim, hd = heads * headDim
        let scale = 1 / Float(d).squareRoot()
        let dq = Tensor(uninitializedShape: q.shape), dk = Tensor(uninitializedShape: k.shape)
        let dv = Tensor(uninitializedShape: v.shape)
        let maxL = layout.maxLength
        Parallel.forEachChunk(layout.count * h, cost: maxL * maxL * d) { range in
            let dp = Tensor(uninitializedShape: [maxL * maxL])
            withExtendedLifetime(dp) {
            for task in range {
                let s = task / h, head = task % h
                let l = layout.lengths[s], base = layout.offsets[s] * hd + head * d
                let p = probs.data + probOffsets[s] + head * l * l
                BLAS.gemm(transA: true, m: l, n: d, k: l, a: p, lda: l, b: dctx.data + base, ldb: hd,
                          c: dv.data + base, ldc: hd)
                BLAS.gemm(transB: true, m: l, n: l, k: d, a: dctx.data + base, lda: hd, b: v.data + base, ldb: hd,
                          c: dp.data, ldc: l)
                for i in 0..<l {
                    let pr = p + i * l, dr = dp.data + i * l
                    let rowDot = Kernels.dot(pr, dr, l)
                    Kernels.map2(l, pr, dr, dr) { pv, dv in pv * (dv - rowDot) }
                }
                BLAS.gemm(m: l, n: d, k: l, alpha: scale, a: dp.data, lda: l, b: k.data + base, ldb: hd,
                          c: dq.data + base, ldc: hd)
                BLAS.gemm(transA: true, m: l, n: d, k: l, alpha: scale, a: dp.data, lda: l, b: q.data + base, ldb: hd,
                          c: dk.data + base, ldc: hd)
            }
            }
        }
        return (dq, dk, dv)
    }
}
