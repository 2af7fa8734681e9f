import CDecodeKernels

/// 4-bit weights: blocks of 32 inputs hold u ∈ 0…15 with a Float32 scale d and minimum m, w = d·u + m (the values of
/// ggml's Q4_1, packed so the kernel unpacks 8 values with one shift and mask). 0.75 bytes per weight, 1.7× less
/// than `Int8Blocks`; the rounding error of each weight is at most d/2 = (max − min)/30 of its block, 17× int8's
/// (none for weights from a GGUF 4-bit block).
public final class Q4Blocks: AffineBlockWeight {
    public static let levels = 15

    public let rows: Int
    public let columns: Int
    /// (out, in / 8) words; word c of a block holds its elements 8c ..< 8c + 8, element 8c + i in bits 4i ..< 4i + 4.
    let nibbles: UnsafeMutablePointer<UInt32>
    public let scales: UnsafeMutablePointer<Float>  // (out, in / 32)
    public let mins: UnsafeMutablePointer<Float>    // (out, in / 32)

    public init(rows: Int, columns: Int) {
        precondition(columns % AffineBlock.count == 0, "Q4Blocks needs in_features divisible by \(AffineBlock.count), got \(columns)")
        self.rows = rows
        self.columns = columns
        nibbles = .allocate(capacity: rows * columns / 8)
        scales = .allocate(capacity: rows * (columns / AffineBlock.count))
        mins = .allocate(capacity: rows * (columns / AffineBlock.count))
    }

    deinit {
        nibbles.deallocate()
        scales.deallocate()
        mins.deallocate()
    }

    public var codeBytes: Int { rows * columns / 2 }

    public func storeCodes(_ x: UnsafePointer<Float>, at start: Int, step: Float, minimum: Float) {
        let words = nibbles + start / 8
        for c in 0..<4 { words[c] = 0 }
        AffineBlock.codes(x, step: step, minimum: minimum, levels: Self.levels) { j, u in
            words[j / 8] |= UInt32(u) << (4 * UInt32(j % 8))
        }
    }

    public func multiplyFewRows(_ x: UnsafePointer<Float>, ldx: Int, rows m: Int, into y: UnsafeMutablePointer<Float>,
                                ldy: Int, outputs: Range<Int>) {
        exemplar_q4_gemv(nibbles, scales, mins, columns, x, ldx, m, y, ldy, outputs.lowerBound, outputs.upperBound)
    }

    public func dequantizeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        exemplar_q4_dequantize(nibbles, scales, mins, columns, rows.lowerBound, rows.upperBound, destination)
    }
}
