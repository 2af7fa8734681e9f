import NN
import Tensor

/// A checkpoint's tensors as the model loaders read them: by Hugging Face name, as Float32, whole or a range of rows
/// (first dimension) at a time, with the stored shape checked against the model's.
struct DecoderWeightSource {
    /// Writes rows `rows` of tensor `name`, whose shape must be `shape`, to `destination` (row-major).
    let fill: (_ name: String, _ shape: [Int], _ rows: Range<Int>, _ destination: UnsafeMutablePointer<Float>) throws -> Void
    /// The matrix `name` (of `shape`) in its stored GGUF block format, rows in model order, or nil when it is not
    /// stored in a format `GGUFBlocks` multiplies (nil for every tensor of a source that is not a GGUF file).
    var blocks: (_ name: String, _ shape: [Int]) throws -> GGUFBlocks? = { _, _ in nil }

    /// The whole tensor `name` into `tensor` (same shape).
    func read(_ name: String, into tensor: Tensor) throws {
        try fill(name, tensor.shape, 0..<(tensor.shape.first ?? 1), tensor.data)
    }

    /// Elements per chunk of `readRows`: 16 MiB of Float32 (tests make it small).
    nonisolated(unsafe) static var chunkElements = 4 << 20

    /// Streams the 2-D tensor `name` through `body(rows, values)` in chunks of whole rows of at most
    /// `chunkElements`, so a quantised model is built without a Float32 copy of its largest matrix.
    func readRows(_ name: String, shape: [Int], _ body: (Range<Int>, UnsafePointer<Float>) -> Void) throws {
        precondition(shape.count == 2, "readRows takes a matrix")
        let rows = shape[0], columns = shape[1]
        let chunk = Swift.max(1, Self.chunkElements / Swift.max(columns, 1))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, Swift.min(rows, chunk) * columns))
        defer { scratch.deallocate() }
        for start in stride(from: 0, to: rows, by: chunk) {
            let range = start..<Swift.min(rows, start + chunk)
            try fill(name, shape, range, scratch)
            body(range, scratch)
        }
    }
}
