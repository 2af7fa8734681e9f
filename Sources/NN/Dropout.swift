import Tensor

/// Inverted dropout (Srivastava et al. 2014): in training, zeroes each element with probability p and scales the
/// rest by 1/(1−p).
///
/// Masks are drawn per input row from a seed: with `rowSeeds` set (one seed per token row, shared by all dropout
/// layers of a model and mixed with each layer's `salt`), a token's mask depends only on (seed, token, layer) — not on
/// how the batch was split into mini-batches — so GradCache recomputation replays the same masks and a resumed run
/// equals an uninterrupted one. Without row seeds, `generator` draws the masks in order.
public final class Dropout {
    public let p: Float
    public var generator = RandomGenerator(seed: 0)
    public var rowSeeds: RowSeeds?
    public var salt: UInt64 = 0
    private var mask: Tensor?   // same shape as the input: 0 or 1/(1−p)

    /// Seeds for the rows of the next training forward, set by the trainer and shared by reference.
    public final class RowSeeds {
        public var seeds: [UInt64] = []
        public init() {}
    }

    public init(p: Float) {
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        self.p = p
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training, p > 0 else { mask = nil; return x }
        let m = Tensor(uninitializedShape: x.shape), y = Tensor(uninitializedShape: x.shape)
        let keep = 1 / (1 - p), c = x.columns
        for r in 0..<x.rows {
            let row = m.row(r)
            if let rowSeeds {
                precondition(rowSeeds.seeds.count == x.rows, "dropout has \(rowSeeds.seeds.count) row seeds for \(x.rows) rows")
                var g = RandomGenerator(seed: rowSeeds.seeds[r], stream: salt)
                for j in 0..<c { row[j] = g.nextFloat() < p ? 0 : keep }
            } else {
                for j in 0..<c { row[j] = generator.nextFloat() < p ? 0 : keep }
            }
        }
        Kernels.map2(x.count, x.data, m.data, y.data) { $0 * $1 }
        mask = m
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let m = mask else { return dy }
        let dx = Tensor(uninitializedShape: dy.shape)
        Kernels.map2(dy.count, dy.data, m.data, dx.data) { $0 * $1 }
        return dx
    }
}
