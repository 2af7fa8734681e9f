import Foundation
import XCTest
@testable import Tensor

final class TensorTests: XCTestCase {
    func testGemmMatchesNaiveProductForEveryTransposeCombination() {
        var rng = SystemRandomNumberGenerator()
        let m = 7, n = 5, k = 9
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = Tensor(shape: ta ? [k, m] : [m, k], values: (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) })
            let b = Tensor(shape: tb ? [n, k] : [k, n], values: (0..<(n * k)).map { _ in Float.random(in: -1...1, using: &rng) })
            let c = Tensor(shape: [m, n], values: Array(repeating: 0.5, count: m * n))
            BLAS.gemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 2, a: a.data, lda: ta ? m : k,
                      b: b.data, ldb: tb ? k : n, beta: 1, c: c.data, ldc: n)
            for i in 0..<m {
                for j in 0..<n {
                    var s: Double = 0
                    for p in 0..<k {
                        let av = ta ? a[p * m + i] : a[i * k + p], bv = tb ? b[j * k + p] : b[p * n + j]
                        s += Double(av) * Double(bv)
                    }
                    XCTAssertEqual(Double(c[i * n + j]), 2 * s + 0.5, accuracy: 1e-5, "trans (\(ta), \(tb)) at (\(i), \(j))")
                }
            }
        }
    }

    /// The row split (many rows) and the column split (few rows, e.g. a LoRA A gradient) equal one sgemm call, for
    /// every transpose combination, with blocks of 16 that do not divide the split dimension.
    func testParallelGemmEqualsOneCall() {
        var rng = SystemRandomNumberGenerator()
        for (m, n, k) in [(1_000, 40, 70), (8, 1_000, 600), (8, 35, 9_000)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = Tensor(shape: ta ? [k, m] : [m, k], values: (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) })
                let b = Tensor(shape: tb ? [n, k] : [k, n], values: (0..<(n * k)).map { _ in Float.random(in: -1...1, using: &rng) })
                let c0 = Tensor(shape: [m, n], values: (0..<(m * n)).map { _ in Float.random(in: -1...1, using: &rng) })
                let c1 = c0.copy()
                BLAS.gemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a.data, lda: ta ? m : k,
                          b: b.data, ldb: tb ? k : n, beta: 1, c: c0.data, ldc: n)
                BLAS.parallelGemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a.data, lda: ta ? m : k,
                                  b: b.data, ldb: tb ? k : n, beta: 1, c: c1.data, ldc: n)
                // Same kernels on the same data: equal up to the summation order inside each block.
                var worst: Float = 0
                for i in 0..<c0.count { worst = max(worst, abs(c0[i] - c1[i])) }
                XCTAssertLessThanOrEqual(worst, 1e-3, "(\(m), \(n), \(k)) trans (\(ta), \(tb))")
            }
        }
    }

    /// exp to within 2 float ulps (relative 2.4e-7) over the range softmax and GELU use.
    func testVectorExpIsAccurate() {
        var worst: Double = 0
        var x: Float = -87
        while x < 88 {
            let got = Double(VectorMath.exp(x)), want = Foundation.exp(Double(x))
            worst = max(worst, abs(got - want) / want)
            x += 0.0137
        }
        XCTAssertLessThan(worst, 2.4e-7)
        XCTAssertEqual(VectorMath.exp(0), 1)
    }

    /// erf within the Abramowitz–Stegun 7.1.26 bound (1.5e-7) plus a float rounding.
    func testVectorErfIsAccurate() {
        var worst: Double = 0
        var x: Float = -6
        while x < 6 {
            worst = max(worst, abs(Double(VectorMath.erf(x)) - Foundation.erf(Double(x))))
            x += 0.001
        }
        XCTAssertLessThan(worst, 2e-7)
        XCTAssertEqual(VectorMath.erf(-1.5), -VectorMath.erf(1.5))
    }

    func testSoftmaxRowSumsToOneAndMatchesDefinition() {
        for n in [1, 5, 8, 13, 64] {
            let values = (0..<n).map { Float($0 % 7) * 0.9 - 2 }
            let t = Tensor(shape: [n], values: values)
            Kernels.softmax(t.data, n, scale: 0.5)
            let m = values.max()! * 0.5
            let denom = values.reduce(0.0) { $0 + Foundation.exp(Double($1 * 0.5 - m)) }
            for i in 0..<n {
                XCTAssertEqual(Double(t[i]), Foundation.exp(Double(values[i] * 0.5 - m)) / denom, accuracy: 1e-6)
            }
        }
    }

    func testReductionsHandleTails() {
        let n = 19
        let a = Tensor(shape: [n], values: (0..<n).map { Float($0) }), b = Tensor(shape: [n], values: Array(repeating: 2, count: n))
        XCTAssertEqual(Kernels.sum(a.data, n), 171)
        XCTAssertEqual(Kernels.dot(a.data, b.data, n), 342)
        XCTAssertEqual(Kernels.max(a.data, n), 18)
        XCTAssertEqual(Kernels.max(a.data, 3), 2)
    }

    func testParallelChunksCoverEveryIndexOnce() {
        let n = 100_003
        let hits = Tensor(zeros: [n])
        Parallel.forEachChunk(n, cost: 1_000) { range in for i in range { hits[i] += 1 } }
        XCTAssertEqual(Kernels.sum(hits.data, n), Float(n))
        XCTAssertEqual(Kernels.max(hits.data, n), 1)
    }
}
