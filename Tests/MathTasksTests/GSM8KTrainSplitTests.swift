import Foundation
import XCTest
import TestSupport
@testable import MathTasks

final class GSM8KTrainSplitTests: XCTestCase {
    /// The first outputs of SplitMix64 from seed 0, as published with the algorithm.
    func testSplitMix64ReferenceOutputs() {
        var rng = MathTasks.SplitMix64(seed: 0)
        XCTAssertEqual([rng.next(), rng.next(), rng.next()], [16_294_208_416_658_607_535, 7_960_286_522_194_355_700, 487_617_019_471_545_679])
    }

    /// The held-out lines follow the documented shuffle (values from an independent Python implementation of the
    /// doc comment), and training + holdout partition train.
    func testTrainHoldoutSplitIsTheDocumentedShuffle() {
        let holdout = GSM8KTrainSplit.holdoutLines(count: 7473)
        XCTAssertEqual(holdout.count, 500)
        XCTAssertEqual(Array(holdout.prefix(10)), [26, 44, 50, 55, 71, 95, 100, 106, 113, 117])
        XCTAssertEqual(Array(holdout.suffix(5)), [7365, 7379, 7382, 7406, 7453])
        XCTAssertEqual(holdout.reduce(0, +), 1_868_081)
        let training = GSM8KTrainSplit.trainingLines(count: 7473)
        XCTAssertEqual(training.count, 6973)
        XCTAssertEqual(Set(training).union(holdout), Set(0..<7473))
        XCTAssertTrue(Set(training).isDisjoint(with: holdout))
    }
}
