import NN
import Tensor

/// A Llama / Qwen2 causal language model (the architectures of SmolLM2 and Qwen2.5): token embeddings, pre-norm
/// blocks with grouped-query attention and RoPE, a final RMSNorm, and an lm_head tied to the embeddings or not.
public final class DecoderModel {
    public let config: DecoderConfig
    public let embedTokens: Embedding
    public let layers: [DecoderLayer]
    public let norm: RMSNorm
    /// nil when tied: the logits are then computed with the embedding matrix.
    public let lmHead: Linear?
    let rope: RotaryEmbedding

    public init(config: DecoderConfig) {
        self.config = config
        let rope = RotaryEmbedding(headDim: config.headDim, theta: config.ropeTheta)
        self.rope = rope
        embedTokens = Embedding(count: config.vocabSize, dim: config.hiddenSize)
        layers = (0..<config.numHiddenLayers).map { _ in DecoderLayer(config, rope: rope) }
        norm = RMSNorm(dim: config.hiddenSize, eps: config.rmsNormEps)
        lmHead = config.tieWordEmbeddings ? nil : Linear(inFeatures: config.hiddenSize, outFeatures: config.vocabSize, bias: false)
    }

    /// Whole sequences without a cache (training and one-shot scoring): ids (N) → final hidden states (N, C).
    public func forward(_ ids: [Int32], layout: PackedSequences, training: Bool = false) -> Tensor {
        var h = embedTokens.forward(ids, training: training)
        let positions = layout.positions
        for layer in layers { h = layer.forward(h, layout: layout, positions: positions, training: training) }
        return norm.forward(h, training: training)
    }

    /// dHidden (N, C) of the final norm's output → gradients of the trainable parameters.
    public func backward(_ dHidden: Tensor) {
        var d = norm.backward(dHidden)
        for layer in layers.reversed() { d = layer.backward(d) }
        embedTokens.backward(d)
    }

    /// Incremental forward: the new tokens of each sequence (packed by `layout`) after what its cache holds;
    /// appends their keys/values and returns their final hidden states (N, C).
    public func forward(_ ids: [Int32], layout: PackedSequences, caches: [KVCache]) -> Tensor {
        precondition(caches.count == layout.count, "one cache per sequence")
        for (cache, n) in zip(caches, layout.lengths) { cache.reserve(n) }
        var h = embedTokens.forward(ids)
        for (i, layer) in layers.enumerated() { h = layer.forward(h, layout: layout, caches: caches, layer: i) }
        for (cache, n) in zip(caches, layout.lengths) { cache.advance(by: n) }
        return norm.forward(h)
    }

    /// hidden (R, C) → logits (R, V).
    public func logits(_ hidden: Tensor) -> Tensor {
        if let lmHead { return lmHead.forward(hidden) }
        let v = config.vocabSize, c = config.hiddenSize
        let out = Tensor(uninitializedShape: [hidden.rows, v])
        BLAS.parallelGemm(transB: true, m: hidden.rows, n: v, k: c, a: hidden.data, lda: c,
                          b: embedTokens.weight.value.data, ldb: c, c: out.data, ldc: v)
        return out
    }

    public func makeCache(capacity: Int = 256) -> KVCache {
        KVCache(layers: config.numHiddenLayers, width: config.numKeyValueHeads * config.headDim, capacity: capacity)
    }

    /// Every parameter under its Hugging Face name.
    public var namedParameters: [(String, Parameter)] {
        var out: [(String, Parameter)] = [("model.embed_tokens.weight", embedTokens.weight)]
        for (i, layer) in layers.enumerated() { out += layer.parameters.map { ("model.layers.\(i).\($0.0)", $0.1) } }
        out.append(("model.norm.weight", norm.weight))
        if let lmHead { out.append(("lm_head.weight", lmHead.weight)) }
        return out
    }

    /// Fills every parameter from `source(name, destination)`.
    public func loadWeights(_ source: (String, Tensor) throws -> Void) throws {
        for (name, p) in namedParameters { try source(name, p.value) }
    }
}
