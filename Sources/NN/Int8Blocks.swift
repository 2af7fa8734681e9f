import CDecodeKernels

/// 8-bit weights: blocks of 32 inputs hold codes u ∈ 0…255 with a Float32 step d and minimum m, w = d·u + m. 1.25
/// bytes per weight instead of 4: a decode step, which reads every weight once, moves ~3.2× less memory. The rounding
/// error of each weight is at most d/2 = (max − min)/510 of its block (no worse than symmetric int8's absmax/254),
/// and none at all for weights that come from a GGUF Q4/Q5/Q8 block, whose grid `AffineBlock` recognises.
public final class Int8Blocks: AffineBlockWeight {
    public static let levels = 255

    public let rows: Int
    public let columns: Int
    let codes: UnsafeMutablePointer<UInt8>          // (out, in)
    public let scales: UnsafeMutablePointer<Float>  // (out, in / 32)
    public let mins: UnsafeMutablePointer<Float>    // (out, in / 32)

    public init(rows: Int, columns: Int) {
        precondition(columns % AffineBlock.count == 0, "Int8Blocks needs in_features divisible by \(AffineBlock.count), got \(columns)")
        self.rows = rows
        self.columns = columns
        codes = .allocate(capacity: rows * columns)
        scales = .allocate(capacity: rows * (columns / AffineBlock.count))
        mins = .allocate(capacity: rows * (columns / AffineBlock.count))
    }

    deinit {
        codes.deallocate()
        scales.deallocate()
        mins.deallocate()
    }

    public var codeBytes: Int { rows * columns }

    public func storeCodes(_ x: UnsafePointer<Float>, at start: Int, step: Float, minimum: Float) {
        let dst = codes + start
        AffineBlock.codes(x, step: step, minimum: minimum, levels: Self.levels) { j, u in dst[j] = UInt8(u) }
    }

    public func multiplyFewRows(_ x: UnsafePointer<Float>, ldx: Int, rows m: Int, into y: UnsafeMutablePointer<Float>,
                                ldy: Int, outputs: Range<Int>) {
        exemplar_q8_gemv(codes, scales, mins, columns, x, ldx, m, y, ldy, outputs.lowerBound, outputs.upperBound)
    }

    public func dequantizeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        exemplar_q8_dequantize(codes, scales, mins, columns, rows.lowerBound, rows.upperBound, destination)
    }
}
