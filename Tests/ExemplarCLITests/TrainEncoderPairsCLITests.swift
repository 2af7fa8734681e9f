import Foundation
import XCTest
import ModelFormats
import MathTasks
import Retrieval
import TestSupport

/// `exemplar train-encoder --set data.source=pairs` through the binary with the real all-MiniLM-L6-v2: a pairs file in
/// mine-pairs' layout (hard negatives joined), mixed with question → solution pairs; bad lines and held-out problems
/// are one error naming the file and line.
final class TrainEncoderPairsCLITests: XCTestCase, RunsExemplar {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-train-pairs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func write(_ lines: [[String: Any]]) throws -> URL {
        let url = scratch.appendingPathComponent("pairs.jsonl")
        let text = try lines.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try text.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func trainEncoder(_ pairs: URL, _ extra: [String] = []) throws -> Run {
        _ = try Repository.model("all-MiniLM-L6-v2")
        _ = try Repository.data("gsm8k/train.jsonl")
        return try run(["train-encoder", "--config", Repository.root.appendingPathComponent("configs/encoder-similar.yaml").path,
                        "--set", "output_dir=\(scratch.path)", "--set", "name=run", "--set", "data.path=\(pairs.path)",
                        "--set", "training.batch_size=4", "--set", "training.mini_batch_size=3", "--set", "training.max_steps=2",
                        "--set", "training.eval_every=null", "--set", "training.max_seq_length=64"] + extra)
    }

    /// Pairs of train problems that are not held out (GSM8KTrainSplit holds out 26, 44, 50, …).
    func minedLines(_ train: [GSM8KProblem]) -> [[String: Any]] {
        [["rule": "skeleton", "anchor_id": 0, "anchor": train[0].question, "positive_id": 1, "positive": train[1].question],
         ["rule": "variant", "anchor": "A new version of problem 2.", "positive_id": 2, "positive": train[2].question],
         ["rule": "skeleton", "anchor_id": 3, "anchor": train[3].question, "positive_id": 4, "positive": train[4].question],
         ["rule": "hard_negative", "anchor_id": 0, "anchor": train[0].question, "negative_id": 5, "negative": train[5].question]]
    }

    func testMinedPairsTrainMixedWithQuestionToSolution() throws {
        let train = try GSM8KProblem.load(try Repository.data("gsm8k/train.jsonl"))
        let result = try trainEncoder(try write(minedLines(train)), ["--set", "data.qa_ratio=1.0"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("3 pairs, 1 with a hard negative (1 joined from negative-only lines, 0 such lines left without a pair); + 3 question → solution pairs"),
                      result.stderr)
        XCTAssertTrue(result.stderr.contains("6 training pairs, 500 validation pairs"), result.stderr)
        let metrics = try JSONLines.read(scratch.appendingPathComponent("run/metrics.jsonl"))
        XCTAssertEqual(metrics.count, 2)
        XCTAssertTrue(metrics.allSatisfy { (($0.fields["loss"] as? Double) ?? .nan).isFinite })
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("run/adapter/adapter_model.safetensors").path))
    }

    func assertOneError(_ result: Run, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(result.status, 0, file: file, line: line)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errors.count, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(errors.first?.contains(expected) ?? false, "\(errors) mention \(expected)", file: file, line: line)
    }

    func testMalformedLineOrMissingFieldIsOneErrorNamingFileAndLine() throws {
        let train = try GSM8KProblem.load(try Repository.data("gsm8k/train.jsonl"))
        var lines = minedLines(train)
        lines[2].removeValue(forKey: "positive")
        let url = try write(lines)
        assertOneError(try trainEncoder(url), "\(url.path):3: no field 'positive'")
        lines = minedLines(train)
        try (String(decoding: try JSONSerialization.data(withJSONObject: lines[0]), as: UTF8.self) + "\n{\"anchor\": \"x\", \"positive\": ")
            .write(to: url, atomically: true, encoding: .utf8)
        assertOneError(try trainEncoder(url), "\(url.path):2: malformed JSON")
    }

    func testHeldOutProblemIsRefusedWhenHoldoutIsOn() throws {
        let train = try GSM8KProblem.load(try Repository.data("gsm8k/train.jsonl"))
        XCTAssertEqual(GSM8KTrainSplit.holdoutLines(count: train.count).first, 26)
        var byID = minedLines(train)
        byID[1]["positive_id"] = 26  // a variant of held-out problem 26
        assertOneError(try trainEncoder(try write(byID)), "pairs.jsonl:2: uses GSM8K train problem 26, which is held out")
        var byText = minedLines(train)
        byText[3]["negative"] = train[44].question  // a held-out text as a joined hard negative, without its id
        byText[3].removeValue(forKey: "negative_id")
        assertOneError(try trainEncoder(try write(byText)), "pairs.jsonl:4: uses GSM8K train problem 44, which is held out")
        // holdout off: the same file trains.
        let result = try trainEncoder(try write(byID), ["--set", "data.holdout=false"])
        XCTAssertEqual(result.status, 0, result.stderr)
    }
}
