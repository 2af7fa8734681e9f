import NN

extension DecoderModel {
    /// The useful matrix work of one SFT micro-batch (forward, then backward) over sequences of `lengths` tokens with
    /// `scoredRows` rows through the vocabulary: every projection as `trainingFLOPs(of:tokens:inputGradient:)`
    /// counts it; attention per layer and sequence of length l, 12·l²·(heads · head size) (Q·Kᵀ and P·V forward,
    /// dV, dP, dQ, dK backward, the whole l × l products as computed); the output projection 2·R·V·C forward and
    /// 2·R·V·C for dHidden (frozen: no weight gradient).
    public func trainingFLOPs(lengths: [Int], scoredRows: Int) -> Double {
        let t = Double(lengths.reduce(0, +)), squares = Double(lengths.reduce(0) { $0 + $1 * $1 })
        let qd = Double(config.numAttentionHeads * config.headDim)
        var total = 0.0
        for layer in layers {
            for p in DecoderLayer.Projection.allCases { total += NN.trainingFLOPs(of: layer[p], tokens: t, inputGradient: true) }
            total += 12 * squares * qd
        }
        return total + 4 * Double(scoredRows) * Double(config.vocabSize) * Double(config.hiddenSize)
    }
}
