import CDecodeKernels
import ModelFormats
import Tensor

/// A weight kept in a GGUF file's own block format (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K), byte for byte
/// as the file stores it, so the model decoded is exactly the file's model: no re-quantisation.
///
/// A decode step multiplies it as llama.cpp's vec_dot kernels do: the few activation rows are quantised to 8 bits
/// per block of 32 (`exemplar_q8_quantize_rows`) and each chunk of 32 weights is multiplied with integer dot
/// products, so the weight streams from memory at its file size (5.5 bits per weight for Q5_0) and the arithmetic is
/// 32 multiply-adds per instruction instead of Float32's 8. The activation rounding is the one approximation (about
/// 0.4 % of a block's largest value per element); prefill dequantises to Float32 and uses the GEMM.
public final class GGUFBlocks: FewRowQuantizedWeight {
    public let type: GGUFTensorType
    public let rows: Int
    public let columns: Int
    /// Bytes from one row to the next (whole blocks).
    public let rowBytes: Int
    /// (rows, rowBytes), rows in model order.
    let bytes: UnsafeMutableRawPointer
    /// The kernel variant decode steps use (tests force each one the CPU runs).
    public var kernel = GGUFKernel.best

    /// Whether `type` has a kernel here.
    public static func supports(_ type: GGUFTensorType) -> Bool { exemplar_gguf_type_supported(Int32(type.rawValue)) != 0 }

    /// Uninitialised storage for a (rows, columns) weight of `type`; `columns` must be whole blocks.
    public init(type: GGUFTensorType, rows: Int, columns: Int) {
        let rowBytes = exemplar_gguf_row_bytes(Int32(type.rawValue), columns)
        precondition(rowBytes > 0, "GGUFBlocks: no kernel for \(type) rows of \(columns) elements")
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = rowBytes
        bytes = .allocate(byteCount: Swift.max(1, rows * rowBytes), alignment: 64)
    }

    /// The rows of a file's tensor, row r of this weight from stored row `storedRow(r)` (llama files keep q/k rows
    /// permuted; see `GGUFLlamaPermutation`).
    public convenience init(copying view: GGUFTensorView, storedRow: (Int) -> Int = { $0 }) {
        self.init(type: view.type, rows: view.rowCount, columns: view.rowLength)
        precondition(view.rowStride == rowBytes, "GGUFBlocks: \(view.name) rows are \(view.rowStride) bytes, expected \(rowBytes)")
        for r in 0..<rows { (bytes + r * rowBytes).copyMemory(from: view.row(storedRow(r)), byteCount: rowBytes) }
    }

    /// Quantises a Float32 (out, in) matrix to Q8_0 (see `storeQ8_0`).
    public convenience init(quantizing weight: Tensor) {
        precondition(weight.shape.count == 2, "GGUFBlocks: weight shape \(weight.shape) is not (out, in)")
        self.init(type: .q8_0, rows: weight.rows, columns: weight.columns)
        withExtendedLifetime(weight) { storeQ8_0(rows: 0..<rows, from: weight.data) }
    }

    /// Rows `range` of a Q8_0 weight from their Float32 values (`range.count` rows of `columns`), as ggml's
    /// quantize_row_q8_0 does: per 32, d = max|w|/127 stored as f16, q = round(w/d). This is how weights that are
    /// not GGUF blocks (a safetensors model, a merged adapter) are kept in this format, as llama.cpp's converter
    /// does with `--outtype q8_0`.
    public func storeQ8_0(rows range: Range<Int>, from values: UnsafePointer<Float>) {
        precondition(type == .q8_0, "storeQ8_0 on a \(type) weight")
        let blocks = range.count * columns / 32, first = bytes + range.lowerBound * rowBytes
        for b in 0..<blocks {
            let w = values + 32 * b, block = first + 34 * b
            var amax: Float = 0
            for i in 0..<32 { amax = Swift.max(amax, abs(w[i])) }
            let step = amax / 127
            block.storeBytes(of: Float16(step).bitPattern.littleEndian, as: UInt16.self)
            let inverse: Float = step > 0 ? 1 / step : 0
            let q = (block + 2).assumingMemoryBound(to: Int8.self)
            for i in 0..<32 { q[i] = Int8(Swift.max(-127, Swift.min(127, (w[i] * inverse).rounded()))) }
        }
    }

    deinit { bytes.deallocate() }

    public var byteCount: Int { rows * rowBytes }

    /// The first byte of row `row` (tests read real blocks through it).
    public func rowBlocks(_ row: Int) -> UnsafeMutableRawPointer { bytes + row * rowBytes }

    /// The rows as Float32 through the kernels' own block decoders (AVX2; 4–8× `GGUFDequantiser`'s speed, which
    /// mattered in prefill), equal to `GGUFDequantiser` — gguf-py's values — to within one rounding per weight.
    public func dequantizeRows(_ range: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        exemplar_gguf_dequantize(Int32(type.rawValue), bytes.assumingMemoryBound(to: UInt8.self), rowBytes, columns,
                                 range.lowerBound, range.upperBound, destination)
    }

    public func multiplyFewRows(_ x: UnsafePointer<Float>, ldx: Int, rows m: Int, into y: UnsafeMutablePointer<Float>,
                                ldy: Int, outputs: Range<Int>) {
        precondition(m >= 1 && m <= fusedRowLimit, "GGUFBlocks multiplies 1…\(fusedRowLimit) rows, got \(m)")
        let k = columns, blocks = m * k / 32
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: m * k) { q in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * blocks) { scales in
                let d = scales.baseAddress!, s = d + blocks
                exemplar_q8_quantize_rows(x, ldx, m, k, q.baseAddress!, d, s)
                exemplar_gguf_gemv(Int32(type.rawValue), kernel.rawValue, bytes.assumingMemoryBound(to: UInt8.self), rowBytes,
                                   k, q.baseAddress!, d, s, m, y, ldy, outputs.lowerBound, outputs.upperBound)
            }
        }
    }
}

/// The integer-dot-product kernel variants of `GGUFBlocks`, chosen at run time for the CPU at hand.
public enum GGUFKernel: Int32, CaseIterable, Sendable {
    /// Portable C, one element at a time.
    case scalar = 1
    /// AVX2: maddubs / madd on 32 bytes at a time.
    case avx2 = 2
    /// AVX-512 VNNI: dpbusd on two 32-weight chunks at a time (Ice Lake, Zen 4 and later).
    case avx512VNNI = 3

    /// The fastest variant this CPU runs (`EXEMPLAR_GGUF_KERNEL=scalar` or `avx2` forces that one).
    public static let best = GGUFKernel(rawValue: exemplar_gguf_best_variant()) ?? .scalar

    public var isAvailable: Bool { exemplar_gguf_variant_available(rawValue) != 0 }
}
