import NN

extension BertModel {
    /// The useful floating-point work of one training step (forward, then backward) over sequences of `lengths`
    /// tokens: the matrix products this implementation runs, 2 FLOPs per multiply-add, counting only what training
    /// needs — frozen weights get no gradient, and under frozen embeddings the first layer's input gradient is skipped.
    /// Per projection see `trainingFLOPs(of:tokens:inputGradient:)`.
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
                total += NN.trainingFLOPs(of: layer[projection], tokens: t, inputGradient: !firstInput || embeddingsTrain)
            }
            total += 12 * squares * c
        }
        return total
    }
}
