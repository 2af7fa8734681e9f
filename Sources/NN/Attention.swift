import Tensor

/// Multi-head scaled dot-product attention over packed sequences (Vaswani et al. 2017,
/// https://arxiv.org/abs/1706.03762): for each sequence s and head h, ctx = softmax(Q·Kᵀ/√D [+ causal mask])·V.
/// Grouped-query attention (Ainslie et al. 2023, https://arxiv.org/abs/2305.13245) when `kvHeads < heads`: query head
/// h reads key/value head h / (heads / kvHeads). q is (N, H·D), k and v are (N, KVH·D), head-major.
/// Each (sequence, head) pair is two small sgemms; (sequence, kv-head) groups are spread over the cores, so the
/// gradients of a shared key/value head are accumulated by one thread.
public final class Attention {
    public let heads: Int
    public let kvHeads: Int
    public let headDim: Int
    /// Token i attends only to tokens j ≤ i of its sequence (decoders); otherwise to all (encoders).
    public let causal: Bool
    /// Dropout on the attention probabilities in training (BERT's attention_probs_dropout_prob; nil or p = 0: none),
    /// ctx = dropout(softmax(S))·V as PyTorch's attention computes it. The row of query token t in head h is masked
    /// with the key of token t's row mixed with h, so masks replay like every other dropout (see `Dropout`), and
    /// backward regenerates them: only the probabilities before dropout are kept.
    public var dropout: Dropout?
    private var saved: (q: Tensor, k: Tensor, v: Tensor, probs: Tensor, probOffsets: [Int], layout: PackedSequences,
                        dropKeys: [UInt64]?)?

    public init(heads: Int, kvHeads: Int? = nil, headDim: Int, causal: Bool = false) {
        precondition(heads % (kvHeads ?? heads) == 0, "heads must be a multiple of kv heads")
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.headDim = headDim
        self.causal = causal
    }

    /// Row i of the scores: softmax over the keys it may see; masked keys get probability exactly 0.
    @inline(__always)
    private func softmaxRow(_ p: UnsafeMutablePointer<Float>, row i: Int, length l: Int, scale: Float) {
        let visible = causal ? i + 1 : l
        Kernels.softmax(p + i * l, visible, scale: scale)
        if visible < l { (p + i * l + visible).update(repeating: 0, count: l - visible) }
    }

    /// q (N, H·D), k, v (N, KVH·D) → context (N, H·D). With `training`, keeps the probabilities (Σ H·L² floats).
    public func forward(q: Tensor, k: Tensor, v: Tensor, layout: PackedSequences, training: Bool = false) -> Tensor {
        let h = heads, d = headDim, hd = heads * headDim, kvd = kvHeads * headDim, group = heads / kvHeads
        precondition(q.columns == hd && k.columns == kvd && v.columns == kvd,
                     "attention expects q (N, \(hd)) and k, v (N, \(kvd))")
        precondition(q.rows == layout.tokenCount, "attention input has \(q.rows) rows for \(layout.tokenCount) tokens")
        let ctx = Tensor(uninitializedShape: q.shape)
        let scale = 1 / Float(d).squareRoot()
        var probOffsets: [Int] = [], total = 0
        if training { for l in layout.lengths { probOffsets.append(total); total += h * l * l } }
        let probs = training ? Tensor(uninitializedShape: [total]) : nil
        let dropKeys = dropout.flatMap { $0.isActive(training: training) ? $0.rowKeys(q.rows) : nil }
        let drop = dropout.map { (threshold: DropoutMask.threshold($0.p), scale: 1 / (1 - $0.p)) }
        let maxL = layout.maxLength
        Parallel.forEachChunk(layout.count * kvHeads, cost: group * maxL * maxL * d) { range in
            // Inference: the probabilities of one head at a time. Dropout: the dropped copy the product reads.
            let scratch = probs == nil || dropKeys != nil ? Tensor(uninitializedShape: [maxL * maxL]) : nil
            withExtendedLifetime(scratch) {
                for task in range {
                    let s = task / kvHeads, kvHead = task % kvHeads
                    let l = layout.lengths[s], row0 = layout.offsets[s]
                    let ks = k.data + row0 * kvd + kvHead * d, vs = v.data + row0 * kvd + kvHead * d
                    for head in (kvHead * group)..<((kvHead + 1) * group) {
                        let p = probs.map { $0.data + probOffsets[s] + head * l * l } ?? scratch!.data
                        let qs = q.data + row0 * hd + head * d, cs = ctx.data + row0 * hd + head * d
                        BLAS.gemm(transB: true, m: l, n: l, k: d, a: qs, lda: hd, b: ks, ldb: kvd, c: p, ldc: l)
                        for i in 0..<l { softmaxRow(p, row: i, length: l, scale: scale) }
                        var weights = UnsafePointer(p)
                        if let dropKeys, let drop {
                            for i in 0..<l {
                                DropoutMask.apply(key: DropoutMask.rowKey(seed: dropKeys[row0 + i], salt: UInt64(head)),
                                                  threshold: drop.threshold, scale: drop.scale, p + i * l,
                                                  scratch!.data + i * l, l)
                            }
                            weights = UnsafePointer(scratch!.data)
                        }
                        BLAS.gemm(m: l, n: d, k: l, a: weights, lda: l, b: vs, ldb: kvd, c: cs, ldc: hd)
                    }
                }
            }
        }
        saved = training ? (q, k, v, probs!, probOffsets, layout, dropKeys) : nil
        return ctx
    }

    /// Drops what the last training forward kept (activation checkpointing).
    public func discardActivations() { saved = nil }

    /// dctx (N, H·D) → (dq, dk, dv). With P the probabilities, P̃ = dropout(P) = P ⊙ M and S = Q·Kᵀ/√D:
    /// dV = P̃ᵀ·dctx, dP = (dctx·Vᵀ) ⊙ M, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS·K/√D, dK = dSᵀ·Q/√D
    /// (masked entries have P = 0, hence dS = 0); dK and dV sum over the query heads sharing a kv head.
    public func backward(_ dctx: Tensor) -> (dq: Tensor, dk: Tensor, dv: Tensor) {
        guard let (q, k, v, probs, probOffsets, layout, dropKeys) = saved else {
            preconditionFailure("Attention.backward without a training forward")
        }
        let d = headDim, hd = heads * headDim, kvd = kvHeads * headDim, group = heads / kvHeads
        let scale = 1 / Float(d).squareRoot()
        let drop = dropout.map { (threshold: DropoutMask.threshold($0.p), scale: 1 / (1 - $0.p)) }
        let dq = Tensor(uninitializedShape: q.shape), dk = Tensor(zeros: k.shape), dv = Tensor(zeros: v.shape)
        let maxL = layout.maxLength
        Parallel.forEachChunk(layout.count * kvHeads, cost: group * maxL * maxL * d) { range in
            let dp = Tensor(uninitializedShape: [maxL * maxL])
            let dropped = dropKeys == nil ? nil : Tensor(uninitializedShape: [maxL * maxL])
            withExtendedLifetime((dp, dropped)) {
                for task in range {
                    let s = task / kvHeads, kvHead = task % kvHeads
                    let l = layout.lengths[s], row0 = layout.offsets[s]
                    let kvBase = row0 * kvd + kvHead * d
                    for head in (kvHead * group)..<((kvHead + 1) * group) {
                        let base = row0 * hd + head * d
                        let p = probs.data + probOffsets[s] + head * l * l
                        var weights = UnsafePointer(p)
                        if let dropKeys, let drop, let dropped {
                            for i in 0..<l {
                                DropoutMask.apply(key: DropoutMask.rowKey(seed: dropKeys[row0 + i], salt: UInt64(head)),
                                                  threshold: drop.threshold, scale: drop.scale, p + i * l,
                                                  dropped.data + i * l, l)
                            }
                            weights = UnsafePointer(dropped.data)
                        }
                        BLAS.gemm(transA: true, m: l, n: d, k: l, a: weights, lda: l, b: dctx.data + base, ldb: hd,
                                  beta: 1, c: dv.data + kvBase, ldc: kvd)
                        BLAS.gemm(transB: true, m: l, n: l, k: d, a: dctx.data + base, lda: hd, b: v.data + kvBase,
                                  ldb: kvd, c: dp.data, ldc: l)
                        if let dropKeys, let drop {
                            for i in 0..<l {
                                DropoutMask.apply(key: DropoutMask.rowKey(seed: dropKeys[row0 + i], salt: UInt64(head)),
                                                  threshold: drop.threshold, scale: drop.scale, dp.data + i * l,
                                                  dp.data + i * l, l)
                            }
                        }
                        for i in 0..<l {
                            let pr = p + i * l, dr = dp.data + i * l
                            let rowDot = Kernels.dot(pr, dr, l)
                            Kernels.map2(l, pr, dr, dr) { pv, dv in pv * (dv - rowDot) }
                        }
                        BLAS.gemm(m: l, n: d, k: l, alpha: scale, a: dp.data, lda: l, b: k.data + kvBase, ldb: kvd,
                                  c: dq.data + base, ldc: hd)
                        BLAS.gemm(transA: true, m: l, n: d, k: l, alpha: scale, a: dp.data, lda: l, b: q.data + base,
                                  ldb: hd, beta: 1, c: dk.data + kvBase, ldc: kvd)
                    }
                }
            }
        }
        return (dq, dk, dv)
    }
}
