import Tensor

/// Weights in blocks of 32 inputs on an affine grid, w = d·u + m, with codes u ∈ 0…`levels` and a Float32 step d and
/// minimum m per block (`Int8Blocks`, `Q4Blocks`). The formats differ only in how they pack the codes, and so in
/// their kernels; fitting each block's grid (`AffineBlock`), quantising row by row and the byte count are shared here.
public protocol AffineBlockWeight: FewRowQuantizedWeight {
    /// The largest code: 255 for 8-bit codes, 15 for 4-bit ones.
    static var levels: Int { get }
    /// Storage for a (rows, columns) weight, filled by `quantize(rows:from:)`; columns must be a multiple of 32.
    init(rows: Int, columns: Int)
    /// (rows, columns / 32): the step d of each block.
    var scales: UnsafeMutablePointer<Float> { get }
    /// (rows, columns / 32): the minimum m of each block.
    var mins: UnsafeMutablePointer<Float> { get }
    /// Bytes of the packed codes of the whole matrix.
    var codeBytes: Int { get }
    /// Packs the codes of the 32 values at `x` on the grid (`step`, `minimum`) as the block that begins at element
    /// `start` of the row-major matrix.
    func storeCodes(_ x: UnsafePointer<Float>, at start: Int, step: Float, minimum: Float)
}

extension AffineBlockWeight {
    public init(quantizing weight: Tensor) {
        precondition(weight.shape.count == 2, "\(Self.self): weight shape \(weight.shape) is not (out, in)")
        self.init(rows: weight.rows, columns: weight.columns)
        withExtendedLifetime(weight) { quantize(rows: 0..<rows, from: weight.data) }
    }

    public var byteCount: Int { codeBytes + 2 * rows * (columns / AffineBlock.count) * MemoryLayout<Float>.size }

    /// Quantises weight rows `rows` from `weights` (rows.count × columns, row-major), block by block: the grid of
    /// `AffineBlock.fit` (as ggml's Q4_1 quantiser for 4 bits, m = block minimum and d = (max − m)/15, unless the
    /// block is already on a grid of at most `levels` steps), then the codes.
    public func quantize(rows: Range<Int>, from weights: UnsafePointer<Float>) {
        let k = columns, size = AffineBlock.count, blocks = k / size
        Parallel.forEachChunk(rows.count, cost: 4 * k) { part in
            for i in part {
                let o = rows.lowerBound + i
                for b in 0..<blocks {
                    let src = weights + i * k + b * size
                    let (step, minimum) = AffineBlock.fit(src, levels: Self.levels)
                    scales[o * blocks + b] = step
                    mins[o * blocks + b] = minimum
                    storeCodes(src, at: o * k + b * size, step: step, minimum: minimum)
                }
            }
        }
    }
}
