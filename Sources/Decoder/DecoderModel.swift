import NN
import Tensor

/// A Llama / Qwen2 causal language model (the architectures of SmolLM2 and Qwen2.5): token embeddings, pre-norm
/// blocks with grouped-query attention and RoPE, a final RMSNorm, and an lm_head tied to the embeddings or not.
///
/// The projections hold their weights in `weightFormat`: Float32 (trainable, exact), or quantised for fast
/// inference (see `DecoderWeightFormat`). `int8` and `q4` models keep the token table and the lm_head in int8 even
/// for `q4`: the lm_head is the largest matrix of a small model and the logits its most sensitive product (llama.cpp's
/// Q4_K_M files keep `output.weight` at 6–8 bits for the same reason); `gguf` ones keep them as the file does. Norms
/// and biases stay Float32.
public final class DecoderModel {
    public let config: DecoderConfig
    public let weightFormat: DecoderWeightFormat
    /// The token table as a trainable Float32 `Embedding`; nil when quantised (`quantizedTokens` holds it then).
    public let embedTokens: Embedding?
    public let layers: [DecoderLayer]
    public let norm: RMSNorm
    /// The output projection (V, C): a `Linear` for untied Float32 models, nil for tied ones (the logits then use
    /// `embedTokens`), an int8 `QuantizedLinear` for quantised models (the token table itself when tied).
    public let lmHead: (any LinearLayer)?
    /// The token table of a quantised model (int8, or the GGUF file's blocks); rows are dequantised on lookup.
    let quantizedTokens: (any QuantizedProjection)?
    let rope: RotaryEmbedding
    /// Per-token seeds of a training forward, shared by every LoRA dropout (each with its own salt), so a token's
    /// masks depend only on (seed, token, layer): resumed runs equal uninterrupted ones.
    public let dropoutSeeds = Dropout.RowSeeds()
    /// Activation checkpointing per block (transformers' `gradient_checkpointing`): a training forward keeps only
    /// each block's input, and backward runs the block's forward again just before going back through it — one
    /// block's activations in memory instead of every block's, for one more forward of the blocks per step. The
    /// replay is exact: dropout masks are functions of the token seeds, not of a random stream.
    public var recomputesActivations = false
    private var checkpointed: (inputs: [Tensor], layout: PackedSequences, angles: RotaryEmbedding.Angles)?

    /// A Float32 model with zero weights (fill them with `loadWeights`).
    public convenience init(config: DecoderConfig) {
        try! self.init(config: config, weights: .f32, source: nil)  // no source: nothing can throw
    }

    /// Builds the model tensor by tensor from `source` (zeros without one; quantised formats need one). Quantised
    /// projections are read into a scratch a few MiB at a time and quantised from there, so the Float32 model never
    /// exists in memory as a whole.
    init(config: DecoderConfig, weights format: DecoderWeightFormat, source: DecoderWeightSource?) throws {
        precondition(format == .f32 || source != nil, "a quantised model needs its weights at construction")
        precondition(format != .auto, "auto is resolved by the loaders (DecoderWeightFormat.resolved(forModel:))")
        self.config = config
        weightFormat = format
        let rope = RotaryEmbedding(headDim: config.headDim, theta: config.ropeTheta)
        self.rope = rope
        let c = config.hiddenSize, v = config.vocabSize

        func dense(_ tensor: Tensor, _ name: String) throws -> Tensor {
            try source?.read(name, into: tensor)
            return tensor
        }
        func quantised<Weight: AffineBlockWeight>(_: Weight.Type, _ name: String, out: Int, in: Int,
                                                  bias: Tensor?) throws -> QuantizedLinear<Weight> {
            let weight = Weight(rows: out, columns: `in`)
            try source!.readRows(name, shape: [out, `in`], weight.quantize)
            return QuantizedLinear(weight: weight, bias: bias)
        }
        // The file's own blocks where the source has them, Q8_0 from the Float32 values otherwise.
        func fileBlocks(_ name: String, out: Int, in: Int, bias: Tensor?) throws -> QuantizedLinear<GGUFBlocks> {
            if let blocks = try source!.blocks(name, [out, `in`]) { return QuantizedLinear(weight: blocks, bias: bias) }
            let weight = GGUFBlocks(type: .q8_0, rows: out, columns: `in`)
            try source!.readRows(name, shape: [out, `in`]) { rows, values in weight.storeQ8_0(rows: rows, from: values) }
            return QuantizedLinear(weight: weight, bias: bias)
        }
        // QLoRA's NF4 projections share one dequantisation buffer; each is read into a dense buffer of its shape and
        // quantised before the next is read, so the Float32 model never exists as a whole. The buffers are reused
        // (one per shape): a new one per projection would leave the heap a hole the next could not fill.
        let nf4Scratch = format == .nf4 ? DequantizationScratch() : nil
        var denseBuffers: [[Int]: Linear] = [:]
        func read(_ name: String, into layer: Linear) throws -> Linear {
            _ = try dense(layer.weight.value, "\(name).weight")
            if let b = layer.bias { _ = try dense(b.value, "\(name).bias") }
            return layer
        }
        func projection(_ name: String, _ inFeatures: Int, _ outFeatures: Int, _ hasBias: Bool) throws -> LinearLayer {
            if let nf4Scratch, name != "lm_head" {
                let key = [inFeatures, outFeatures, hasBias ? 1 : 0]
                let buffer = try read(name, into: denseBuffers[key] ?? Linear(inFeatures: inFeatures, outFeatures: outFeatures, bias: hasBias))
                denseBuffers[key] = buffer
                return QuantizedLinear<NF4Tensor>(quantizing: buffer, scratch: nf4Scratch)
            }
            if format.trains { return try read(name, into: Linear(inFeatures: inFeatures, outFeatures: outFeatures, bias: hasBias)) }
            let bias = hasBias ? try dense(Tensor(uninitializedShape: [outFeatures]), "\(name).bias") : nil
            let weight = "\(name).weight"
            switch format {
            case .int8: return try quantised(Int8Blocks.self, weight, out: outFeatures, in: inFeatures, bias: bias)
            case .gguf: return try fileBlocks(weight, out: outFeatures, in: inFeatures, bias: bias)
            default: return try quantised(Q4Blocks.self, weight, out: outFeatures, in: inFeatures, bias: bias)
            }
        }

        if format.trains {
            let table = Embedding(count: v, dim: c)
            _ = try dense(table.weight.value, "model.embed_tokens.weight")
            embedTokens = table
            quantizedTokens = nil
        } else {
            embedTokens = nil
            quantizedTokens = format == .gguf ? try fileBlocks("model.embed_tokens.weight", out: v, in: c, bias: nil)
                                              : try quantised(Int8Blocks.self, "model.embed_tokens.weight", out: v, in: c, bias: nil)
        }
        layers = try (0..<config.numHiddenLayers).map { i in
            // Read in the checkpoint's order (input norm, projections, post-attention norm), so a truncated file is
            // reported by the first tensor it lacks.
            let inputNorm = try dense(Tensor(uninitializedShape: [c]), "model.layers.\(i).input_layernorm.weight")
            let layer = try DecoderLayer(config, rope: rope) { p, inFeatures, outFeatures, bias in
                try projection("model.layers.\(i).\(p.rawValue)", inFeatures, outFeatures, bias)
            }
            if source != nil { layer.inputLayerNorm.weight.value.assign(inputNorm) }
            _ = try dense(layer.postAttentionLayerNorm.weight.value, "model.layers.\(i).post_attention_layernorm.weight")
            return layer
        }
        norm = RMSNorm(dim: c, eps: config.rmsNormEps)
        _ = try dense(norm.weight.value, "model.norm.weight")
        if config.tieWordEmbeddings {
            lmHead = quantizedTokens
        } else if format.trains {
            lmHead = try projection("lm_head", c, v, false)
        } else if format == .gguf {
            lmHead = try fileBlocks("lm_head.weight", out: v, in: c, bias: nil)
        } else {
            lmHead = try quantised(Int8Blocks.self, "lm_head.weight", out: v, in: c, bias: nil)
        }
    }

    /// ids (N) → token vectors (N, C).
    func embed(_ ids: [Int32], training: Bool) -> Tensor {
        if let embedTokens { return embedTokens.forward(ids, training: training) }
        let table = quantizedTokens!, c = config.hiddenSize
        let out = Tensor(uninitializedShape: [ids.count, c])
        for (r, id) in ids.enumerated() {
            precondition(id >= 0 && Int(id) < config.vocabSize, "token id \(id) out of range 0..<\(config.vocabSize)")
            table.dequantizeWeightRows(Int(id)..<(Int(id) + 1), into: out.row(r))
        }
        return out
    }

    /// Whole sequences without a cache (training and one-shot scoring): ids (N) → final hidden states (N, C).
    public func forward(_ ids: [Int32], layout: PackedSequences, training: Bool = false) -> Tensor {
        precondition(!training || weightFormat.trains, "only Float32 and NF4 models train")
        var h = embed(ids, training: training)
        let angles = rope.angles(layout.positions)
        let checkpointing = training && recomputesActivations
        var inputs: [Tensor] = []
        for layer in layers {
            // The last block's backward comes next: it keeps its activations rather than computing them twice.
            let recomputed = checkpointing && layer !== layers.last
            if recomputed { inputs.append(h) }
            h = layer.forward(h, layout: layout, angles: angles, training: training)
            if recomputed { layer.discardActivations() }
        }
        checkpointed = checkpointing ? (inputs, layout, angles) : nil
        return norm.forward(h, training: training)
    }

    /// dHidden (N, C) of the final norm's output → gradients of the trainable parameters.
    public func backward(_ dHidden: Tensor) {
        var d = norm.backward(dHidden)
        for (i, layer) in layers.enumerated().reversed() {
            if let (inputs, layout, angles) = checkpointed, i < inputs.count {
                _ = layer.forward(inputs[i], layout: layout, angles: angles, training: true)
            }
            d = layer.backward(d)
            layer.discardActivations()  // freed as backward goes, so its buffers reuse them
        }
        checkpointed = nil
        embedTokens?.backward(d)
    }

    /// Incremental forward: the new tokens of each sequence (packed by `layout`) after what its cache holds;
    /// appends their keys/values and returns their final hidden states (N, C).
    public func forward(_ ids: [Int32], layout: PackedSequences, caches: [KVCache]) -> Tensor {
        precondition(caches.count == layout.count, "one cache per sequence")
        for (cache, n) in zip(caches, layout.lengths) { cache.reserve(n) }
        var positions: [Int32] = []
        positions.reserveCapacity(layout.tokenCount)
        for (cache, n) in zip(caches, layout.lengths) { for t in 0..<n { positions.append(Int32(cache.length + t)) } }
        let angles = rope.angles(positions)
        var h = embed(ids, training: false)
        for (i, layer) in layers.enumerated() { h = layer.forward(h, layout: layout, caches: caches, layer: i, angles: angles) }
        for (cache, n) in zip(caches, layout.lengths) { cache.advance(by: n) }
        return norm.forward(h)
    }

    /// hidden (R, C) → logits (R, V).
    public func logits(_ hidden: Tensor) -> Tensor {
        if let lmHead { return lmHead.forward(hidden, training: false) }
        let v = config.vocabSize, c = config.hiddenSize, table = embedTokens!.weight.value
        let out = Tensor(uninitializedShape: [hidden.rows, v])
        if hidden.rows <= fusedRowLimit {
            multiplyFewRows(hidden.data, rows: hidden.rows, k: c, weight: table.data, outputs: v, into: out.data, ldy: v)
        } else {
            BLAS.parallelGemm(transB: true, m: hidden.rows, n: v, k: c, a: hidden.data, lda: c, b: table.data, ldb: c,
                              c: out.data, ldc: v)
        }
        return out
    }

    /// dLogits (R, V) → dHidden (R, C) = dLogits·W through the output projection (the lm_head, or the token table when
    /// tied), which stays frozen: training adapts the blocks, not the vocabulary. Float32 models only.
    public func logitsInputGradient(_ dLogits: Tensor) -> Tensor {
        let v = config.vocabSize, c = config.hiddenSize
        precondition(dLogits.columns == v, "dLogits has \(dLogits.columns) columns, the vocabulary \(v)")
        let weight: Tensor
        if let head = lmHead as? Linear { weight = head.weight.value } else if lmHead == nil, let table = embedTokens {
            weight = table.weight.value
        } else {
            preconditionFailure("logitsInputGradient needs a Float32 output projection")
        }
        let dHidden = Tensor(uninitializedShape: [dLogits.rows, c])
        BLAS.parallelGemm(m: dLogits.rows, n: c, k: v, a: dLogits.data, lda: v, b: weight.data, ldb: c,
                          c: dHidden.data, ldc: c)
        return dHidden
    }

    public func makeCache(capacity: Int = 256) -> KVCache {
        KVCache(layers: config.numHiddenLayers, width: config.numKeyValueHeads * config.headDim, capacity: capacity)
    }

    /// Bytes held by the weights (quantised values and scales, Float32 norms and biases).
    public var weightBytes: Int {
        func bytes(_ layer: (any LinearLayer)?) -> Int {
            switch layer {
            case let q as any QuantizedProjection: return q.byteCount
            case let l as Linear: return 4 * (l.weight.value.count + (l.bias?.value.count ?? 0))
            default: return 0
            }
        }
        var total = 4 * norm.dim + 4 * (embedTokens?.weight.value.count ?? 0) + (quantizedTokens?.byteCount ?? 0)
        if lmHead !== quantizedTokens { total += bytes(lmHead) }
        for layer in layers {
            total += 4 * (layer.inputLayerNorm.dim + layer.postAttentionLayerNorm.dim)
            for p in DecoderLayer.Projection.allCases { total += bytes(layer[p]) }
        }
        return total
    }

    /// Every Float32 parameter under its Hugging Face name (quantised weights are not parameters).
    public var namedParameters: [(String, Parameter)] {
        var out: [(String, Parameter)] = []
        if let embedTokens { out.append(("model.embed_tokens.weight", embedTokens.weight)) }
        for (i, layer) in layers.enumerated() { out += layer.parameters.map { ("model.layers.\(i).\($0.0)", $0.1) } }
        out.append(("model.norm.weight", norm.weight))
        if let lmHead = lmHead as? Linear { out.append(("lm_head.weight", lmHead.weight)) }
        return out
    }

    /// Fills every parameter from `source(name, destination)`.
    public func loadWeights(_ source: (String, Tensor) throws -> Void) throws {
        for (name, p) in namedParameters { try source(name, p.value) }
    }
}
