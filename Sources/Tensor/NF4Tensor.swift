import Foundation

/// A float32 tensor stored as bitsandbytes stores it after
/// `quantize_4bit(W, blocksize=64, compress_statistics=True, quant_type="nf4")`: the QLoRA format
/// (https://arxiv.org/abs/2305.14314). Each block of 64 consecutive elements (row-major, blocks may straddle rows)
/// keeps 4-bit NF4 codes and one scale, its absmax; the scales themselves are stored in 8 bits ("double
/// quantisation"): minus their mean (the offset), in blocks of 256 with the dynamic map and a float32 absmax each.
/// About 4.13 bits per weight instead of 32, so a frozen QLoRA base costs an eighth of its float32 size.
///
/// Quantisation and dequantisation reproduce bitsandbytes 0.50 on the CPU bit for bit (packed bytes, scale codes,
/// offset and dequantised values; checked against the library in NF4ReferenceTests).
public final class NF4Tensor {
    public static let blockSize = 64
    public static let statisticsBlockSize = 256

    public let shape: [Int]
    public let count: Int
    /// (⌈count/2⌉) two codes per byte: element 2i in the high nibble of byte i, element 2i+1 in the low nibble.
    public let packed: [UInt8]
    /// (blocks) the 8-bit dynamic-map code of each block's absmax − offset.
    public let quantizedAbsmax: [UInt8]
    /// (⌈blocks/256⌉) absmax of (absmax − offset) over each 256 consecutive blocks.
    public let absmaxScales: [Float]
    /// Mean of the block absmax values (torch's float32 mean, see `torchMean`).
    public let offset: Float

    /// Number of 64-element blocks.
    public var blockCount: Int { quantizedAbsmax.count }
    /// Columns of the row-major 2-D view, as for `Tensor`.
    public var columns: Int { shape.last ?? 1 }
    public var rows: Int { columns == 0 ? 0 : count / columns }

    /// Bytes of quantised storage: codes, scale codes, their float32 scales and the offset.
    public var byteCount: Int {
        packed.count + quantizedAbsmax.count + absmaxScales.count * MemoryLayout<Float>.size + MemoryLayout<Float>.size
    }

    /// Wraps stored quantisation state (e.g. a bitsandbytes checkpoint's `weight`, `absmax`, `nested_absmax`,
    /// `nested_offset`), checking the sizes agree with `shape`.
    public init(shape: [Int], packed: [UInt8], quantizedAbsmax: [UInt8], absmaxScales: [Float], offset: Float) {
        let count = shape.reduce(1, *)
        let blocks = (count + Self.blockSize - 1) / Self.blockSize
        precondition(count > 0, "NF4Tensor: empty shape \(shape)")
        precondition(packed.count == (count + 1) / 2, "NF4Tensor: \(packed.count) packed bytes for \(count) elements")
        precondition(quantizedAbsmax.count == blocks, "NF4Tensor: \(quantizedAbsmax.count) scale codes for \(blocks) blocks")
        precondition(absmaxScales.count == (blocks + Self.statisticsBlockSize - 1) / Self.statisticsBlockSize,
                     "NF4Tensor: \(absmaxScales.count) statistics scales for \(blocks) blocks")
        self.shape = shape
        self.count = count
        self.packed = packed
        self.quantizedAbsmax = quantizedAbsmax
        self.absmaxScales = absmaxScales
        self.offset = offset
    }

    /// Quantises `tensor` (finite values) as bitsandbytes' `quantize_4bit(..., compress_statistics=True,
    /// quant_type="nf4")` does on a CPU tensor.
    public convenience init(quantizing tensor: Tensor) {
        let n = tensor.count
        precondition(n > 0, "NF4Tensor: cannot quantise an empty tensor")
        let blocks = (n + Self.blockSize - 1) / Self.blockSize
        var packed = [UInt8](repeating: 0, count: (n + 1) / 2)
        var absmax = [Float](repeating: 0, count: blocks)
        withExtendedLifetime(tensor) {
            packed.withUnsafeMutableBufferPointer { codes in
                absmax.withUnsafeMutableBufferPointer { scales in
                    let x = tensor.data, codes = codes.baseAddress!, scales = scales.baseAddress!
                    Parallel.forEachChunk(blocks, cost: 64 * 16) { range in
                        for b in range { scales[b] = Self.quantizeBlock(x, count: n, block: b, into: codes) }
                    }
                }
            }
        }
        let offset = absmax.withUnsafeBufferPointer { Self.torchMean($0.baseAddress!, count: blocks) }
        let centred = absmax.map { $0 - offset }
        let (codes, scales) = Self.quantizeStatistics(centred)
        self.init(shape: tensor.shape, packed: packed, quantizedAbsmax: codes, absmaxScales: scales, offset: offset)
    }

    /// One 64-block of `quantize_4bit`'s default (torch) kernel; returns the stored absmax. A full block multiplies
    /// by the reciprocal of its absmax (clamped below at 1e-38, so an all-zero block codes as zeros); the partial last
    /// block divides instead and stores the clamped absmax. An odd count pads with 0.0, code 7, in the last low nibble.
    static func quantizeBlock(_ x: UnsafePointer<Float>, count n: Int, block b: Int,
                              into codes: UnsafeMutablePointer<UInt8>) -> Float {
        let lo = b * blockSize, hi = Swift.min(lo + blockSize, n)
        var absmax: Float = 0
        for i in lo..<hi {
            precondition(x[i].isFinite, "NF4Tensor: element \(i) is \(x[i])")
            absmax = Swift.max(absmax, abs(x[i]))
        }
        let floor = Float(1e-38 as Double)   // torch converts the Python float to float32
        let full = hi - lo == blockSize
        let clamped = Swift.max(absmax, floor)
        let reciprocal = 1 / clamped
        for i in stride(from: lo, to: hi + (hi - lo) % 2, by: 2) {
            let a = full ? x[i] * reciprocal : x[i] / clamped
            let b = i + 1 < hi ? (full ? x[i + 1] * reciprocal : x[i + 1] / clamped) : 0
            let high = NF4Codebook.nf4Code(Swift.min(Swift.max(a, -1), 1))
            let low = NF4Codebook.nf4Code(Swift.min(Swift.max(b, -1), 1))
            codes[i / 2] = high << 4 | low
        }
        return full ? absmax : clamped
    }

    /// bitsandbytes' CPU `quantize_blockwise(values, blocksize=256)` with the dynamic map: per 256 values the absmax,
    /// then each value times its reciprocal coded through `NF4Codebook.dynamicCode`. An all-zero block (every block
    /// absmax equal to the offset) stores absmax 0 and codes 0.
    static func quantizeStatistics(_ values: [Float]) -> (codes: [UInt8], scales: [Float]) {
        let n = values.count, size = statisticsBlockSize
        var codes = [UInt8](repeating: 0, count: n)
        var scales = [Float](repeating: 0, count: (n + size - 1) / size)
        NF4Codebook.dynamicLookup.withUnsafeBufferPointer { table in
            for b in 0..<scales.count {
                let lo = b * size, hi = Swift.min(lo + size, n)
                var absmax: Float = 0
                for i in lo..<hi { absmax = Swift.max(absmax, abs(values[i])) }
                scales[b] = absmax
                guard absmax != 0 else { continue }
                let reciprocal = 1 / absmax
                for i in lo..<hi { codes[i] = NF4Codebook.dynamicCode(values[i] * reciprocal, table: table.baseAddress!) }
            }
        }
        return (codes, scales)
    }

    /// The per-block absmax as `dequantize_4bit` decodes it: dynamic[code]·scale, then + offset (two float32
    /// roundings, not fused).
    public func blockAbsmax() -> [Float] {
        (0..<blockCount).map { blockScale($0) }
    }

    @inline(__always)
    func blockScale(_ b: Int) -> Float {
        let product = NF4Codebook.dynamic[Int(quantizedAbsmax[b])] * absmaxScales[b / Self.statisticsBlockSize]
        return product + offset
    }

    /// The whole tensor in float32, as `dequantize_4bit` returns it.
    public func dequantize() -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        dequantizeElements(0..<count, into: t.data)
        return t
    }
}
