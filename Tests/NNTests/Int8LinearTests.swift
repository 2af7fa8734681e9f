import XCTest
import Tensor
import TestSupport
@testable import NN

final class Int8LinearTests: XCTestCase {
    func makeDense() -> Linear {
        let dense = Linear(inFeatures: 64, outFeatures: 300)
        dense.weight.value.assign(GradientCheck.random([300, 64], seed: 1))
        dense.bias!.value.assign(GradientCheck.random([300], seed: 2))
        return dense
    }

    /// Both kernels (fused for few rows, dequantise + sgemm for many) equal a dense layer holding the dequantised
    /// weight; quantisation error is within half a step of each block's scale.
    func testKernelsAgreeWithTheDequantisedWeight() {
        let dense = makeDense()
        let q = Int8Linear(quantizing: dense)
        let dequantised = Linear(inFeatures: 64, outFeatures: 300)
        q.dequantize(rows: 0..<300, into: dequantised.weight.value.data)
        dequantised.bias!.value.assign(dense.bias!.value)
        for (i, (w, d)) in zip(dense.weight.value.array, dequantised.weight.value.array).enumerated() {
            let o = i / 64, b = (i % 64) / 32
            XCTAssertLessThanOrEqual(abs(w - d), q.scales[o * 2 + b] / 2 + 1e-7)
        }
        for rows in [1, 3, 8, 9, 40] {
            let x = GradientCheck.random([rows, 64], seed: UInt64(10 + rows))
            let got = q.forward(x, training: false).array, want = dequantised.forward(x).array
            for (a, b) in zip(got, want) { XCTAssertEqual(a, b, accuracy: 1e-4, "rows \(rows)") }
        }
        XCTAssertEqual(q.weightBytes, 300 * 64 + 300 * 2 * 4)
    }

    func testBackwardGivesInputGradient() {
        let q = Int8Linear(quantizing: makeDense())
        let x = GradientCheck.random([5, 64], seed: 3), r = GradientCheck.random([5, 300], seed: 4)
        _ = q.forward(x, training: true)
        let dx = q.backward(r)
        GradientCheck().check("dx", x, analytic: dx) { GradientCheck.weightedSum(q.forward(x, training: false), r) }
    }
}
