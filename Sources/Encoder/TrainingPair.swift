/// One training example: an anchor, its positive, and optionally a hard negative, as token ids.
public struct TrainingPair: Sendable, Equatable {
    public var anchor: [Int32]
    public var positive: [Int32]
    public var negative: [Int32]?
    /// Pairs with equal keys are duplicates of each other (they share a text; see `duplicateKeys`): neither is the
    /// other's in-batch negative (`InfoNCELoss`).
    public var duplicateKey: Int

    public init(anchor: [Int32], positive: [Int32], negative: [Int32]? = nil, duplicateKey: Int) {
        self.anchor = anchor
        self.positive = positive
        self.negative = negative
        self.duplicateKey = duplicateKey
    }

    /// Keys for pairs given as texts: pairs that share a text — the same positive, the same anchor, or one's anchor
    /// the other's positive — directly or through other pairs, get one key (the index of the first of them). With
    /// mined question ↔ question pairs a problem is the anchor of some pairs and the positive of others (its
    /// variants'), and a candidate with the query's own text, or another positive of it, is no negative. Pairs
    /// sharing no text (GSM8K question → solution: no question or solution repeats) keep their own index.
    public static func duplicateKeys(anchors: [String], positives: [String]) -> [Int] {
        precondition(anchors.count == positives.count)
        var parent = Array(anchors.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        var owner: [String: Int] = [:]
        for i in anchors.indices {
            for text in [anchors[i], positives[i]] {
                if let j = owner[text] {
                    let (a, b) = (root(i), root(j))
                    parent[max(a, b)] = min(a, b)  // the smaller index stays the root: the key is the first pair
                } else {
                    owner[text] = i
                }
            }
        }
        return anchors.indices.map(root)
    }
}
