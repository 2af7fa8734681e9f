import CDecodeKernels
import Tensor

/// Largest activation row count the decode kernels take (they keep one accumulator per row in registers). Decode
/// steps of up to this many sequences use them; prefill and training use sgemm.
public let fusedRowLimit = 8

/// y = x·Wᵀ for a few rows of x (m ≤ `fusedRowLimit`, `k` wide) and a Float32 W (n, k), over all cores: the product
/// of a decode step. W is read once, straight from memory; sgemm would first copy ("pack") all of W, which at one
/// row costs more than the product itself (it was 2/3 of a Float32 decode step). Each output is summed in the same
/// order whatever m is, so a sequence's results do not depend on its batch.
public func multiplyFewRows(_ x: UnsafePointer<Float>, rows m: Int, k: Int, weight: UnsafePointer<Float>, outputs n: Int,
                            into y: UnsafeMutablePointer<Float>, ldy: Int) {
    precondition(m <= fusedRowLimit, "multiplyFewRows takes at most \(fusedRowLimit) rows, got \(m)")
    Parallel.forEachChunk(n, cost: 2 * k * m) { outputs in
        exemplar_f32_gemv(weight, k, k, x, k, m, y, ldy, outputs.lowerBound, outputs.upperBound)
    }
}

/// y[r·ldy + o] = Σᵢ W[o·ldw + i] · x[r·ldx + i] for r < m ≤ `fusedRowLimit`, o < n, on the calling thread: the
/// attention scores of a decode step (W the cached keys, x the queries of one key/value head's group), which
/// sgemm would spend most of its time packing.
public func multiplyFewRowsTransposed(_ x: UnsafePointer<Float>, ldx: Int, rows m: Int, k: Int,
                                      by w: UnsafePointer<Float>, ldw: Int, outputs n: Int,
                                      into y: UnsafeMutablePointer<Float>, ldy: Int) {
    precondition(m <= fusedRowLimit, "at most \(fusedRowLimit) rows, got \(m)")
    exemplar_f32_gemv(w, ldw, k, x, ldx, m, y, ldy, 0, n)
}

/// C (m, n) = A (m, k) · B (k, n) for m ≤ `fusedRowLimit`, on the calling thread: probabilities times cached values
/// in a decode step, B streaming once.
public func multiplyFewRows(_ a: UnsafePointer<Float>, lda: Int, rows m: Int, k: Int, by b: UnsafePointer<Float>, ldb: Int,
                            columns n: Int, into c: UnsafeMutablePointer<Float>, ldc: Int) {
    precondition(m <= fusedRowLimit, "at most \(fusedRowLimit) rows, got \(m)")
    exemplar_f32_rows_times(m, n, k, a, lda, b, ldb, c, ldc)
}
