import NN
import Tensor

/// One transformer encoder block, post-norm as in BERT: h1 = LN(x + Wo·attn(x)), out = LN(h1 + W2·gelu(W1·h1)).
/// Property names follow the Hugging Face weight names (`attention.self.query`, `intermediate.dense`, …).
public final class BertLayer {
    public let query: Linear, key: Linear, value: Linear
    public let attention: Attention
    public let attentionOutput: Linear          // attention.output.dense
    public let attentionLayerNorm: LayerNorm    // attention.output.LayerNorm
    public let intermediate: Linear             // intermediate.dense
    public let gelu = GELU()
    public let output: Linear                   // output.dense
    public let outputLayerNorm: LayerNorm       // output.LayerNorm

    init(_ config: BertConfig) {
        let c = config.hiddenSize
        query = Linear(inFeatures: c, outFeatures: c)
        key = Linear(inFeatures: c, outFeatures: c)
        value = Linear(inFeatures: c, outFeatures: c)
        attention = Attention(heads: config.numAttentionHeads, headDim: config.headDim)
        attentionOutput = Linear(inFeatures: c, outFeatures: c)
        attentionLayerNorm = LayerNorm(dim: c, eps: config.layerNormEps)
        intermediate = Linear(inFeatures: c, outFeatures: config.intermediateSize)
        output = Linear(inFeatures: config.intermediateSize, outFeatures: c)
        outputLayerNorm = LayerNorm(dim: c, eps: config.layerNormEps)
    }

    /// x (N, C) → (N, C)
    func forward(_ x: Tensor, layout: PackedSequences, training: Bool) -> Tensor {
        let ctx = attention.forward(q: query.forward(x, training: training), k: key.forward(x, training: training),
                                    v: value.forward(x, training: training), layout: layout, training: training)
        let a = attentionOutput.forward(ctx, training: training)
        a.add(x)
        let h1 = attentionLayerNorm.forward(a, training: training)
        let o = output.forward(gelu.forward(intermediate.forward(h1, training: training), training: training),
                               training: training)
        o.add(h1)
        return outputLayerNorm.forward(o, training: training)
    }

    /// dy (N, C) → dx (N, C), exactly reversing `forward`.
    func backward(_ dy: Tensor) -> Tensor {
        let dO = outputLayerNorm.backward(dy)
        let dH1 = intermediate.backward(gelu.backward(output.backward(dO)))
        dH1.add(dO)
        let dA = attentionLayerNorm.backward(dH1)
        let (dq, dk, dv) = attention.backward(attentionOutput.backward(dA))
        let dx = query.backward(dq)
        dx.add(key.backward(dk))
        dx.add(value.backward(dv))
        dx.add(dA)
        return dx
    }

    var parameters: [(String, Parameter)] {
        func linear(_ name: String, _ l: Linear) -> [(String, Parameter)] {
            [("\(name).weight", l.weight), ("\(name).bias", l.bias!)]
        }
        func norm(_ name: String, _ n: LayerNorm) -> [(String, Parameter)] {
            [("\(name).weight", n.weight), ("\(name).bias", n.bias)]
        }
        return linear("attention.self.query", query) + linear("attention.self.key", key)
            + linear("attention.self.value", value) + linear("attention.output.dense", attentionOutput)
            + norm("attention.output.LayerNorm", attentionLayerNorm) + linear("intermediate.dense", intermediate)
            + linear("output.dense", output) + norm("output.LayerNorm", outputLayerNorm)
    }
}
