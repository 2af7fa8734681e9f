import CDecodeKernels
import Tensor

/// A frozen projection with 8-bit weights: blocks of 32 inputs hold codes u ∈ 0…255 with a Float32 step d and minimum
/// m, w = d·u + m. 1.25 bytes per weight instead of 4: a decode step, which reads every weight once, moves ~3.2× less
/// memory. The rounding error of each weight is at most d/2 = (max − min)/510 of its block (no worse than symmetric
/// int8's absmax/254), and none at all for weights that come from a GGUF Q4/Q5/Q8 block, whose grid `AffineBlock`
/// recognises. See `BlockQuantizedLinear` for how it multiplies.
public final class Int8Linear: BlockQuantizedLinear {
    public static let block = 32

    public let inFeatures: Int
    public let outFeatures: Int
    let codes: UnsafeMutablePointer<UInt8>   // (out, in)
    let scales: UnsafeMutablePointer<Float>  // (out, in / 32): the step d of each block
    let mins: UnsafeMutablePointer<Float>    // (out, in / 32)
    public let bias: Tensor?

    /// Storage for an (out, in) weight, filled by `quantize(rows:from:)`.
    public init(inFeatures: Int, outFeatures: Int, bias: Tensor?) {
        precondition(inFeatures % Self.block == 0, "Int8Linear needs in_features divisible by \(Self.block), got \(inFeatures)")
        precondition(bias == nil || bias!.count == outFeatures, "Int8Linear: bias for \(outFeatures) outputs")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        codes = .allocate(capacity: outFeatures * inFeatures)
        scales = .allocate(capacity: outFeatures * (inFeatures / Self.block))
        mins = .allocate(capacity: outFeatures * (inFeatures / Self.block))
        self.bias = bias
    }

    /// Quantises a dense layer's weight; the bias stays Float32 (copied).
    public convenience init(quantizing linear: Linear) {
        self.init(inFeatures: linear.inFeatures, outFeatures: linear.outFeatures, bias: linear.bias?.value.copy())
        withExtendedLifetime(linear) { quantize(rows: 0..<outFeatures, from: linear.weight.value.data) }
    }

    deinit {
        codes.deallocate()
        scales.deallocate()
        mins.deallocate()
    }

    public var weightBytes: Int { outFeatures * inFeatures + 2 * outFeatures * (inFeatures / Self.block) * 4 }

    /// Quantises weight rows `rows` from `weights` (rows.count × in, row-major), block by block (`AffineBlock`).
    public func quantize(rows: Range<Int>, from weights: UnsafePointer<Float>) {
        let k = inFeatures, blocks = k / Self.block
        Parallel.forEachChunk(rows.count, cost: 4 * k) { part in
            for i in part {
                let o = rows.lowerBound + i
                for b in 0..<blocks {
                    let src = weights + i * k + b * Self.block, dst = codes + o * k + b * Self.block
                    let (step, minimum) = AffineBlock.fit(src, levels: 255)
                    scales[o * blocks + b] = step
                    mins[o * blocks + b] = minimum
                    AffineBlock.codes(src, step: step, minimum: minimum, levels: 255) { j, u in dst[j] = UInt8(u) }
                }
            }
        }
    }

    public func multiplyFused(_ x: UnsafePointer<Float>, ldx: Int, rows m: Int, into y: UnsafeMutablePointer<Float>,
                              ldy: Int, outputs: Range<Int>) {
        exemplar_q8_gemv(codes, scales, mins, inFeatures, x, ldx, m, y, ldy, outputs.lowerBound, outputs.upperBound)
    }

    public func dequantizeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        exemplar_q8_dequantize(codes, scales, mins, inFeatures, rows.lowerBound, rows.upperBound, destination)
    }
}
