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
}
