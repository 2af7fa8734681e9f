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
    private var positions: [Int32] = []

    init(_ config: DecoderConfig, rope: RotaryEmbedding) {
        let c = config.hiddenSize, qd = config.numAttentionHeads * config.headDim, kvd = config.numKeyValueHeads * config.headDim
        self.config = config
        self.rope = rope
        inputLayerNorm = RMSNorm(dim: c, eps: config.rmsNormEps)
        qProj = Linear(inFeatures: c, outFeatures: qd, bias: config.attentionBias)
        kProj = Linear(inFeatures: c, outFeatures: kvd, bias: config.attentionBias)
        vProj = Linear(inFeatures: c, outFeatures: kvd, bias: config.attentionBias)
        oProj = Linear(inFeatures: qd, outFeatures: c, bias: false)
        postAttentionLayerNorm = RMSNorm(dim: c, eps: config.rmsNormEps)
        gateProj = Linear(inFeatures: c, outFeatures: config.intermediateSize, bias: false)
        upProj = Linear(inFeatures: c, outFeatures: config.intermediateSize, bias: false)
        downProj = Linear(inFeatures: config.intermediateSize, outFeatures: c, bias: false)
        attention = Attention(heads: config.numAttentionHeads, kvHeads: config.numKeyValueHeads,
                              headDim: config.headDim, causal: true)
    }

    /// x (N, C) over whole sequences (training, or a one-shot forward without cache).
    func forward(_ x: Tensor, layout: PackedSequences, positions: [Int32], training: Bool) -> Tensor {
        let y = inputLayerNorm.forward(x, training: training)
        let q = qProj.forward(y, training: training), k = kProj.forward(y, training: training)
        let v = vProj.forward(y, training: training)
        rope.apply(q, heads: config.numAttentionHeads, positions: positions)
        rope.apply(k, heads: config.numKeyValueHeads, positions: positions)
        if training { self.positions = positions }
        let h = oProj.forward(attention.forward(q: q, k: k, v: v, layout: layout, training: training), training: training)
        h.add(x)
        return mlp(h, training: training)
    }

    private func mlp(_ h: Tensor, training: Bool) -> Tensor {
        let y = postAttentionLayerNorm.forward(h, training: training)
        let out = downProj.forward(swiglu.forward(gate: gateProj.forward(y, training: training),
                                                  up: upProj.forward(y, training: training), training: training),
                                   training: training)
        out.add(h)
        return out
    }

    /// dy (N, C) → dx (N, C), reversing `forward`.
    func backward(_ dy: Tensor) -> Tensor {
        let (dGate, dUp) = swiglu.backward(downProj.backward(dy))
        let dY2 = gateProj.backward(dGate)
        dY2.add(upProj.backward(dUp))
        let dH = postAttentionLayerNorm.backward(dY2)
        dH.add(dy)
        let (dq, dk, dv) = attention.backward(oProj.backward(dH))
        rope.apply(dq, heads: config.numAttentionHeads, positions: positions, inverse: true)
        rope.apply(dk, heads: config.numKeyValueHeads, positions: positions, inverse: true)
        let dY1 = qProj.backward(dq)
        dY1.add(kProj.backward(dk))
        dY1.add(vProj.backward(dv))
        let dx = inputLayerNorm.backward(dY1)
        dx.add(dH)
        return dx
    }

    /// Incremental forward: x (N, C) holds the new tokens of each sequence (packed by `layout`), positioned after
    /// the tokens already in that sequence's cache; their keys and values are appended to the caches of `layer`.
    func forward(_ x: Tensor, layout: PackedSequences, caches: [KVCache], layer: Int) -> Tensor {
        let hq = config.numAttentionHeads, hkv = config.numKeyValueHeads, d = config.headDim
        let qd = hq * d, kvd = hkv * d, group = hq / hkv
        var positions: [Int32] = []
        positions.reserveCapacity(layout.tokenCount)
        for (s, l) in layout.lengths.enumerated() { for t in 0..<l { positions.append(Int32(caches[s].length + t)) } }
        let y = inputLayerNorm.forward(x)
        let q = qProj.forward(y, training: false), k = kProj.forward(y, training: false), v = vProj.forward(y, training: false)
        rope.apply(q, heads: hq, positions: positions)
        rope.apply(k, heads: hkv, positions: positions)
        for (s, cache) in caches.enumerated() { cache.write(layer: layer, k: k, v: v, from: layout.offsets[s], count: layout.lengths[s]) }
        let ctx = Tensor(uninitializedShape: [layout.tokenCount, qd])
        let scale = 1 / Float(d).squareRoot()
        let maxTotal = zip(caches, layout.lengths).map { $0.length + $1 }.max() ?? 0
        Parallel.forEachChunk(layout.count * hkv, cost: group * layout.maxLength * maxTotal * d) { range in
            let scores = Tensor(uninitializedShape: [layout.maxLength * maxTotal])
            withExtendedLifetime(scores) {
                for task in range {
                    let s = task / hkv, kvHead = task % hkv
                    let n = layout.lengths[s], past = caches[s].length, total = past + n
                    let keys = caches[s].keys[layer].data + kvHead * d, values = caches[s].values[layer].data + kvHead * d
                    for head in (kvHead * group)..<((kvHead + 1) * group) {
                        let qs = q.data + layout.offsets[s] * qd + head * d, cs = ctx.data + layout.offsets[s] * qd + head * d
                        let p = scores.data
                        BLAS.gemm(transB: true, m: n, n: total, k: d, a: qs, lda: qd, b: keys, ldb: kvd, c: p, ldc: total)
                        for i in 0..<n {
                            // New token i is at position past + i: it sees keys 0 … past + i.
                            let visible = past + i + 1
                            Kernels.softmax(p + i * total, visible, scale: scale)
                            if visible < total { (p + i * total + visible).update(repeating: 0, count: total - visible) }
                        }
                        BLAS.gemm(m: n, n: d, k: total, a: p, lda: total, b: values, ldb: kvd, c: cs, ldc: qd)
                    }
                }
            }
        }
        let h = oProj.forward(ctx, training: false)
        h.add(x)
        return mlp(h, training: false)
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

    var parameters: [(String, Parameter)] {
        var out: [(String, Parameter)] = [("input_layernorm.weight", inputLayerNorm.weight)]
        for p in Projection.allCases {
            guard let l = self[p] as? Linear else { continue }
            out.append(("\(p.rawValue).weight", l.weight))
            if let b = l.bias { out.append(("\(p.rawValue).bias", b)) }
        }
        out.append(("post_attention_layernorm.weight", postAttentionLayerNorm.weight))
        return out
    }
}
