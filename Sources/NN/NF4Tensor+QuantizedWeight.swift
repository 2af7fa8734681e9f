import Tensor

/// NF4, QLoRA's format (`NF4Tensor`: bitsandbytes' blocks of 64 with double-quantised scales, about 0.52 bytes per
/// weight), as the weight of a `QuantizedLinear`. It has no few-row kernel: the encoder multiplies many rows at once,
/// with sgemm on the weight dequantised into the model's shared `DequantizationScratch`.
extension NF4Tensor: QuantizedWeight {
    /// Over all cores in chunks of whole 64-blocks (which may straddle rows); small matrices on one core.
    public func dequantize(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        dequantizeElements(rows.lowerBound * columns..<rows.upperBound * columns, into: destination)
    }
}
