import NN

extension BertModel {
    /// The useful floating-point work of one training step (forward, then backward) over sequences of `lengths`
    /// tokens: the matrix products this implementation runs, 2 FLOPs per multiply-add, counting only what training
    /// needs — frozen weights get no gradient, and under frozen embeddings the first layer's input gradient is skipped.
    /// Per projection (in → out) over T tokens:
    ///   forward            2·T·in·out, plus LoRA 2·T·r·(in + out)
    ///   backward, dx       2·T·in·out through the base, plus 2·T·r·in through the adapter, when needed below
    ///   backward, weights  LoRA dB = s·dyᵀ·h, dh = s·dy·B, dA = dhᵀ·x̃: 2·T·r·(2·out + in); a trainable dense
    ///                      weight 2·T·in·out
    /// Attention, per layer and sequence of length l (C = heads·head size): forward Q·Kᵀ and P·V, 4·l²·C; backward
    /// dV, dP, dQ, dK, 8·l²·C. Element-wise work (softmax, GELU, LayerNorm, dropout) is not counted.
    /// So with frozen bases this is ≈ 4·P·T for P projection weights — forward 2·P·T, backward 2·P·T — not the
    /// 6·P·T of full fine-tuning.
    public func trainingFLOPs(lengths: [Int]) -> Double {
        let t = Double(lengths.reduce(0, +)), squares = Double(lengths.reduce(0) { $0 + $1 * $1 })
        let c = Double(config.hiddenSize)
        let embeddingsTrain = embeddings.parameters.contains { $0.1.requiresGrad }
        var total = 0.0
        for (i, layer) in layers.enumerated() {
            for projection in BertLayer.Projection.allCases {
                let firstInput = i == 0 && [.query, .key, .value].contains(projection)
                total += Self.flops(of: layer[projection], tokens: t, inputGradient: !firstInput || embeddingsTrain)
            }
            total += 12 * squares * c
        }
        return total
    }

    static func flops(of layer: LinearLayer, tokens t: Double, inputGradient: Bool) -> Double {
        let dense = 2 * t * Double(layer.inFeatures) * Double(layer.outFeatures)
        switch layer {
        case let lora as LoRALinear:
            let r = Double(lora.rank), n = Double(lora.inFeatures), m = Double(lora.outFeatures)
            let forward = 2 * t * r * (n + m), weights = 2 * t * r * (2 * m + n), dx = 2 * t * r * n
            return flops(of: lora.base, tokens: t, inputGradient: inputGradient) + forward + weights + (inputGradient ? dx : 0)
        case let linear as Linear:
            return dense + (inputGradient ? dense : 0) + (linear.weight.requiresGrad ? dense : 0)
        default:
            return dense + (inputGradient ? dense : 0)
        }
    }
}
