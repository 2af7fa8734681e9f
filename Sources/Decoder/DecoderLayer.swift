import NN
import Tensor

/// One Llama / Qwen2 block, pre-norm: h = x + o_proj(attn(rope(q), rope(k), v)) over RMSNorm(x),
/// out = h + down_proj(silu(gate_proj(y)) ⊙ up_proj(y)) with y = RMSNorm(h). Property names follow the Hugging Face
/// weight names (`self_attn.q_proj`, `mlp.gate_proj`, …).
public final class DecoderLayer {
    public let inputLayerNorm: RMSNorm
    public internal(set) var qProj: LinearLayer, kProj: LinearLayer, vProj: LinearLayer, oProj: LinearLayer
    public let postAttentionLayerNorm: RMSNorm
    public internal(set) var gateProj: LinearLayer, upProj: LinearLayer, downProj: LinearLayer
    let attention: Attention
    let swiglu = SwiGLU()
    let rope: RotaryEmbedding
    let config: DecoderConfig
    /// Rotary angles of the last training forward, for backward.
    private var angles: RotaryEmbedding.Angles?

    /// A block with zero Float32 weights (fill them through `parameters`).
    convenience init(_ config: DecoderConfig, rope: RotaryEmbedding) {
        self.init(config, rope: rope) { _, inFeatures, outFeatures, bias in
            Linear(inFeatures: inFeatures, outFeatures: outFeatures, bias: bias)
        }
    }

    /// A block whose projections `make(projection, in, out, bias)` creates (dense, quantised, loaded or not).
    init(_ config: DecoderConfig, rope: RotaryEmbedding,
         projection make: (Projection, _ inFeatures: Int, _ outFeatures: Int, _ bias: Bool) throws -> LinearLayer) rethrows {
        let c = config.hiddenSize, qd = config.numAttentionHeads * config.headDim, kvd = config.numKeyValueHeads * config.headDim
        self.config = config
        self.rope = rope
        inputLayerNorm = RMSNorm(dim: c, eps: config.rmsNormEps)
        qProj = try make(.q, c, qd, config.attentionBias)
        kProj = try make(.k, c, kvd, config.attentionBias)
        vProj = try make(.v, c, kvd, config.attentionBias)
        oProj = try make(.o, qd, c, false)
        postAttentionLayerNorm = RMSNorm(dim: c, eps: config.rmsNormEps)
        gateProj = try make(.gate, c, config.intermediateSize, false)
        upProj = try make(.up, c, config.intermediateSize, false)
        downProj = try make(.down, config.intermediateSize, c, false)
        attention = Attention(heads: config.numAttentionHeads, kvHeads: config.numKeyValueHeads,
                              headDim: config.headDim, causal: true)
    }

    /// x (N, C) over whole sequences (training, or a one-shot forward without cache); `angles` are the rotary
    /// angles of the rows' positions.
    func forward(_ x: Tensor, layout: PackedSequences, angles: RotaryEmbedding.Angles, training: Bool) -> Tensor {
        let y = inputLayerNorm.forward(x, training: training)
        let qkv = project(y, [qProj, kProj, vProj], training: training)
        let (q, k, v) = (qkv[0], qkv[1], qkv[2])
        rope.apply(q, heads: config.numAttentionHeads, angles: angles)
        rope.apply(k, heads: config.numKeyValueHeads, angles: angles)
        self.angles = training ? angles : nil
        let h = project(attention.forward(q: q, k: k, v: v, layout: layout, training: training), [oProj], training: training)[0]
        h.add(x)
        return mlp(h, training: training)
    }

    private func mlp(_ h: Tensor, training: Bool) -> Tensor {
        let y = postAttentionLayerNorm.forward(h, training: training)
        let gateUp = project(y, [gateProj, upProj], training: training)
        let out = project(swiglu.forward(gate: gateUp[0], up: gateUp[1], training: training), [downProj], training: training)[0]
        out.add(h)
        return out
    }

    /// The projections of one input. For inference: quantised ones of a decode step in a single pass over the cores
    /// (`forwardTogether`), Float32 ones of a prefill through `Linear.inferenceForward` (the AVX-512 GEMM where the CPU
    /// has it); training goes through `forward`, which keeps what backward needs.
    private func project(_ y: Tensor, _ projections: [LinearLayer], training: Bool) -> [Tensor] {
        if training { return projections.map { $0.forward(y, training: true) } }
        if y.rows <= fusedRowLimit, let quantised = projections as? [any QuantizedProjection] {
            return forwardTogether(quantised, y)
        }
        return projections.map { ($0 as? Linear)?.inferenceForward(y) ?? $0.forward(y, training: false) }
    }

    /// dy (N, C) → dx (N, C), reversing `forward`.
    func backward(_ dy: Tensor) -> Tensor {
        guard let angles else { preconditionFailure("DecoderLayer.backward without a training forward") }
        let (dGate, dUp) = swiglu.backward(downProj.backward(dy))
        let dY2 = gateProj.backward(dGate)
        dY2.add(upProj.backward(dUp))
        let dH = postAttentionLayerNorm.backward(dY2)
        dH.add(dy)
        let (dq, dk, dv) = attention.backward(oProj.backward(dH))
        rope.apply(dq, heads: config.numAttentionHeads, angles: angles, inverse: true)
        rope.apply(dk, heads: config.numKeyValueHeads, angles: angles, inverse: true)
        let dY1 = qProj.backward(dq)
        dY1.add(kProj.backward(dk))
        dY1.add(vProj.backward(dv))
        let dx = inputLayerNorm.backward(dY1)
        dx.add(dH)
        return dx
    }

    /// Drops every activation the last training forward kept (the block's input is the caller's).
    func discardActivations() {
        inputLayerNorm.discardActivations()
        postAttentionLayerNorm.discardActivations()
        attention.discardActivations()
        swiglu.discardActivations()
        for p in Projection.allCases { self[p].discardActivations() }
        angles = nil
    }

    /// Incremental forward: x (N, C) holds the new tokens of each sequence (packed by `layout`), positioned after
    /// the tokens already in that sequence's cache (`angles` are for those positions); their keys and values are
    /// appended to the caches of `layer`.
    func forward(_ x: Tensor, layout: PackedSequences, caches: [KVCache], layer: Int, angles: RotaryEmbedding.Angles) -> Tensor {
        let qkv = project(inputLayerNorm.forward(x), [qProj, kProj, vProj], training: false)
        let (q, k, v) = (qkv[0], qkv[1], qkv[2])
        rope.apply(q, heads: config.numAttentionHeads, angles: angles)
        rope.apply(k, heads: config.numKeyValueHeads, angles: angles)
        for (s, cache) in caches.enumerated() { cache.write(layer: layer, k: k, v: v, from: layout.offsets[s], count: layout.lengths[s]) }
        let h = project(cachedAttention(q, layout: layout, caches: caches, layer: layer), [oProj], training: false)[0]
        h.add(x)
        return mlp(h, training: false)
    }

    /// Rows of new queries per attention task: prefill splits each sequence into blocks of this many queries, each
    /// multiplied only with the keys it can see (a causal prefill then does half the work of a full score matrix),
    /// and the blocks give both cores work even for one sequence.
    static let queryBlock = 64

    /// Causal attention of the new tokens' queries q (N, H·D) over each sequence's cached keys and values (the new
    /// ones included) → context (N, H·D). Grouped-query heads share their key/value head.
    private func cachedAttention(_ q: Tensor, layout: PackedSequences, caches: [KVCache], layer: Int) -> Tensor {
        let hq = config.numAttentionHeads, hkv = config.numKeyValueHeads, d = config.headDim
        let qd = hq * d, kvd = hkv * d, group = hq / hkv, block = Self.queryBlock
        let ctx = Tensor(uninitializedShape: [layout.tokenCount, qd])
        let scale = 1 / Float(d).squareRoot()
        // Tasks (sequence, first query, kv head), ordered by query block so that dealing them out in turn gives each
        // worker a share of the cheap early blocks and of the expensive late ones.
        var tasks: [(s: Int, start: Int, kvHead: Int)] = []
        var cost = 0, maxTotal = 0
        for s in 0..<layout.count {
            let n = layout.lengths[s], total = caches[s].length + n
            maxTotal = max(maxTotal, total)
            for start in stride(from: 0, to: n, by: block) { for kvHead in 0..<hkv { tasks.append((s, start, kvHead)) } }
            cost += 4 * hq * n * total * d
        }
        tasks.sort { ($0.start, $0.s, $0.kvHead) < ($1.start, $1.s, $1.kvHead) }
        let workers = cost < 200_000 ? 1 : min(Parallel.workers, tasks.count)
        Parallel.forEachChunk(workers, cost: .max / workers) { ids in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: group * block * maxTotal)
            let gathered = UnsafeMutablePointer<Float>.allocate(capacity: group * block * d)
            defer { scores.deallocate(); gathered.deallocate() }
            for w in ids {
                for t in stride(from: w, to: tasks.count, by: workers) {
                    let (s, start, kvHead) = tasks[t]
                    let rows = min(block, layout.lengths[s] - start), past = caches[s].length
                    let visibleEnd = past + start + rows  // keys 0 ..< visibleEnd matter to this block
                    let keys = caches[s].keys[layer].data + kvHead * d, values = caches[s].values[layer].data + kvHead * d
                    // The group's heads are adjacent in each query row: for query i, a (group, D) matrix.
                    let qs = q.data + (layout.offsets[s] + start) * qd + kvHead * group * d
                    let cs = ctx.data + (layout.offsets[s] + start) * qd + kvHead * group * d
                    if rows == 1, group <= fusedRowLimit {
                        // One query (a decode step): the cached keys and values stream once for all the group's heads
                        // through the few-row kernels (sgemm spent most of a small model's decode step packing them).
                        multiplyFewRowsTransposed(qs, ldx: d, rows: group, k: d, by: keys, ldw: kvd, outputs: visibleEnd,
                                                  into: scores, ldy: visibleEnd)
                        for g in 0..<group { Kernels.softmax(scores + g * visibleEnd, visibleEnd, scale: scale) }
                        multiplyFewRows(scores, lda: visibleEnd, rows: group, k: visibleEnd, by: values, ldb: kvd,
                                        columns: d, into: cs, ldc: d)
                        continue
                    }
                    // Several queries (prefill): every (query, head) of the group gathered into one (rows·group, D)
                    // matrix, so the keys and the values go through one product each — sgemm packs them once for the
                    // group instead of once per head, and the larger products run nearer its peak.
                    let m = rows * group
                    for i in 0..<rows { (gathered + i * group * d).update(from: qs + i * qd, count: group * d) }
                    BLAS.gemm(transB: true, m: m, n: visibleEnd, k: d, a: gathered, lda: d, b: keys, ldb: kvd,
                              c: scores, ldc: visibleEnd)
                    for i in 0..<rows {
                        // Query i of the block is at position past + start + i: it sees keys 0 … that position.
                        let visible = past + start + i + 1
                        for g in 0..<group {
                            let p = scores + (i * group + g) * visibleEnd
                            Kernels.softmax(p, visible, scale: scale)
                            if visible < visibleEnd { (p + visible).update(repeating: 0, count: visibleEnd - visible) }
                        }
                    }
                    BLAS.gemm(m: m, n: d, k: visibleEnd, a: scores, lda: visibleEnd, b: values, ldb: kvd, c: gathered, ldc: d)
                    for i in 0..<rows { (cs + i * qd).update(from: gathered + i * group * d, count: group * d) }
                }
            }
        }
        return ctx
    }

    enum Projection: String, CaseIterable {
        case q = "self_attn.q_proj", k = "self_attn.k_proj", v = "self_attn.v_proj", o = "self_attn.o_proj"
        case gate = "mlp.gate_proj", up = "mlp.up_proj", down = "mlp.down_proj"
    }

    subscript(projection: Projection) -> LinearLayer {
        get {
            switch projection {
            case .q: qProj
            case .k: kProj
            case .v: vProj
            case .o: oProj
            case .gate: gateProj
            case .up: upProj
            case .down: downProj
            }
        }
        set {
            switch projection {
            case .q: qProj = newValue
            case .k: kProj = newValue
            case .v: vProj = newValue
            case .o: oProj = newValue
            case .gate: gateProj = newValue
            case .up: upProj = newValue
            case .down: downProj = newValue
            }
        }
    }

    /// Float32 parameters under their Hugging Face names, LoRA matrices under PEFT's (`….lora_A.weight`).
    var parameters: [(String, Parameter)] {
        [("input_layernorm.weight", inputLayerNorm.weight)]
            + Projection.allCases.flatMap { projectionParameters(self[$0], name: $0.rawValue) }
            + [("post_attention_layernorm.weight", postAttentionLayerNorm.weight)]
    }
}
