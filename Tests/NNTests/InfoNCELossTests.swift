import Foundation
import XCTest
import Tensor
import TestSupport
@testable import NN

final class InfoNCELossTests: XCTestCase {
    let a = GradientCheck.random([4, 5], seed: 1), p = GradientCheck.random([4, 5], seed: 2)
    let n = GradientCheck.random([4, 5], seed: 3)

    /// Mined hard negatives: fewer than the pairs (only some pairs bring one), or more.
    let n3 = GradientCheck.random([3, 5], seed: 4), n7 = GradientCheck.random([7, 5], seed: 5)

    func check(_ loss: InfoNCELoss, negatives: Bool, keys: [Int]?) {
        check(loss, negatives: negatives ? n : nil, keys: keys)
    }

    func check(_ loss: InfoNCELoss, negatives neg: Tensor?, keys: [Int]?) {
        let result = loss(anchors: a, positives: p, negatives: neg, duplicateKeys: keys)
        let f = { Double(loss(anchors: self.a, positives: self.p, negatives: neg, duplicateKeys: keys).loss) }
        var fd = GradientCheck()
        fd.h = 1e-3  // the loss is a smooth scalar: a smaller step keeps the truncation error small
        fd.check("dAnchors", a, analytic: result.dAnchors, loss: f)
        fd.check("dPositives", p, analytic: result.dPositives, loss: f)
        if let neg { fd.check("dNegatives", neg, analytic: result.dNegatives!, loss: f) }
    }

    func testGradients() { check(InfoNCELoss(scale: 20), negatives: false, keys: nil) }
    func testGradientsWithHardNegatives() { check(InfoNCELoss(scale: 20), negatives: true, keys: nil) }
    func testGradientsSymmetric() { check(InfoNCELoss(scale: 7, symmetric: true), negatives: false, keys: nil) }
    func testGradientsWithDuplicates() { check(InfoNCELoss(scale: 20), negatives: true, keys: [0, 1, 0, 2]) }
    func testGradientsWithFewerNegativesThanPairs() { check(InfoNCELoss(scale: 20), negatives: n3, keys: nil) }
    func testGradientsWithMoreNegativesThanPairs() { check(InfoNCELoss(scale: 20), negatives: n7, keys: [0, 1, 0, 2]) }
    func testGradientsSymmetricWithNegatives() { check(InfoNCELoss(scale: 7, symmetric: true), negatives: n3, keys: [0, 1, 0, 2]) }

    /// Symmetric with two hard negatives against a value worked out by hand: a = (e₁, e₂), p = (e₁, e₁+e₂),
    /// negatives (e₂, −e₁), scale 1. Forward rows (candidates p₁, p₂, n₁, n₂): a₁ → (1, r, 0, −1), r = 1/√2;
    /// a₂ → (0, r, 1, 0). Backward rows (candidates a₁, a₂): p₁ → (1, 0); p₂ → (r, r).
    /// L = ½·[½(−1 + ln(e + eʳ + 1 + e⁻¹) − r + ln(1 + eʳ + e + 1)) + ½(−1 + ln(e + 1) + ln 2)].
    func testSymmetricLossValueByHand() {
        let e1: [Float] = [1, 0], e2: [Float] = [0, 1]
        let anchors = Tensor(shape: [2, 2], values: e1 + e2), positives = Tensor(shape: [2, 2], values: e1 + [1, 1])
        let negatives = Tensor(shape: [2, 2], values: e2 + [-1, 0])
        let r = 1 / 2.0.squareRoot(), e = Foundation.exp(1.0)
        let forward = 0.5 * ((-1 + Foundation.log(e + Foundation.exp(r) + 1 + 1 / e)) + (-r + Foundation.log(1 + Foundation.exp(r) + e + 1)))
        let backward = 0.5 * ((-1 + Foundation.log(e + 1)) + Foundation.log(2.0))
        let got = InfoNCELoss(scale: 1, symmetric: true)(anchors: anchors, positives: positives, negatives: negatives).loss
        XCTAssertEqual(Double(got), 0.5 * (forward + backward), accuracy: 1e-6)
        // Without the backward half it is the forward loss alone.
        XCTAssertEqual(Double(InfoNCELoss(scale: 1)(anchors: anchors, positives: positives, negatives: negatives).loss),
                       forward, accuracy: 1e-6)
    }

    /// The loss against the definition: mean_i −log softmax_j(s·cos(a_i, p_j))[i].
    func testLossValue() {
        func cos(_ x: Tensor, _ i: Int, _ y: Tensor, _ j: Int) -> Double {
            var d = 0.0, nx = 0.0, ny = 0.0
            for k in 0..<5 {
                d += Double(x[i * 5 + k] * y[j * 5 + k]); nx += Double(x[i * 5 + k] * x[i * 5 + k]); ny += Double(y[j * 5 + k] * y[j * 5 + k])
            }
            return d / (nx * ny).squareRoot()
        }
        var expected = 0.0
        for i in 0..<4 {
            let logits = (0..<4).map { 20 * cos(a, i, p, $0) }
            expected += -logits[i] + Foundation.log(logits.map { Foundation.exp($0) }.reduce(0, +))
        }
        XCTAssertEqual(Double(InfoNCELoss(scale: 20)(anchors: a, positives: p).loss), expected / 4, accuracy: 1e-4)
    }

    /// A duplicate pair neither helps nor hurts: its logit is excluded from the other copy's softmax.
    func testDuplicateCopyIsExcluded() {
        let pDup = p.copy()
        for k in 0..<5 { pDup[2 * 5 + k] = pDup[k] }  // pair 2 repeats pair 0's positive
        let masked = InfoNCELoss()(anchors: a, positives: pDup, duplicateKeys: [0, 1, 0, 3]).loss
        let unmasked = InfoNCELoss()(anchors: a, positives: pDup).loss
        XCTAssertLessThan(masked, unmasked)
    }
}
