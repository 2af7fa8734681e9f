import CDecodeKernels
import Tensor

/// A frozen projection with 4-bit weights: blocks of 32 inputs hold u ∈ 0…15 with a Float32 scale d and minimum m,
/// w = d·u + m (the values of ggml's Q4_1, packed so the kernel unpacks 8 values with one shift and mask). 0.75 bytes
/// per weight, 1.7× less than `Int8Linear`; the rounding error of each weight is at most d/2 = (max − min)/30 of its
/// block, 17× int8's (none for weights from a GGUF 4-bit block). See `BlockQuantizedLinear` for how it multiplies.
public final class Q4Linear: BlockQuantizedLinear {
    public static let block = 32

    public let inFeatures: Int
    public let outFeatures: Int
    /// (out, in / 8) words; word c of a block holds its elements 8c ..< 8c + 8, element 8c + i in bits 4i ..< 4i + 4.
    let nibbles: UnsafeMutablePointer<UInt32>
    let scales: UnsafeMutablePointer<Float>  // (out, in / 32)
    let mins: UnsafeMutablePointer<Float>    // (out, in / 32)
    public let bias: Tensor?

    /// Storage for an (out, in) weight, filled by `quantize(rows:from:)`.
    public init(inFeatures: Int, outFeatures: Int, bias: Tensor?) {
        precondition(inFeatures % Self.block == 0, "Q4Linear needs in_features divisible by \(Self.block), got \(inFeatures)")
        precondition(bias == nil || bias!.count == outFeatures, "Q4Linear: bias for \(outFeatures) outputs")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        nibbles = .allocate(capacity: outFeatures * inFeatures / 8)
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
        nibbles.deallocate()
        scales.deallocate()
        mins.deallocate()
    }

    public var weightBytes: Int { outFeatures * inFeatures / 2 + 2 * outFeatures * (inFeatures / Self.block) * 4 }

    /// Quantises weight rows `rows` from `weights` (rows.count × in, row-major), block by block (`AffineBlock`: as
    /// ggml's Q4_1 quantiser, m = block minimum and d = (max − m)/15, unless the block is already on a 4-bit grid).
    public func quantize(rows: Range<Int>, from weights: UnsafePointer<Float>) {
        let k = inFeatures, blocks = k / Self.block
        Parallel.forEachChunk(rows.count, cost: 4 * k) { part in
            for i in part {
                let o = rows.lowerBound + i
                for b in 0..<blocks {
                    let src = weights + i * k + b * Self.block
                    let (step, minimum) = AffineBlock.fit(src, levels: 15)
                    scales[o * blocks + b] = step
                    mins[o * blocks + b] = minimum
                    let words = nibbles + (o * k + b * Self.block) / 8
                    for c in 0..<4 { words[c] = 0 }
                    AffineBlock.codes(src, step: step, minimum: minimum, levels: 15) { j, u in
                        words[j / 8] |= UInt32(u) << (4 * UInt32(j % 8))
                    }
                }
            }
        }
    }

    public func multiplyFused(_ x: UnsafePointer<Float>, ldx: Int, rows m: Int, into y: UnsafeMutablePointer<Float>,
                              ldy: Int, outputs: Range<Int>) {
        exemplar_q4_gemv(nibbles, scales, mins, inFeatures, x, ldx, m, y, ldy, outputs.lowerBound, outputs.upperBound)
    }

    public func dequantizeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        exemplar_q4_dequantize(nibbles, scales, mins, inFeatures, rows.lowerBound, rows.upperBound, destination)
    }
}
