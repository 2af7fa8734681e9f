import Foundation
import XCTest
import Tensor
@testable import NN

final class OptimizerTests: XCTestCase {
    /// Two AdamW steps on one parameter against the torch.optim.AdamW update written out in Double.
    func testAdamWMatchesTheTorchUpdate() {
        let p = Parameter(Tensor(shape: [3], values: [0.5, -1, 2]), requiresGrad: true)
        let opt = AdamW(parameters: [p], hyperparameters: .init(weightDecay: 0.01))
        var w: [Double] = [0.5, -1, 2], m = [0.0, 0, 0], v = [0.0, 0, 0]
        let grads: [[Float]] = [[0.1, -0.2, 0.3], [0.05, 0.4, -0.1]]
        let lr = 1e-2
        for (t, g) in grads.enumerated() {
            p.grad!.assign(Tensor(shape: [3], values: g))
            opt.update(lr: Float(lr))
            for j in 0..<3 {
                w[j] *= 1 - lr * 0.01
                m[j] = 0.9 * m[j] + 0.1 * Double(g[j])
                v[j] = 0.999 * v[j] + 0.001 * Double(g[j]) * Double(g[j])
                let bc1 = 1 - pow(0.9, Double(t + 1)), bc2 = 1 - pow(0.999, Double(t + 1))
                w[j] -= lr / bc1 * m[j] / (v[j].squareRoot() / bc2.squareRoot() + 1e-8)
            }
        }
        for j in 0..<3 { XCTAssertEqual(Double(p.value[j]), w[j], accuracy: 1e-6) }
    }

    func testGradientClipping() {
        let p = Parameter(Tensor(shape: [2], values: [0, 0]), requiresGrad: true)
        p.grad!.assign(Tensor(shape: [2], values: [3, 4]))
        XCTAssertEqual(clipGradientNorm([p], maxNorm: 1), 5)
        XCTAssertEqual(p.grad![0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(p.grad![1], 0.8, accuracy: 1e-6)
        XCTAssertEqual(clipGradientNorm([p], maxNorm: 10), 1, accuracy: 1e-5)
    }

    /// transformers' schedules: lr 0 at the first step with warm-up, peak at the end of warm-up, 0 at the end.
    func testSchedules() {
        let linear = LearningRateSchedule(peak: 2e-4, warmupSteps: 10, totalSteps: 110)
        XCTAssertEqual(linear.rate(at: 0), 0)
        XCTAssertEqual(linear.rate(at: 5), 1e-4, accuracy: 1e-10)
        XCTAssertEqual(linear.rate(at: 10), 2e-4, accuracy: 1e-10)
        XCTAssertEqual(linear.rate(at: 60), 1e-4, accuracy: 1e-10)
        XCTAssertEqual(linear.rate(at: 110), 0)
        let cosine = LearningRateSchedule(peak: 1, warmupSteps: 0, totalSteps: 100, decay: .cosine)
        XCTAssertEqual(cosine.rate(at: 50), 0.5, accuracy: 1e-6)
    }
}
