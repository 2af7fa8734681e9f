import Foundation
import XCTest
import MathTasks

/// GSM8K's solved-problem files as retrieval corpora: the final answer after `####`, and the other fields kept.
final class SolvedProblemCorpusTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("solved-problem-corpus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func testGSM8KFinalAnswer() {
        XCTAssertEqual(GSM8KFinalAnswer.extract(from: "She pays 3*4=<<3*4=12>>12.\n#### 1,234 "), "1234")
        XCTAssertEqual(GSM8KFinalAnswer.extract(from: "#### -5.5\n"), "-5.5")
        XCTAssertEqual(GSM8KFinalAnswer.extract(from: "a #### 1 then #### 2"), "2")
        XCTAssertNil(GSM8KFinalAnswer.extract(from: "no marker"))
        XCTAssertNil(GSM8KFinalAnswer.extract(from: "empty ####  "))
    }

    func testSolvedProblemCorpusKeepsOtherFieldsAsExtra() throws {
        let url = scratch.appendingPathComponent("c.jsonl")
        try """
        {"question": "Q1?", "answer": "x\\n#### 10,000"}

        {"question": "Q2?", "answer": "y\\n#### 3", "original_id": 17}
        """.write(to: url, atomically: true, encoding: .utf8)
        let documents = try SolvedProblemCorpus.load(path: url.path, source: "gsm8k", split: "train")
        XCTAssertEqual(documents.map(\.id), [0, 1])
        XCTAssertEqual(documents.map(\.finalAnswer), ["10000", "3"])
        XCTAssertEqual(documents[1].extra, "{\"line\":3,\"original_id\":17}")
        XCTAssertEqual(documents[0].text(embedding: .questionAndSolution), "Q1?\nx\n#### 10,000")
        XCTAssertEqual(documents[1].text(embedding: .question), "Q2?")

        try "{\"question\": \"Q\"}\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SolvedProblemCorpus.load(path: url.path, source: "s", split: "t")) {
            XCTAssertTrue("\($0)".contains("\(url.path):1:") && "\($0)".contains("answer"), "\($0)")
        }
    }
}
