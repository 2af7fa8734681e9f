import CWorkerPool
import Foundation

/// Splits row-wise element work over the cores. OpenBLAS has its own threads; this is for the SIMD kernels between
/// the matrix products, which would otherwise leave a core idle. Loops run on a pool of spinning workers
/// (`exemplar_pool_run`): Dispatch's futex hand-off measured ~17 % of a SmolLM2 decode step.
public enum Parallel {
    /// Number of workers for element-wise kernels.
    nonisolated(unsafe) public static var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Calls `body` on disjoint contiguous chunks of `0..<count`, in parallel when the work is worth it.
    /// `cost` is a rough number of scalar operations per item; small jobs run inline.
    @inline(__always)
    public static func forEachChunk(_ count: Int, cost: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(workers, count)
        if chunks <= 1 || count * cost < 32_768 {
            body(0..<count)
            return
        }
        let ran = withoutActuallyEscaping(body) { body -> Int32 in
            var job = Job(count: count, chunks: chunks, body: body)
            return withUnsafeMutablePointer(to: &job) { job in
                exemplar_pool_run(workers, chunks, { context, c in
                    context!.assumingMemoryBound(to: Job.self).pointee.run(c)
                }, job)
            }
        }
        guard ran == 0 else { return }
        // The pool is busy: another thread's loop (concurrent requests) or a loop inside one of its tasks.
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }

    /// A loop handed to the worker pool: chunk c of `chunks` equal parts of 0..<count.
    private struct Job {
        let count: Int, chunks: Int
        let body: (Range<Int>) -> Void

        func run(_ c: Int) {
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Calls `body(i)` for every i in `0..<count`, spread over the workers.
    @inline(__always)
    public static func forEach(_ count: Int, cost: Int = 1, _ body: (Int) -> Void) {
        forEachChunk(count, cost: cost) { range in for i in range { body(i) } }
    }
}
