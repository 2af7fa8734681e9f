import CDecodeKernels
import Tensor

/// y = x·Wᵀ for many rows of x (a prefill) with the AVX-512 GEMM of `exemplar_prefill_gemm`, where the CPU has it.
///
/// This machine's OpenBLAS is pinned to its AVX2 kernels (OPENBLAS_CORETYPE=Haswell), which use half of a Zen 4/5
/// core's multiply-add width; the kernel runs ~1.5× faster. It serves the decoder's inference products only (quantised
/// projections, and Float32 ones through `Linear.inferenceForward`); training and the encoder keep sgemm.
/// `EXEMPLAR_AVX512=0` turns it off.
public enum ManyRowProduct {
    public static var isAvailable: Bool { exemplar_prefill_gemm_available() != 0 }

    /// y[r·ldy + o] (+ y when `accumulate`) = Σᵢ W[o, i]·x[r·k + i] for r < m, o < n. W's rows are split over the
    /// cores in 32-aligned shares (the kernel's panel width), so each row of W is read by one core only; each core
    /// takes its rows `tile` at a time from `weightRows(range, scratch)`, which returns them as Float32 — dequantised
    /// into the scratch (room for `tile` rows; nil without `scratch`), or W itself.
    static func multiply(_ x: UnsafePointer<Float>, rows m: Int, k: Int, outputs n: Int, into y: UnsafeMutablePointer<Float>,
                         ldy: Int, accumulate: Bool, tile: Int, scratch needsScratch: Bool,
                         weightRows: (Range<Int>, UnsafeMutablePointer<Float>?) -> UnsafePointer<Float>) {
        let workers = Swift.max(1, Swift.min(Parallel.workers, n / 32))
        Parallel.forEachChunk(workers, cost: .max / workers) { ids in
            for w in ids {
                let lo = (n * w / workers) & ~31, hi = w == workers - 1 ? n : (n * (w + 1) / workers) & ~31
                guard lo < hi else { continue }
                let scratch = needsScratch ? UnsafeMutablePointer<Float>.allocate(capacity: Swift.min(tile, hi - lo) * k) : nil
                defer { scratch?.deallocate() }
                for start in stride(from: lo, to: hi, by: tile) {
                    let count = Swift.min(tile, hi - start)
                    let rows = weightRows(start..<(start + count), scratch)
                    exemplar_prefill_gemm(m, count, k, x, k, rows, k, y + start, ldy, accumulate ? 1 : 0)
                }
            }
        }
    }
}
