import XCTest
import Tensor
import TestSupport
@testable import NN

final class LoRAGradientTests: XCTestCase {
    func makeLayer(dropout: Float) -> LoRALinear {
        let base = Linear(inFeatures: 6, outFeatures: 5)
        base.weight.value.assign(GradientCheck.random([5, 6], seed: 1))
        base.bias!.value.assign(GradientCheck.random([5], seed: 2))
        var g = RandomGenerator(seed: 3)
        let layer = LoRALinear(base: base, rank: 3, alpha: 6, dropout: dropout, generator: &g)
        // B starts at zero; make it non-zero so the check exercises every path.
        layer.loraB.value.assign(GradientCheck.random([5, 3], seed: 4))
        return layer
    }

    func testGradientsWithDropout() {
        let layer = makeLayer(dropout: 0.3)
        let x = GradientCheck.random([4, 6], seed: 5), r = GradientCheck.random([4, 5], seed: 6)
        // The same mask on every forward: reseed before each.
        let forward = { (training: Bool) -> Tensor in
            layer.dropout.generator = RandomGenerator(seed: 42)
            return layer.forward(x, training: training)
        }
        _ = forward(true)
        let dx = layer.backward(r)
        let loss = { GradientCheck.weightedSum(forward(true), r) }
        let fd = GradientCheck()
        fd.check("dx", x, analytic: dx, loss: loss)
        fd.check("dA", layer.loraA.value, analytic: layer.loraA.grad!, loss: loss)
        fd.check("dB", layer.loraB.value, analytic: layer.loraB.grad!, loss: loss)
        XCTAssertNil((layer.base as! Linear).weight.grad, "frozen base has no gradient buffer")
    }

    /// With B = 0 (its initial value) the layer computes exactly the base layer.
    func testFreshAdapterIsIdentityOnTheBase() {
        let base = Linear(inFeatures: 6, outFeatures: 5)
        base.weight.value.assign(GradientCheck.random([5, 6], seed: 7))
        var g = RandomGenerator(seed: 8)
        let layer = LoRALinear(base: base, rank: 2, alpha: 16, dropout: 0.1, generator: &g)
        let x = GradientCheck.random([3, 6], seed: 9)
        XCTAssertEqual(layer.forward(x, training: false).array, base.forward(x).array)
        let bound = 1 / Float(6).squareRoot()
        XCTAssertTrue(layer.loraA.value.array.allSatisfy { abs($0) <= bound })
    }

    func testDropoutKeepsExpectationAndReplaysWithSameSeed() {
        let d = Dropout(p: 0.25)
        let x = Tensor(shape: [10_000], values: Array(repeating: 1, count: 10_000))
        d.generator = RandomGenerator(seed: 1)
        let a = d.forward(x, training: true)
        d.generator = RandomGenerator(seed: 1)
        let b = d.forward(x, training: true)
        XCTAssertEqual(a.array, b.array)
        let mean = a.array.reduce(0, +) / 10_000
        XCTAssertEqual(mean, 1, accuracy: 0.03)
        XCTAssertTrue(d.forward(x, training: false) === x)
    }
}
