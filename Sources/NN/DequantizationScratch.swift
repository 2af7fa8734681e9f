/// The one Float32 buffer into which the frozen projections of a model dequantise their weights for each matrix
/// product (QLoRA keeps only 4-bit weights resident). Shared by all `QuantizedLinear` layers of a model, so peak memory
/// is one dense weight of the largest layer, not one per layer. It grows to the largest request and remembers whose
/// weights it holds, so back-to-back uses by the same layer dequantise once.
///
/// Not thread-safe: one scratch per model that runs on one thread at a time (the matrix products inside still use all
/// cores).
public final class DequantizationScratch {
    public private(set) var capacity: Int
    private var storage: UnsafeMutablePointer<Float>  // (capacity)
    /// The weight whose values the buffer holds; kept alive so its identity cannot be reused by a new weight.
    private var holder: AnyObject?

    public init(capacity: Int = 0) {
        self.capacity = capacity
        storage = Self.allocate(capacity)
    }

    deinit { UnsafeMutableRawPointer(storage).deallocate() }

    /// The dense values of `weight` (rows × columns floats, row-major), valid until the next call.
    public func dequantized(_ weight: some QuantizedWeight) -> UnsafePointer<Float> {
        if holder === weight { return UnsafePointer(storage) }
        let count = weight.rows * weight.columns
        if count > capacity {
            UnsafeMutableRawPointer(storage).deallocate()
            capacity = count
            storage = Self.allocate(capacity)
        }
        holder = nil
        weight.dequantize(rows: 0..<weight.rows, into: storage)
        holder = weight
        return UnsafePointer(storage)
    }

    /// Forgets whose weights the buffer holds (e.g. after writing into it by other means).
    public func invalidate() { holder = nil }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: Swift.max(count, 1))
    }
}
