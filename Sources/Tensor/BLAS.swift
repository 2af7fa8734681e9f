import CBLAS
import Foundation

/// Thin, typed wrappers over OpenBLAS: every matrix product in Exemplar goes through here.
public enum BLAS {
    /// Sets OpenBLAS's own worker threads (Exemplar's default: 1, see `parallelGemm`).
    public static func setThreads(_ n: Int) {
        _ = runtimeConfigured
        openblas_set_num_threads(Int32(n))
    }
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// The kernel set OpenBLAS chose for this CPU (e.g. "Haswell", "SkylakeX").
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS 0.3.21 (Debian 12) predates AMD Zen 4/5 and runs its AVX2 "Haswell" kernels there, about half the
    /// speed of its AVX-512 "SkylakeX" kernels on those CPUs. It reads the choice from OPENBLAS_CORETYPE when the
    /// library loads, so a program must set it before it starts: this returns the value to set, or nil when the
    /// current choice is already the best or the user chose one.
    public static func fasterCoreType() -> String? {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else { return nil }
        // /proc files report size 0, so read to the end rather than by size.
        guard let data = FileHandle(forReadingAtPath: "/proc/cpuinfo")?.readDataToEndOfFile(),
              let flagsLine = String(decoding: data, as: UTF8.self).split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        guard ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) else { return nil }
        return ["Haswell", "Zen", "Sandybridge"].contains(coreName) ? "SkylakeX" : nil
    }

    /// C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C, all row-major with explicit leading dimensions.
    @inline(__always)
    public static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The same product split over the cores, each block a single-threaded sgemm: by rows of C, or by columns when C
    /// has too few rows to split (decode steps: a few tokens times a large weight). Exemplar runs OpenBLAS with one
    /// thread and parallelises itself: OpenBLAS's idle workers spin (sched_yield) between calls and steal the cores
    /// from the element-wise kernels that run between matrix products. Every element of C is the same dot product in
    /// either split, so results do not depend on the split.
    public static func parallelGemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let workers = Parallel.workers
        // Below ~4 MFLOP a single call is faster than waking a second thread.
        guard workers > 1, m * n * k >= 2_000_000, m >= 2 * 16 || n >= 2 * 16 * workers else {
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c, ldc: ldc)
            return
        }
        if m >= 2 * 16 {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                // Row blocks aligned to 16 so every block but the last keeps whole micro-kernel tiles.
                let lo = (m * w / workers) & ~15, hi = w == workers - 1 ? m : (m * (w + 1) / workers) & ~15
                guard lo < hi else { return }
                gemm(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
                     a: transA ? a + lo : a + lo * lda, lda: lda, b: b, ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc)
            }
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = (n * w / workers) & ~15, hi = w == workers - 1 ? n : (n * (w + 1) / workers) & ~15
                guard lo < hi else { return }
                gemm(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha, a: a, lda: lda,
                     b: transB ? b + lo * ldb : b + lo, ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
            }
        }
    }

    /// y[M] = alpha · op(A) · x + beta · y, A row-major [M, N].
    @inline(__always)
    public static func gemv(
        trans: Bool = false, m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda),
                    x, 1, beta, y, 1)
    }

    /// y += alpha · x
    @inline(__always)
    public static func axpy(_ n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(Int32(n), alpha, x, 1, y, 1)
    }
}
