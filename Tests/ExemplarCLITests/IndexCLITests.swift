import Foundation
import XCTest
import Retrieval
import Tensor
import TestSupport

/// `exemplar index build` and `exemplar search` end to end with the real MiniLM on 50 GSM8K train problems, and builds
/// killed (SIGKILL) right after each of their steps.
final class IndexCLITests: XCTestCase, RunsExemplar {
    var scratch: URL!
    var indexDir: URL { scratch.appendingPathComponent("indexes") }

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-index-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// The first `n` GSM8K train problems as a corpus file, and a config that indexes them as NAME "small".
    func writeCorpusAndConfig(_ n: Int = 50) throws -> (config: String, questions: [String]) {
        let lines = try String(contentsOf: try Repository.data("gsm8k/train.jsonl"), encoding: .utf8)
            .split(separator: "\n").prefix(n)
        let corpus = scratch.appendingPathComponent("corpus.jsonl")
        try lines.joined(separator: "\n").write(to: corpus, atomically: true, encoding: .utf8)
        let config = scratch.appendingPathComponent("index.yaml")
        try """
        name: small
        corpus: \(corpus.path)
        source: gsm8k
        split: train-head
        model: \(try Repository.model("all-MiniLM-L6-v2").path)
        batch_size: 16
        recall:
          queries: ""
          count: 20
        """.write(to: config, atomically: true, encoding: .utf8)
        let questions = try lines.map { line -> String in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])["question"] as! String
        }
        return (config.path, questions)
    }

    func build(_ config: String, _ overrides: [String] = []) throws -> Run {
        try run(["index", "build", "--config", config, "--index-dir", indexDir.path] + overrides.flatMap { ["--set", $0] })
    }

    func testBuildAndSearchWithMiniLM() throws {
        let (config, questions) = try writeCorpusAndConfig()
        let built = try build(config)
        XCTAssertEqual(built.status, 0, built.stderr)
        XCTAssertTrue(built.stdout.contains("index small: 50 documents, 384 dims, Flat (inner_product), embedded question"), built.stdout)
        XCTAssertFalse(built.stdout.contains("recall@"), "exact index: no recall check")

        let found = try run(["search", "--index", "small", "--index-dir", indexDir.path, "-k", "3", "--json", questions[7]])
        XCTAssertEqual(found.status, 0, found.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(found.stdout.utf8)) as! [String: Any]
        let results = json["results"] as! [[String: Any]]
        XCTAssertEqual(results.count, 3)
        XCTAssertEqual(results[0]["id"] as? Int, 7)
        XCTAssertEqual(results[0]["question"] as? String, questions[7])
        XCTAssertEqual((results[0]["score"] as? Double) ?? 0, 1, accuracy: 1e-4)
        XCTAssertEqual(results[0]["split"] as? String, "train-head")
        XCTAssertNotNil(results[0]["final_answer"] as? String)

        let text = try run(["search", "--index", "small", "--index-dir", indexDir.path, "-k", "1", questions[3]])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("1. [1.0000] gsm8k/train-head #3"), text.stdout)
        XCTAssertTrue(text.stdout.contains("Final answer: "), text.stdout)

        // An approximate factory reports its recall against exact search; the index stays searchable.
        let hnsw = try build(config, ["factory=HNSW16", "ef_search=32"])
        XCTAssertEqual(hnsw.status, 0, hnsw.stderr)
        XCTAssertTrue(hnsw.stdout.contains("HNSW16") && hnsw.stdout.contains("recall@10 vs exact search"), hnsw.stdout)
        let index = try VectorIndex.open("small", in: indexDir)
        XCTAssertEqual(index.metadata.factory, "HNSW16")
        XCTAssertEqual(index.faiss.efSearch, 32, "efSearch is stored in the FAISS file")

        // `eval retrieval --index` refuses an index that does not hold the task's corpus.
        let mismatched = try run(["eval", "retrieval", "--task", "gsm-symbolic-similar", "--index", "small",
                                  "--index-dir", indexDir.path, "--data", Repository.root.appendingPathComponent("data").path])
        XCTAssertNotEqual(mismatched.status, 0)
        XCTAssertTrue(mismatched.stderr.contains("index small holds 50 documents; task gsm-symbolic-similar has a corpus of 1319"),
                      mismatched.stderr)
    }

    func testErrorsNameTheFiles() throws {
        let (config, questions) = try writeCorpusAndConfig(5)
        let empty = scratch.appendingPathComponent("empty.jsonl")
        try "\n".write(to: empty, atomically: true, encoding: .utf8)
        let noDocuments = try build(config, ["corpus=\(empty.path)"])
        XCTAssertNotEqual(noDocuments.status, 0)
        XCTAssertTrue(noDocuments.stderr.contains("\(empty.path): the corpus has no documents"), noDocuments.stderr)

        let missing = try run(["search", "--index", "small", "--index-dir", indexDir.path, "question"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("small.sqlite not found"), missing.stderr)

        XCTAssertEqual(try build(config).status, 0)
        let faiss = try VectorIndex.open("small", in: indexDir).faissPath
        let size = try FileManager.default.attributesOfItem(atPath: faiss)[.size] as! Int
        try Data(repeating: 7, count: size).write(to: URL(fileURLWithPath: faiss))
        let corrupt = try run(["search", "--index", "small", "--index-dir", indexDir.path, questions[0]])
        XCTAssertNotEqual(corrupt.status, 0)
        XCTAssertTrue(corrupt.stderr.contains(faiss), corrupt.stderr)
    }

    /// A rebuild killed (SIGKILL) right after each step of a build, through the EXEMPLAR_TEST_STOP_AT hook: each time
    /// the index opens and searches, and it is the previous build up to the commit (the database renamed over
    /// NAME.sqlite), the new one from it on; a later build cleans up what the killed ones left.
    func testKilledBuildLeavesThePreviousIndexUsable() throws {
        let (config, _) = try writeCorpusAndConfig()
        let first = try build(config)
        XCTAssertEqual(first.status, 0, first.stderr)
        var current = try VectorIndex.open("small", in: indexDir).metadata.buildID

        // Which build `open` finds after a kill right after each step: the database's rename is the commit.
        let expected: [(IndexBuildStep, String)] = [
            (.embedded, "previous"), (.faissWritten, "previous"),
            (.databaseWritten, "previous"),  // complete under its temporary name: the moment before the rename
            (.committed, "new"),             // the moment after it
            (.linked, "new"), (.cleanedUp, "new"),
        ]
        XCTAssertEqual(expected.map(\.0), IndexBuildStep.allCases, "every step is a kill point")
        for (step, outcome) in expected {
            let killed = try run(["index", "build", "--config", config, "--index-dir", indexDir.path],
                                 environment: ["EXEMPLAR_TEST_STOP_AT": step.rawValue])
            XCTAssertTrue(killed.signalled && killed.status == SIGKILL, "\(step): status \(killed.status), \(killed.stderr)")
            let index = try VectorIndex.open("small", in: indexDir)
            XCTAssertEqual(index.count, 50, "after a kill at \(step)")
            let vectors = Tensor(shape: [1, 384], values: (0..<384).map { _ in Float(0.05) })
            XCTAssertEqual(try index.search(vectors, k: 3).ids.filter { $0 >= 0 }.count, 3, "after a kill at \(step)")
            XCTAssertEqual(index.metadata.buildID == current ? "previous" : "new", outcome, "index after a kill at \(step)")
            current = index.metadata.buildID
        }

        let unknown = try run(["index", "build", "--config", config, "--index-dir", indexDir.path],
                              environment: ["EXEMPLAR_TEST_STOP_AT": "renamed"])
        XCTAssertFalse(unknown.signalled)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("EXEMPLAR_TEST_STOP_AT=renamed is not a build step"), unknown.stderr)
        XCTAssertEqual(try VectorIndex.open("small", in: indexDir).metadata.buildID, current)

        XCTAssertEqual(try build(config).status, 0)
        let buildID = try VectorIndex.open("small", in: indexDir).metadata.buildID
        let files = try FileManager.default.contentsOfDirectory(atPath: indexDir.path).sorted()
        XCTAssertEqual(Set(files), [".small.lock", "small.\(buildID).faiss", "small.faiss", "small.sqlite"])
    }
}
