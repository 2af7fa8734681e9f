import Tensor

/// A frozen (out, in) weight matrix in a block-quantised format — `Int8Blocks`, `Q4Blocks`, NF4 (`NF4Tensor`) — as
/// `QuantizedLinear` multiplies by it. A format stores, quantises and dequantises its blocks; the layer owns the
/// matrix products and the gradient, so a new format is a new type conforming here, not a new layer. Formats that
/// can multiply a few activation rows straight from their blocks (a decode step) conform to `FewRowQuantizedWeight`.
public protocol QuantizedWeight: AnyObject {
    /// Quantises a Float32 (out, in) matrix.
    init(quantizing weight: Tensor)
    /// Output features: the matrix's rows.
    var rows: Int { get }
    /// Input features.
    var columns: Int { get }
    /// Bytes of the quantised storage (values and scales).
    var byteCount: Int { get }
    /// Rows `rows` of W as Float32, row-major (`columns` wide) from `destination`, on the calling thread: the
    /// many-row product calls it from every core for that core's share.
    func dequantizeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>)
    /// The same over all cores (by default, a share of the rows per core).
    func dequantize(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>)
}

extension QuantizedWeight {
    public func dequantize(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = columns
        Parallel.forEachChunk(rows.count, cost: k) { part in
            dequantizeRows((rows.lowerBound + part.lowerBound)..<(rows.lowerBound + part.upperBound),
                           into: destination + part.lowerBound * k)
        }
    }
}
