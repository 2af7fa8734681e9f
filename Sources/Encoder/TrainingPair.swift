/// One training example: an anchor, its positive, and optionally a hard negative, as token ids.
public struct TrainingPair: Sendable, Equatable {
    public var anchor: [Int32]
    public var positive: [Int32]
    public var negative: [Int32]?
    /// Pairs with equal keys are duplicates of each other (same positive text); see `InfoNCELoss`.
    public var duplicateKey: Int

    public init(anchor: [Int32], positive: [Int32], negative: [Int32]? = nil, duplicateKey: Int) {
        self.anchor = anchor
        self.positive = positive
        self.negative = negative
        self.duplicateKey = duplicateKey
    }
}
