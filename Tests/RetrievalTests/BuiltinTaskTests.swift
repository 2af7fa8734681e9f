import Foundation
import XCTest
import TestSupport
@testable import Retrieval

final class BuiltinTaskTests: XCTestCase {
    /// The first outputs of SplitMix64 from seed 0, as published with the algorithm.
    func testSplitMix64ReferenceOutputs() {
        var rng = Retrieval.SplitMix64(seed: 0)
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

    func testTasksHaveTheirDocumentedShapes() throws {
        let data = try Repository.data("gsm8k/test.jsonl").deletingLastPathComponent().deletingLastPathComponent()
        _ = try Repository.data("gsm-symbolic/p2-dev.jsonl")

        let qa = try BuiltinTask.gsm8kQA.load(dataDirectory: data)
        XCTAssertEqual([qa.queries.count, qa.corpus.count], [1319, 1319])
        XCTAssertEqual(qa.relevant[7], [7])
        XCTAssertTrue(qa.corpus[0].contains("####"))

        let similar = try BuiltinTask.gsmSymbolicSimilar.load(dataDirectory: data)
        XCTAssertEqual([similar.queries.count, similar.corpus.count], [1250, 1319])
        XCTAssertEqual(similar.corpus, qa.queries)
        XCTAssertEqual(similar.relevant[0], [473])  // the first P2 variant was made from test line 473
        XCTAssertEqual(Set(similar.relevant.flatMap { $0 }).count, 25)

        let holdout = try BuiltinTask.gsm8kTrainHoldout.load(dataDirectory: data)
        XCTAssertEqual([holdout.queries.count, holdout.corpus.count], [500, 500])
        XCTAssertEqual(holdout.queryIDs.map { Int($0)! }, GSM8KTrainSplit.holdoutLines(count: 7473))
        XCTAssertEqual(holdout.relevant, (0..<500).map { [Int64($0)] })
        let train = try GSM8KProblem.load(data.appendingPathComponent("gsm8k/train.jsonl"))
        XCTAssertEqual(holdout.corpus[0], train[26].answer)
    }

    func testMissingDataNamesTheFile() {
        let nowhere = URL(fileURLWithPath: "/nonexistent/data")
        XCTAssertThrowsError(try BuiltinTask.gsm8kQA.load(dataDirectory: nowhere)) {
            XCTAssertEqual("\($0)", "/nonexistent/data/gsm8k/test.jsonl: file not found")
        }
    }
}
