import Tensor

/// Which examples each SFT micro-batch holds: epoch e visits the examples in the order of the (e+1)-th
/// `torch.randperm` of a generator seeded with `seed`, cut into micro-batches of `batchSize`; an optimiser step takes
/// `gradientAccumulationSteps` of them. The trainer and `export sft` (which writes the same order for TRL) share it.
public struct SFTBatchOrder {
    public let exampleCount: Int
    public let settings: SFTTrainingSettings
    private var cachedOrder: (epoch: Int, order: [Int])?

    public init(exampleCount: Int, settings: SFTTrainingSettings) {
        precondition(exampleCount > 0)
        self.exampleCount = exampleCount
        self.settings = settings
    }

    public var microBatchesPerEpoch: Int { (exampleCount + settings.batchSize - 1) / settings.batchSize }

    public var totalSteps: Int {
        let accumulation = settings.gradientAccumulationSteps
        let all = (microBatchesPerEpoch * settings.epochs + accumulation - 1) / accumulation
        return min(all, settings.maxSteps ?? all)
    }

    /// The micro-batches of optimiser step `step`: (global micro-batch index, example indices).
    public mutating func microBatches(ofStep step: Int) -> [(Int, [Int])] {
        let accumulation = settings.gradientAccumulationSteps
        return (0..<accumulation).compactMap { a in
            let g = step * accumulation + a
            return g < microBatchesPerEpoch * settings.epochs ? (g, batchIndices(g)) : nil
        }
    }

    /// Examples of global micro-batch `g`.
    public mutating func batchIndices(_ g: Int) -> [Int] {
        let epoch = g / microBatchesPerEpoch, b = g % microBatchesPerEpoch
        let order = permutation(epoch: epoch)
        return Array(order[(b * settings.batchSize)..<min((b + 1) * settings.batchSize, exampleCount)])
    }

    private mutating func permutation(epoch: Int) -> [Int] {
        if let cachedOrder, cachedOrder.epoch == epoch { return cachedOrder.order }
        var g = MersenneTwister(seed: settings.seed)
        var order: [Int] = []
        for _ in 0...epoch { order = g.permutation(exampleCount) }
        cachedOrder = (epoch, order)
        return order
    }
}
