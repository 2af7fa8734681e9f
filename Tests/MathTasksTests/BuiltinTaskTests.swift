import Foundation
import XCTest
import TestSupport
import Retrieval
@testable import MathTasks

final class BuiltinTaskTests: XCTestCase {
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

    /// Variants of the held-out problems → their sources among all train questions; the same every time.
    func testVariantsHoldoutTask() throws {
        let data = try Repository.data("gsm8k/train.jsonl").deletingLastPathComponent().deletingLastPathComponent()
        let task = try BuiltinTask.gsm8kVariantsHoldout.load(dataDirectory: data)
        let train = try GSM8KProblem.load(data.appendingPathComponent("gsm8k/train.jsonl"))
        XCTAssertEqual(task.corpus, train.map(\.question))
        // The count the README gives: 331 of the 500 give variants (up to two each).
        XCTAssertEqual(task.queries.count, 641)
        XCTAssertEqual(Set(task.relevant).count, 331)
        let held = Set(GSM8KTrainSplit.holdoutLines(count: train.count).map(Int64.init))
        for (i, relevant) in task.relevant.enumerated() {
            XCTAssertEqual(relevant.count, 1)
            let source = Int(relevant.first!)
            XCTAssertTrue(held.contains(Int64(source)), "query \(task.queryIDs[i]) comes from a held-out problem")
            XCTAssertNotEqual(task.queries[i], train[source].question, "a variant differs from its source")
            XCTAssertTrue(task.queryIDs[i].hasPrefix("\(source)-"))
        }
        let again = try BuiltinTask.gsm8kVariantsHoldout.load(dataDirectory: data)
        XCTAssertEqual(again.queries, task.queries)
        XCTAssertEqual(again.queryIDs, task.queryIDs)
    }
}
