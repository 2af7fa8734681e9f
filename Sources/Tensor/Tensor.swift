import CAllocator
import CBLAS
import Foundation

/// Process-wide settings made once, before the first tensor exists: malloc keeps freed activation buffers for reuse
/// (see `exemplar_retain_freed_memory`), and OpenBLAS runs single-threaded because Exemplar splits the work over the
/// cores itself (see `BLAS.parallelGemm`).
let runtimeConfigured: Void = {
    exemplar_retain_freed_memory()
    openblas_set_num_threads(1)
}()

/// A contiguous, row-major Float32 buffer with a shape.
///
/// A reference type on purpose: layers keep the tensors their backward needs without copying, and model code
/// passes buffers around the way llm.c passes pointers. Memory is 64-byte aligned for SIMD loads and BLAS.
/// A raw `data` pointer is valid only while the tensor is alive: a local tensor used only through its pointer must be
/// kept alive with `withExtendedLifetime` (Swift may release an object right after its last visible use).
public final class Tensor {
    public let shape: [Int]
    public let count: Int
    public let data: UnsafeMutablePointer<Float>

    /// Uninitialised storage: for outputs that a kernel overwrites completely.
    public init(uninitializedShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        _ = runtimeConfigured
        self.shape = shape
        self.count = shape.reduce(1, *)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        self.data = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Zero-filled storage.
    public convenience init(zeros shape: [Int]) {
        self.init(uninitializedShape: shape)
        data.update(repeating: 0, count: count)
    }

    public convenience init(shape: [Int], values: [Float]) {
        self.init(uninitializedShape: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    /// Same shape, same contents, new storage.
    public func copy() -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        t.data.update(from: data, count: count)
        return t
    }

    deinit { UnsafeMutableRawPointer(data).deallocate() }

    /// Size of the last dimension (row length of the row-major 2-D view).
    public var columns: Int { shape.last ?? 1 }
    /// Product of all but the last dimension.
    public var rows: Int { columns == 0 ? 0 : count / columns }

    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public subscript(i: Int) -> Float {
        get { data[i] }
        set { data[i] = newValue }
    }

    /// Copies the contents of a tensor with the same number of elements.
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "assign: \(other.shape) into \(shape)")
        withExtendedLifetime(other) { data.update(from: other.data, count: count) }
    }

    /// self += other, element-wise, split over the cores (residual connections).
    public func add(_ other: Tensor) {
        precondition(other.count == count, "add: \(other.shape) to \(shape)")
        withExtendedLifetime(other) {
            let n = count
            Parallel.forEachChunk(n / 8 + 1, cost: 8) { blocks in
                let lo = blocks.lowerBound * 8, hi = Swift.min(n, blocks.upperBound * 8)
                if lo < hi { Kernels.add(other.data + lo, into: data + lo, hi - lo) }
            }
        }
    }

    public func zero() { data.update(repeating: 0, count: count) }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// Pointer to the start of row `r` of the 2-D view.
    @inline(__always) public func row(_ r: Int) -> UnsafeMutablePointer<Float> { data + r * columns }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = (0..<min(count, 6)).map { String(format: "%.5g", data[$0]) }.joined(separator: ", ")
        return "Tensor\(shape)[\(head)\(count > 6 ? ", …" : "")]"
    }
}
