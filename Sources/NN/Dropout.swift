import Tensor

/// Inverted dropout (Srivastava et al. 2014): in training, zeroes each element with probability p and scales the
/// rest by 1/(1−p).
///
/// Row r's mask is the `DropoutMask` of a row key. With `rowSeeds` set (one seed per token row, shared by all dropout
/// layers of a model), the key mixes the token's seed with this layer's `salt`, so a token's mask depends only on
/// (seed, token, layer) — not on how the batch was split into mini-batches — so GradCache recomputation replays the
/// same masks and a resumed run equals an uninterrupted one. Without row seeds, `generator` draws one key per row in
/// order. Masks are never stored: backward regenerates them from the keys of the last training forward.
public final class Dropout {
    public var p: Float {
        didSet { precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)") }
    }
    public var generator = RandomGenerator(seed: 0)
    public var rowSeeds: RowSeeds?
    public var salt: UInt64 = 0
    private var keys: [UInt64]?   // row keys of the last training forward; nil: identity

    /// Seeds for the rows of the next training forward, set by the trainer and shared by reference.
    public final class RowSeeds {
        public var seeds: [UInt64] = []
        public init() {}
    }

    public init(p: Float) {
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        self.p = p
    }

    /// Whether a training forward drops anything.
    public func isActive(training: Bool) -> Bool { training && p > 0 }

    /// The keys of `rows` rows for a training forward: from the row seeds and the salt, or drawn from `generator`.
    /// Layers that drop something other than whole rows of their input (attention probabilities) derive their keys
    /// from these.
    public func rowKeys(_ rows: Int) -> [UInt64] {
        if let rowSeeds {
            precondition(rowSeeds.seeds.count == rows, "dropout has \(rowSeeds.seeds.count) row seeds for \(rows) rows")
            return rowSeeds.seeds.map { DropoutMask.rowKey(seed: $0, salt: salt) }
        }
        return (0..<rows).map { _ in generator.next() }
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard isActive(training: training) else { keys = nil; return x }
        let y = Tensor(uninitializedShape: x.shape)
        let keys = rowKeys(x.rows)
        apply(keys, x, into: y)
        self.keys = keys
        return y
    }

    /// The same as `forward`, overwriting x (for activations nothing else reads).
    public func forwardInPlace(_ x: Tensor, training: Bool) {
        guard isActive(training: training) else { keys = nil; return }
        let keys = rowKeys(x.rows)
        apply(keys, x, into: x)
        self.keys = keys
    }

    /// x ← dropout(x) + residual in one pass (a residual connection after dropout, as BERT's output blocks have).
    public func forwardAddingInPlace(_ x: Tensor, residual: Tensor, training: Bool) {
        precondition(residual.count == x.count, "residual \(residual.shape) for \(x.shape)")
        guard isActive(training: training) else { keys = nil; x.add(residual); return }
        let keys = rowKeys(x.rows)
        apply(keys, x, into: x, adding: residual)
        self.keys = keys
    }

    /// dropout(x) again with the masks of the last training forward (regenerated from its keys, as backward does):
    /// layers that need their dropped input in backward keep x, which other layers keep too, instead of a copy.
    public func replay(_ x: Tensor) -> Tensor { backward(x) }

    /// dx = dy ⊙ mask, the masks of the last training forward regenerated.
    public func backward(_ dy: Tensor) -> Tensor {
        guard let keys else { return dy }
        let dx = Tensor(uninitializedShape: dy.shape)
        apply(keys, dy, into: dx)
        return dx
    }

    /// accumulator += dy ⊙ mask, in one pass.
    public func backward(_ dy: Tensor, accumulatingInto accumulator: Tensor) {
        precondition(accumulator.count == dy.count, "accumulator \(accumulator.shape) for \(dy.shape)")
        guard let keys else { accumulator.add(dy); return }
        apply(keys, dy, into: accumulator, adding: accumulator)
    }

    private func apply(_ keys: [UInt64], _ x: Tensor, into y: Tensor, adding: Tensor? = nil) {
        precondition(keys.count == x.rows && y.count == x.count, "dropout mask for \(keys.count) rows applied to \(x.shape)")
        let c = x.columns, threshold = DropoutMask.threshold(p), scale = 1 / (1 - p)
        withExtendedLifetime((x, y, adding)) {
            keys.withUnsafeBufferPointer { keys in
                Parallel.forEachChunk(keys.count, cost: 4 * c) { rows in
                    for r in rows {
                        DropoutMask.apply(key: keys[r], threshold: threshold, scale: scale, x.row(r), y.row(r), c,
                                          adding: adding.map { UnsafePointer($0.row(r)) })
                    }
                }
            }
        }
    }
}
