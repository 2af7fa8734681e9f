import Tensor

/// Keys and values of one sequence's past tokens, per layer: what incremental decoding attends to.
/// Rows are positions; storage grows by doubling, so appends are amortised O(1).
public final class KVCache {
    public let layers: Int
    public let width: Int  // KVH·D
    public private(set) var keys: [Tensor]    // per layer (capacity, KVH·D)
    public private(set) var values: [Tensor]  // per layer (capacity, KVH·D)
    /// Tokens stored (the position of the next token).
    public private(set) var length = 0

    public init(layers: Int, width: Int, capacity: Int = 256) {
        self.layers = layers
        self.width = width
        keys = (0..<layers).map { _ in Tensor(uninitializedShape: [max(capacity, 1), width]) }
        values = (0..<layers).map { _ in Tensor(uninitializedShape: [max(capacity, 1), width]) }
    }

    public var capacity: Int { keys.first?.rows ?? 0 }

    /// Makes room for `count` more tokens.
    public func reserve(_ count: Int) {
        guard length + count > capacity else { return }
        var newCapacity = capacity
        while newCapacity < length + count { newCapacity *= 2 }
        for l in 0..<layers {
            for store in [0, 1] {
                let old = store == 0 ? keys[l] : values[l]
                let grown = Tensor(uninitializedShape: [newCapacity, width])
                grown.data.update(from: old.data, count: length * width)
                if store == 0 { keys[l] = grown } else { values[l] = grown }
            }
        }
    }

    /// Writes `count` rows of k and v (from row `from` of the packed tensors) at the end, in layer `layer`.
    /// Call `advance(by:)` once all layers are written.
    func write(layer: Int, k: Tensor, v: Tensor, from row: Int, count: Int) {
        (keys[layer].data + length * width).update(from: k.data + row * width, count: count * width)
        (values[layer].data + length * width).update(from: v.data + row * width, count: count * width)
    }

    func advance(by count: Int) { length += count }

    /// Forgets everything (reuse the buffers for a new sequence).
    public func reset() { length = 0 }
}
