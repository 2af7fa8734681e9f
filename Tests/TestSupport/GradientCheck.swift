import Foundation
import XCTest
import Tensor

/// Central finite differences against analytic gradients. The loss is Σ y·R for a fixed random R, summed in Double,
/// so its gradient with respect to y is R. Float32 forward passes limit the precision: with h = 1e-2 the truncation
/// error is O(h²) and the rounding error O(1e-7/h), so |analytic − numeric| ≤ 2e-3 + 2e-2·|numeric| is a meaningful check
/// (a wrong formula is off by O(1)).
public struct GradientCheck {
    public var h: Float = 1e-2
    public var absoluteTolerance = 2e-3
    public var relativeTolerance = 2e-2

    public init() {}

    public static func random(_ shape: [Int], scale: Float = 1, seed: UInt64) -> Tensor {
        var g = SplitMix64(seed: seed)
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<n).map { _ in (Float(g.next() >> 40) / Float(1 << 24) * 2 - 1) * scale })
    }

    public static func weightedSum(_ y: Tensor, _ r: Tensor) -> Double {
        var s: Double = 0
        for i in 0..<y.count { s += Double(y[i]) * Double(r[i]) }
        return s
    }

    /// Perturbs each entry of `x` (up to `maxEntries`, spread evenly) and compares (L(x+h) − L(x−h)) / 2h with `analytic`.
    public func check(_ name: String, _ x: Tensor, analytic: Tensor, maxEntries: Int = 200, loss: () -> Double,
               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(x.shape, analytic.shape, "\(name): gradient shape", file: file, line: line)
        let stride = max(1, x.count / maxEntries)
        var worst = 0.0
        for i in Swift.stride(from: 0, to: x.count, by: stride) {
            let saved = x[i]
            x[i] = saved + h; let up = loss()
            x[i] = saved - h; let down = loss()
            x[i] = saved
            let numeric = (up - down) / Double(2 * h), got = Double(analytic[i])
            let err = abs(numeric - got)
            worst = max(worst, err / (absoluteTolerance + relativeTolerance * abs(numeric)))
            if err > absoluteTolerance + relativeTolerance * abs(numeric) {
                XCTFail("\(name)[\(i)]: analytic \(got) vs numeric \(numeric)", file: file, line: line)
                return
            }
        }
        XCTAssertLessThanOrEqual(worst, 1, name, file: file, line: line)
    }
}

/// Small deterministic generator for test data.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
