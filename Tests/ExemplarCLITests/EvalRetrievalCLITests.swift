import Foundation
import XCTest
import TestSupport

/// `exemplar eval retrieval` on the synthetic BEIR fixture (small enough to embed in a second) and on bad input.
extension CLIErrorTests {
    var beirArguments: [String] {
        let dir = Repository.fixture("ir_synthetic")
        return ["--corpus", dir.appendingPathComponent("corpus.jsonl").path,
                "--queries", dir.appendingPathComponent("queries.jsonl").path,
                "--qrels", dir.appendingPathComponent("qrels.tsv").path]
    }

    func testEvalRetrievalOnABEIRDatasetPrintsJSONAndMarkdown() throws {
        let model = try Repository.model("all-MiniLM-L6-v2").path
        let result = try run(["eval", "retrieval", "--model", model, "--json"] + beirArguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
        let encoder = try XCTUnwrap(object["encoder"] as? [String: Any])
        XCTAssertEqual(encoder["dimension"] as? Int, 384)
        let tasks = try XCTUnwrap(object["tasks"] as? [[String: Any]])
        XCTAssertEqual(tasks.count, 1)
        XCTAssertEqual(tasks[0]["task"] as? String, "ir_synthetic")
        XCTAssertEqual(tasks[0]["queries"] as? Int, 14)
        XCTAssertEqual(tasks[0]["skipped_queries"] as? Int, 2)
        XCTAssertEqual(tasks[0]["corpus"] as? Int, 130)
        let metrics = try XCTUnwrap(tasks[0]["metrics"] as? [String: Any])
        XCTAssertEqual(metrics.count, 16, "\(metrics.keys)")
        for name in ["accuracy@1", "precision@10", "recall@5", "ndcg@10", "mrr@10", "map@100"] {
            let value = try XCTUnwrap(metrics[name] as? Double, name)
            XCTAssertTrue((0...1).contains(value), "\(name) = \(value)")
        }
        XCTAssertEqual(result.stderr.components(separatedBy: "warning:").count - 1, 2, result.stderr)

        let table = try run(["eval", "retrieval", "--model", model] + beirArguments)
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("| metric | ir_synthetic |"), table.stdout)
        XCTAssertTrue(table.stdout.contains("| queries | 12 (+2 skipped) |"), table.stdout)
        XCTAssertTrue(table.stdout.contains("| map@100 | "), table.stdout)
    }

    func testEvalRetrievalErrors() throws {
        let model = try Repository.model("all-MiniLM-L6-v2").path
        let partial = try run(["eval", "retrieval", "--model", model] + beirArguments.prefix(2))
        XCTAssertNotEqual(partial.status, 0)
        XCTAssertTrue(partial.stderr.contains("go together"), partial.stderr)

        let unknown = try run(["eval", "retrieval", "--task", "gsm9k"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown task 'gsm9k'"), unknown.stderr)

        let noData = try run(["eval", "retrieval", "--model", model, "--task", "gsm8k-qa", "--data", scratch.path])
        XCTAssertNotEqual(noData.status, 0)
        XCTAssertTrue(noData.stderr.contains("error: \(scratch.path)/gsm8k/test.jsonl: file not found"), noData.stderr)

        let qrels = scratch.appendingPathComponent("qrels.tsv")
        try "query-id\tcorpus-id\tscore\nq1\td51\t1\nq1\td51\tyes\n".write(to: qrels, atomically: true, encoding: .utf8)
        var arguments = beirArguments
        arguments[5] = qrels.path
        let bad = try run(["eval", "retrieval", "--model", model] + arguments)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("error: \(qrels.path):3: score 'yes' is not an integer"), bad.stderr)
        XCTAssertEqual(bad.stdout, "")
    }
}
