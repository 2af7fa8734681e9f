import Dispatch

/// Converts GGUF tensor blocks to Float32 exactly as ggml's `dequantize_row_*` (ggml-quants.c) and gguf-py's
/// `quants.py` define it. Each output is the same float operations in the same order as the reference — e.g.
/// Q4_1 is `(d·q) + m`, Q6_K is `(d·scale)·q` — and Swift never fuses a multiply and an add on its own, so the
/// results are bit-identical to gguf-py's (the tests compare bit patterns).
///
/// Blocks of a tensor are contiguous and rows are whole blocks, so any run of rows is a run of blocks. Work is
/// vectorised over a block (32 or 256 elements) and, for large runs, split over the cores.
public enum GGUFDequantiser {
    /// Runs shorter than this many output elements stay on the calling thread (splitting costs ~10 µs).
    public static let parallelThreshold = 1 << 16

    /// Dequantises `blockCount` consecutive blocks of `type` at `source` into `blockCount · type.blockSize` floats
    /// at `destination`. `threads` > 1 splits the blocks over that many concurrent workers when the run is large.
    /// The type must be `isDequantisable` (a precondition: `GGUFTensorView` checks it with a proper error).
    public static func dequantise(_ type: GGUFTensorType, blocks source: UnsafeRawPointer, count blockCount: Int,
                                  into destination: UnsafeMutablePointer<Float>, threads: Int = 1) {
        precondition(type.isDequantisable, "\(type) has no dequantiser")
        if threads <= 1 || blockCount * type.blockSize < Self.parallelThreshold {
            run(type, source, blockCount, destination)
            return
        }
        // Chunks of whole blocks, several per worker so an unevenly loaded core does not hold the others up.
        let chunks = min(threads * 4, blockCount)
        let perChunk = (blockCount + chunks - 1) / chunks
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let first = chunk * perChunk
            let count = min(perChunk, blockCount - first)
            if count > 0 {
                run(type, source + first * type.bytesPerBlock, count, destination + first * type.blockSize)
            }
        }
    }

    private static func run(_ type: GGUFTensorType, _ source: UnsafeRawPointer, _ blocks: Int,
                            _ destination: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32: UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: 4 * blocks)
        case .f16: HalfPrecision.f16ToF32(source, destination, count: blocks)
        case .bf16: HalfPrecision.bf16ToF32(source, destination, count: blocks)
        case .q4_0: q4_0(source, blocks, destination)
        case .q4_1: q4_1(source, blocks, destination)
        case .q5_0: q5_0(source, blocks, destination)
        case .q5_1: q5_1(source, blocks, destination)
        case .q8_0: q8_0(source, blocks, destination)
        case .q4_K: q4_K(source, blocks, destination)
        case .q5_K: q5_K(source, blocks, destination)
        case .q6_K: q6_K(source, blocks, destination)
        default: preconditionFailure("\(type) has no dequantiser")
        }
    }

    // MARK: - Shared pieces

    /// An f16 scale stored in a block, widened exactly.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfPrecision.f16ToF32(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
}
