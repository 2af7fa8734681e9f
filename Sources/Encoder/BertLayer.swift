import NN
import Tensor

/// One transformer encoder block, post-norm as in BERT: h1 = LN(x + drop(Wo·attn(x))), out = LN(h1 + drop(W2·gelu(W1·h1))),
/// with dropout (also on the attention probabilities) only in training, where Hugging Face's BertLayer has it.
/// Property names follow the Hugging Face weight names (`attention.self.query`, `intermediate.dense`, …).
public final class BertLayer {
    // Projections are `LinearLayer`s so LoRA (or an NF4 base) can replace them; see `Projection`.
    public internal(set) var query: LinearLayer, key: LinearLayer, value: LinearLayer
    public let attention: Attention
    public internal(set) var attentionOutput: LinearLayer   // attention.output.dense
    public let attentionOutputDropout: Dropout               // attention.output.dropout
    public let attentionLayerNorm: LayerNorm                 // attention.output.LayerNorm
    public internal(set) var intermediate: LinearLayer      // intermediate.dense
    public let gelu = GELU()
    public internal(set) var output: LinearLayer            // output.dense
    public let outputDropout: Dropout                        // output.dropout
    public let outputLayerNorm: LayerNorm                    // output.LayerNorm

    /// The six projections by their Hugging Face module names (relative to `encoder.layer.{i}.`).
    public enum Projection: String, CaseIterable, Sendable {
        case query = "attention.self.query", key = "attention.self.key", value = "attention.self.value"
        case attentionOutput = "attention.output.dense", intermediate = "intermediate.dense", output = "output.dense"
    }

    public subscript(projection: Projection) -> LinearLayer {
        get {
            switch projection {
            case .query: query
            case .key: key
            case .value: value
            case .attentionOutput: attentionOutput
            case .intermediate: intermediate
            case .output: output
            }
        }
        set {
            precondition(newValue.inFeatures == self[projection].inFeatures
                         && newValue.outFeatures == self[projection].outFeatures, "replacement changes \(projection) shape")
            switch projection {
            case .query: query = newValue
            case .key: key = newValue
            case .value: value = newValue
            case .attentionOutput: attentionOutput = newValue
            case .intermediate: intermediate = newValue
            case .output: output = newValue
            }
        }
    }

    init(_ config: BertConfig) {
        let c = config.hiddenSize
        query = Linear(inFeatures: c, outFeatures: c)
        key = Linear(inFeatures: c, outFeatures: c)
        value = Linear(inFeatures: c, outFeatures: c)
        attention = Attention(heads: config.numAttentionHeads, headDim: config.headDim)
        attention.dropout = Dropout(p: config.attentionProbsDropoutProb)
        attentionOutput = Linear(inFeatures: c, outFeatures: c)
        attentionOutputDropout = Dropout(p: config.hiddenDropoutProb)
        attentionLayerNorm = LayerNorm(dim: c, eps: config.layerNormEps)
        intermediate = Linear(inFeatures: c, outFeatures: config.intermediateSize)
        output = Linear(inFeatures: config.intermediateSize, outFeatures: c)
        outputDropout = Dropout(p: config.hiddenDropoutProb)
        outputLayerNorm = LayerNorm(dim: c, eps: config.layerNormEps)
    }

    /// x (N, C) → (N, C)
    func forward(_ x: Tensor, layout: PackedSequences, training: Bool) -> Tensor {
        let ctx = attention.forward(q: query.forward(x, training: training), k: key.forward(x, training: training),
                                    v: value.forward(x, training: training), layout: layout, training: training)
        let a = attentionOutput.forward(ctx, training: training)
        attentionOutputDropout.forwardAddingInPlace(a, residual: x, training: training)
        let h1 = attentionLayerNorm.forward(a, training: training)
        let o = output.forward(gelu.forward(intermediate.forward(h1, training: training), training: training),
                               training: training)
        outputDropout.forwardAddingInPlace(o, residual: h1, training: training)
        return outputLayerNorm.forward(o, training: training)
    }

    /// dy (N, C) → dx (N, C), exactly reversing `forward`; nil when `inputGradient` is false (the layer below needs
    /// nothing: only the parameter gradients of this one are accumulated). Gradients that meet at a residual
    /// connection or at the q/k/v input are summed by the matrix products themselves (`accumulatingInto`).
    func backward(_ dy: Tensor, inputGradient: Bool = true) -> Tensor? {
        let dO = outputLayerNorm.backward(dy)
        let dI = output.backward(outputDropout.backward(dO))
        gelu.backwardInPlace(dI)
        intermediate.backward(dI, accumulatingInto: dO)
        let dA = attentionLayerNorm.backward(dO)
        let (dq, dk, dv) = attention.backward(attentionOutput.backward(attentionOutputDropout.backward(dA)))
        let dx = inputGradient ? dA : nil
        query.backward(dq, accumulatingInto: dx)
        key.backward(dk, accumulatingInto: dx)
        value.backward(dv, accumulatingInto: dx)
        return dx
    }

    /// The dropout layers with a probability from `hidden_dropout_prob` (embeddings excluded).
    var hiddenDropouts: [Dropout] { [attentionOutputDropout, outputDropout] }

    /// Dense parameters under their Hugging Face names, LoRA matrices under PEFT's (`….lora_A.weight`).
    var parameters: [(String, Parameter)] {
        func norm(_ name: String, _ n: LayerNorm) -> [(String, Parameter)] {
            [("\(name).weight", n.weight), ("\(name).bias", n.bias)]
        }
        func projection(_ p: Projection) -> [(String, Parameter)] { Self.parameters(of: self[p], name: p.rawValue) }
        return projection(.query) + projection(.key) + projection(.value) + projection(.attentionOutput)
            + norm("attention.output.LayerNorm", attentionLayerNorm) + projection(.intermediate)
            + projection(.output) + norm("output.LayerNorm", outputLayerNorm)
    }

    static func parameters(of layer: LinearLayer, name: String) -> [(String, Parameter)] {
        switch layer {
        case let l as Linear: return [("\(name).weight", l.weight)] + (l.bias.map { [("\(name).bias", $0)] } ?? [])
        case let l as LoRALinear:
            return parameters(of: l.base, name: name) + [("\(name).lora_A.weight", l.loraA), ("\(name).lora_B.weight", l.loraB)]
        case is any QuantizedProjection:
            // Frozen quantised (NF4) weight and bias: nothing to load, train or save as Float32 parameters.
            return []
        default: return []
        }
    }
}
