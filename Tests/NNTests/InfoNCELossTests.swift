import Foundation
import XCTest
import Tensor
import TestSupport
@testable import NN

final class InfoNCELossTests: XCTestCase {
    let a = GradientCheck.random([4, 5], seed: 1), p = GradientCheck.random([4, 5], seed: 2)
    let n = GradientCheck.random([4, 5], seed: 3)

    func check(_ loss: InfoNCELoss, negatives: Bool, keys: [Int]?) {
        let neg = negatives ? n : nil
        let result = loss(anchors: a, positives: p, negatives: neg, duplicateKeys: keys)
        let f = { Double(loss(anchors: self.a, positives: self.p, negatives: neg, duplicateKeys: keys).loss) }
        var fd = GradientCheck()
        fd.h = 1e-3  // the loss is a smooth scalar: a smaller step keeps the truncation error small
        fd.check("dAnchors", a, analytic: result.dAnchors, loss: f)
        fd.check("dPositives", p, analytic: result.dPositives, loss: f)
        if negatives { fd.check("dNegatives", n, analytic: result.dNegatives!, loss: f) }
    }

    func testGradients() { check(InfoNCELoss(scale: 20), negatives: false, keys: nil) }
    func testGradientsWithHardNegatives() { check(InfoNCELoss(scale: 20), negatives: true, keys: nil) }
    func testGradientsSymmetric() { check(InfoNCELoss(scale: 7, symmetric: true), negatives: false, keys: nil) }
    func testGradientsWithDuplicates() { check(InfoNCELoss(scale: 20), negatives: true, keys: [0, 1, 0, 2]) }

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
