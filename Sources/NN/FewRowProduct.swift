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
