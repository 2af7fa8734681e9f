/// A batch of variable-length sequences stored back to back, without padding: sequence i owns token rows
/// `offsets[i] ..< offsets[i] + lengths[i]`. Token-wise layers see one (N, C) matrix; only attention and pooling
/// need the boundaries. No padding means no masks and no work spent on pad tokens.
public struct PackedSequences: Equatable, Sendable {
    public let lengths: [Int]
    public let offsets: [Int]
    public let tokenCount: Int

    public init(lengths: [Int]) {
        precondition(lengths.allSatisfy { $0 > 0 }, "empty sequence in a packed batch")
        self.lengths = lengths
        var offsets: [Int] = [], total = 0
        offsets.reserveCapacity(lengths.count)
        for l in lengths { offsets.append(total); total += l }
        self.offsets = offsets
        self.tokenCount = total
    }

    public var count: Int { lengths.count }
    public var maxLength: Int { lengths.max() ?? 0 }

    /// Position of every token inside its own sequence (0, 1, …, L−1 for each sequence).
    public var positions: [Int32] {
        var p: [Int32] = []
        p.reserveCapacity(tokenCount)
        for l in lengths { for t in 0..<l { p.append(Int32(t)) } }
        return p
    }
}
