import XCTest
import Tensor
import TestSupport
@testable import NN

/// The Float32 decode kernel against sgemm, for widths with and without a tail past the last 32-wide block, and its
/// batch invariance.
final class FewRowProductTests: XCTestCase {
    func testMatchesSgemmAndIsBatchInvariant() {
        for k in [8, 45, 96, 203] {
            let n = 37
            let w = GradientCheck.random([n, k], seed: UInt64(k)), x = GradientCheck.random([8, k], seed: UInt64(k + 1))
            for m in 1...8 {
                let y = Tensor(zeros: [m, n]), reference = Tensor(zeros: [m, n])
                multiplyFewRows(x.data, rows: m, k: k, weight: w.data, outputs: n, into: y.data, ldy: n)
                BLAS.gemm(transB: true, m: m, n: n, k: k, a: x.data, lda: k, b: w.data, ldb: k, c: reference.data, ldc: n)
                for i in 0..<(m * n) { XCTAssertEqual(y[i], reference[i], accuracy: 1e-5 * Float(k), "k \(k) m \(m) [\(i)]") }
                for r in 0..<m {
                    let alone = Tensor(zeros: [1, n])
                    multiplyFewRows(x.data + r * k, rows: 1, k: k, weight: w.data, outputs: n, into: alone.data, ldy: n)
                    XCTAssertEqual(Array(UnsafeBufferPointer(start: y.data + r * n, count: n)), alone.array, "k \(k) row \(r) of \(m)")
                }
            }
        }
    }

    /// The single-threaded forms attention uses: scores against strided key rows, and probabilities times strided
    /// value rows, for column counts with and without a tail past the last 8-wide chunk.
    func testAttentionFormsMatchSgemm() {
        let ld = 70  // rows of the cache are wider than one head
        for (n, k) in [(64, 37), (61, 200)] {
            let b = GradientCheck.random([k, ld], seed: UInt64(n)), a = GradientCheck.random([8, k], seed: UInt64(n + 1))
            for m in 1...8 {
                let c = Tensor(zeros: [m, n]), reference = Tensor(zeros: [m, n])
                multiplyFewRows(a.data, lda: k, rows: m, k: k, by: b.data, ldb: ld, columns: n, into: c.data, ldc: n)
                BLAS.gemm(m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: ld, c: reference.data, ldc: n)
                for i in 0..<(m * n) { XCTAssertEqual(c[i], reference[i], accuracy: 1e-5 * Float(k), "A·B n \(n) m \(m) [\(i)]") }
            }
            // Scores: x (m, n-wide rows) against k rows of b read n wide, ld apart.
            let x = GradientCheck.random([8, n], seed: 3)
            for m in 1...8 {
                let y = Tensor(zeros: [m, k]), reference = Tensor(zeros: [m, k])
                multiplyFewRowsTransposed(x.data, ldx: n, rows: m, k: n, by: b.data, ldw: ld, outputs: k, into: y.data, ldy: k)
                BLAS.gemm(transB: true, m: m, n: k, k: n, a: x.data, lda: n, b: b.data, ldb: ld, c: reference.data, ldc: k)
                for i in 0..<(m * k) { XCTAssertEqual(y[i], reference[i], accuracy: 1e-5 * Float(n), "x·Bᵀ n \(n) m \(m) [\(i)]") }
            }
        }
    }
}
