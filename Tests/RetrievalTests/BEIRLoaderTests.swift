import Foundation
import XCTest
@testable import Retrieval

/// BEIR files with mistakes: every error names the file and, where there is one, the line.
final class BEIRLoaderTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-beir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    let goodCorpus = #"{"_id": "d2", "title": "Two", "text": "second"}"# + "\n" + #"{"_id": "d1", "text": " first "}"# + "\n"
    let goodQueries = #"{"_id": "q1", "text": "which?"}"# + "\n"
    let goodQrels = "query-id\tcorpus-id\tscore\r\nq1\td2\t1\r\n"

    func load(corpus: String? = nil, queries: String? = nil, qrels: String? = nil) throws -> RetrievalTask {
        let files = [("corpus.jsonl", corpus ?? goodCorpus), ("queries.jsonl", queries ?? goodQueries), ("qrels.tsv", qrels ?? goodQrels)]
        for (name, text) in files { try text.write(to: scratch.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return try BEIR.load(corpus: scratch.appendingPathComponent("corpus.jsonl"),
                             queries: scratch.appendingPathComponent("queries.jsonl"),
                             qrels: scratch.appendingPathComponent("qrels.tsv"))
    }

    func assertError(_ expression: @autoclosure () throws -> RetrievalTask, file name: String, line: Int?, mentioning text: String,
                     file: StaticString = #filePath, line testLine: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: testLine) { error in
            guard case let .file(path, errorLine, reason)? = error as? RetrievalError else {
                return XCTFail("unexpected error \(error)", file: file, line: testLine)
            }
            XCTAssertEqual(URL(fileURLWithPath: path).lastPathComponent, name, "\(error)", file: file, line: testLine)
            XCTAssertEqual(errorLine, line, "\(error)", file: file, line: testLine)
            XCTAssertTrue(reason.contains(text), "\(error)", file: file, line: testLine)
            XCTAssertTrue("\(error)".contains(path), file: file, line: testLine)
        }
    }

    func testGoodFilesWithCRLFQrels() throws {
        let task = try load()
        XCTAssertEqual(task.corpusIDs, ["d1", "d2"])
        XCTAssertEqual(task.corpus, ["first", "Two second"])
        XCTAssertEqual(task.relevant, [[1]])
        XCTAssertEqual(task.name, scratch.lastPathComponent)
        XCTAssertEqual(task.warnings, [])
    }

    func testDocumentTextIsPythonStrippedTitleSpaceText() {
        XCTAssertEqual(BEIR.documentText(title: "\u{3000}T", text: "x\u{1C}\n"), "T x")
        XCTAssertEqual(BEIR.documentText(title: nil, text: "x"), "x")
        XCTAssertEqual(BEIR.documentText(title: "", text: ""), "")
        // Zero-width space is not whitespace to Python.
        XCTAssertEqual(BEIR.documentText(title: "\u{200B}", text: "x"), "\u{200B} x")
    }

    func testCorpusErrors() {
        assertError(try load(corpus: goodCorpus + "{\"_id\": \"d3\", \"text\": \n"), file: "corpus.jsonl", line: 3, mentioning: "malformed JSON")
        assertError(try load(corpus: goodCorpus + #"{"text": "x"}"#), file: "corpus.jsonl", line: 3, mentioning: "'_id'")
        assertError(try load(corpus: goodCorpus + #"{"_id": 3, "text": "x"}"#), file: "corpus.jsonl", line: 3, mentioning: "'_id' is not a string")
        assertError(try load(corpus: goodCorpus + #"{"_id": "d3", "title": 5, "text": "x"}"#), file: "corpus.jsonl", line: 3, mentioning: "'title'")
        assertError(try load(corpus: goodCorpus + #"{"_id": "d3"}"#), file: "corpus.jsonl", line: 3, mentioning: "'text'")
        assertError(try load(corpus: goodCorpus + "\n" + #"{"_id": "d2", "text": "again"}"#), file: "corpus.jsonl", line: 4, mentioning: "duplicate _id 'd2' (first on line 1)")
        assertError(try load(corpus: "\n"), file: "corpus.jsonl", line: nil, mentioning: "no documents")
    }

    func testQueriesAndQrelsErrors() throws {
        assertError(try load(queries: goodQueries + #"{"_id": "q1", "text": "dup"}"#), file: "queries.jsonl", line: 2, mentioning: "duplicate")
        assertError(try load(qrels: goodQrels + "q1\td1\thigh\n"), file: "qrels.tsv", line: 3, mentioning: "'high' is not an integer")
        assertError(try load(qrels: goodQrels + "q1 d1 1\n"), file: "qrels.tsv", line: 3, mentioning: "3 tab-separated fields")
        assertError(try load(qrels: goodQrels + "q9\td1\t1\n"), file: "qrels.tsv", line: 3, mentioning: "query-id 'q9'")
        assertError(try load(qrels: "q1\td2\t1\n"), file: "qrels.tsv", line: 1, mentioning: "header")
        assertError(try load(qrels: ""), file: "qrels.tsv", line: nil, mentioning: "empty")
        try FileManager.default.removeItem(at: scratch.appendingPathComponent("qrels.tsv"))
        XCTAssertThrowsError(try BEIR.load(corpus: scratch.appendingPathComponent("corpus.jsonl"),
                                           queries: scratch.appendingPathComponent("queries.jsonl"),
                                           qrels: scratch.appendingPathComponent("qrels.tsv"))) {
            XCTAssertEqual("\($0)", "\(scratch.appendingPathComponent("qrels.tsv").path): file not found")
        }
    }

    func testGradesLastLineWinsAndUnknownDocuments() throws {
        let qrels = "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t1\nq1\td2\t0\nq1\tgone\t1\n"
        let task = try load(queries: goodQueries + #"{"_id": "q2", "text": "unjudged"}"#, qrels: qrels)
        // d1 (row 0) relevant; d2 judged non-relevant by its last line; "gone" gets an id past the corpus.
        XCTAssertEqual(task.relevant, [[0, 2], []])
        XCTAssertEqual(task.evaluatedQueries, [0])
        XCTAssertEqual(task.warnings.count, 2, "\(task.warnings)")
    }
}
