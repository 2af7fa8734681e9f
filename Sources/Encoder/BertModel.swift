import NN
import Tensor

/// BERT encoder (Devlin et al. 2018, https://arxiv.org/abs/1810.04805) over packed sequences: returns the last hidden
/// state of every token. The pooler is not used by sentence-transformers models and is not loaded.
public final class BertModel {
    public let config: BertConfig
    public let embeddings: BertEmbeddings
    public let layers: [BertLayer]
    /// Per-token dropout seeds for training forwards (see `Dropout`); the trainer fills them before each forward.
    public let dropoutSeeds = Dropout.RowSeeds()

    public init(config: BertConfig) {
        self.config = config
        embeddings = BertEmbeddings(config)
        layers = (0..<config.numHiddenLayers).map { _ in BertLayer(config) }
        // BERT's own dropout layers draw from the shared token seeds, each with its own salt (LoRA's dropouts use
        // salts 1…6·layers, see `applyLoRA`).
        for (i, dropout) in bertDropouts.enumerated() {
            dropout.rowSeeds = dropoutSeeds
            dropout.salt = 0x1_0000 + UInt64(i)
        }
    }

    /// The embeddings' and every layer's hidden dropout, and every layer's attention-probability dropout.
    var bertDropouts: [Dropout] {
        [embeddings.dropout] + layers.flatMap { $0.hiddenDropouts + [$0.attention.dropout!] }
    }

    /// Sets BERT's dropout probabilities (in training; inference never drops): `hidden` after the embeddings and the
    /// attention-output and FFN-output projections (config.json's hidden_dropout_prob), `attention` on the attention
    /// probabilities (attention_probs_dropout_prob). LoRA's dropout is the adapter's own (`LoRAConfig.loraDropout`).
    public func setDropout(hidden: Float, attention: Float) {
        embeddings.dropout.p = hidden
        for layer in layers {
            for d in layer.hiddenDropouts { d.p = hidden }
            layer.attention.dropout!.p = attention
        }
    }

    /// ids (N) → hidden states (N, C)
    public func forward(_ ids: [Int32], layout: PackedSequences, training: Bool = false) -> Tensor {
        precondition(ids.count == layout.tokenCount, "\(ids.count) ids for \(layout.tokenCount) packed tokens")
        precondition(layout.maxLength <= config.maxPositionEmbeddings,
                     "sequence of \(layout.maxLength) tokens exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
        var h = embeddings.forward(ids, layout: layout, training: training)
        for layer in layers { h = layer.forward(h, layout: layout, training: training) }
        return h
    }

    /// dHidden (N, C): backpropagates through every layer in reverse and into the embeddings, accumulating the
    /// gradients of parameters that require them. With frozen embeddings (LoRA) the first layer's input gradient is
    /// not computed at all.
    public func backward(_ dHidden: Tensor) {
        let embeddingsTrain = embeddings.parameters.contains { $0.1.requiresGrad }
        var d: Tensor? = dHidden
        for (i, layer) in layers.enumerated().reversed() {
            d = layer.backward(d!, inputGradient: i > 0 || embeddingsTrain)
        }
        if let d { embeddings.backward(d) }
    }

    /// Every parameter under its Hugging Face name (`embeddings.…`, `encoder.layer.{i}.…`).
    public var namedParameters: [(String, Parameter)] {
        embeddings.parameters.map { ("embeddings.\($0.0)", $0.1) }
            + layers.enumerated().flatMap { i, layer in layer.parameters.map { ("encoder.layer.\(i).\($0.0)", $0.1) } }
    }

    /// Fills every parameter from `source(name, destination)`; the source checks names and shapes.
    public func loadWeights(_ source: (String, Tensor) throws -> Void) throws {
        for (name, p) in namedParameters { try source(name, p.value) }
    }
}
