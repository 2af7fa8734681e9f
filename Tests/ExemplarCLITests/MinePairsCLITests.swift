import Foundation
import XCTest
import TestSupport
@testable import ExemplarCLI

/// `exemplar mine-pairs` through the binary on a small train file written here (hard negatives off, so no model):
/// the pairs file, summary and held-out ids; the same bytes on a second run; bad input is one error naming the file
/// and line.
final class MinePairsCLITests: XCTestCase, RunsExemplar {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-pairs-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// 16 problems: even lines share the skeleton x1*x2 ; #1+x3, odd lines x1+x2 ; #1*x3.
    func writeTrain() throws -> URL {
        let lines = try (0..<16).map { i -> String in
            let a = 3 + i, b = 4 + i % 5, c = 7 + i
            let record: [String: String] = i % 2 == 0
                ? ["question": "Nina buys \(a) boxes of \(b) pens and \(c) more pens. How many pens does she have?",
                   "answer": "She has <<\(a)*\(b)=\(a * b)>>\(a * b) in boxes, <<\(a * b)+\(c)=\(a * b + c)>> in all.\n#### \(a * b + c)"]
                : ["question": "Tom picks \(a) red and \(b) green apples a day for \(c) days. How many apples is that?",
                   "answer": "A day: <<\(a)+\(b)=\(a + b)>>\(a + b). In all: <<\(a + b)*\(c)=\((a + b) * c)>>.\n#### \((a + b) * c)"]
            return String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self)
        }
        let url = scratch.appendingPathComponent("train.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func mine(_ train: URL, _ extra: [String] = []) throws -> Run {
        try run(["mine-pairs", "--config", Repository.root.appendingPathComponent("configs/pairs-gsm8k.yaml").path,
                 "--set", "train=\(train.path)", "--set", "output_dir=\(scratch.path)", "--set", "name=p",
                 "--set", "hard_negatives.enabled=false", "--set", "holdout.size=3"] + extra)
    }

    func testWritesPairsSummaryAndHeldOutIDs() throws {
        let train = try writeTrain()
        let result = try mine(train)
        XCTAssertEqual(result.status, 0, result.stderr)
        let dir = scratch.appendingPathComponent("p")
        let text = try String(contentsOf: dir.appendingPathComponent("pairs.jsonl"), encoding: .utf8)
        let pairs = try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let holdout = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("holdout.json"))) as! [String: Any]
        let held = try XCTUnwrap(holdout["ids"] as? [Int])
        XCTAssertEqual(held.count, 3)
        XCTAssertEqual(holdout["problems"] as? Int, 16)
        var rules: [String: Int] = [:]
        for pair in pairs {
            let rule = try XCTUnwrap(pair["rule"] as? String)
            rules[rule, default: 0] += 1
            XCTAssertNotNil(pair["anchor"] as? String)
            XCTAssertNotNil(pair["positive"] as? String, "no hard negatives here: every pair is a positive one")
            XCTAssertNotNil(pair["evidence"] as? [String: Any])
            for key in ["anchor_id", "positive_id"] {
                if let id = pair[key] as? Int { XCTAssertFalse(held.contains(id), "held-out problem \(id) in a pair") }
            }
            if rule == "skeleton" {
                XCTAssertNotEqual(pair["anchor_id"] as? Int, pair["positive_id"] as? Int)
                XCTAssertNotNil((pair["evidence"] as? [String: Any])?["skeleton"] as? String)
            }
            if rule == "variant" {
                let evidence = try XCTUnwrap(pair["evidence"] as? [String: Any])
                XCTAssertNotNil(evidence["numbers"] as? [[String: String]])
                XCTAssertNotNil(evidence["answer"] as? String)
                XCTAssertNotEqual(pair["anchor"] as? String, pair["positive"] as? String)
            }
        }
        XCTAssertGreaterThan(rules["skeleton"] ?? 0, 0)
        XCTAssertGreaterThan(rules["variant"] ?? 0, 0)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("summary.json"))) as! [String: Any]
        XCTAssertEqual(summary["pairs"] as? [String: Int], ["skeleton": rules["skeleton"]!, "variant": rules["variant"]!, "hard_negative": 0])
        XCTAssertEqual(summary["pool"] as? Int, 13)
        XCTAssertNotNil(summary["seconds"] as? [String: Double])
        XCTAssertTrue(result.stdout.contains("\"malformed_annotations\""), "the summary is printed too")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["config.json", "holdout.json", "pairs.jsonl", "summary.json"], "no temporary file left")

        let again = try mine(train)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("pairs.jsonl"), encoding: .utf8), text, "same seed, same bytes")
        let otherSeed = try mine(train, ["--set", "seed=99"])
        XCTAssertEqual(otherSeed.status, 0, otherSeed.stderr)
        XCTAssertNotEqual(try String(contentsOf: dir.appendingPathComponent("pairs.jsonl"), encoding: .utf8), text)
    }

    func testBadInputIsOneErrorNamingTheFileAndLine() throws {
        let train = try writeTrain()
        var lines = try String(contentsOf: train, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[2] = "{\"question\": \"cut off"
        let broken = scratch.appendingPathComponent("broken-train.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: broken, atomically: true, encoding: .utf8)
        assertOneError(try mine(broken), mentions: ["\(broken.path):3:", "malformed JSON"])

        lines[2] = "{\"question\": \"no answer\"}"
        try (lines.joined(separator: "\n") + "\n").write(to: broken, atomically: true, encoding: .utf8)
        assertOneError(try mine(broken), mentions: ["\(broken.path):3:", "no field 'answer'"])

        let test = scratch.appendingPathComponent("test.jsonl")
        try FileManager.default.copyItem(at: train, to: test)
        assertOneError(try mine(test), mentions: ["GSM8K train only"])
        assertOneError(try mine(train, ["--set", "variants.distractor_rate=2"]), mentions: ["variants.distractor_rate"])
        assertOneError(try mine(train, ["--set", "holdout.size=16"]), mentions: ["holdout.size 16"])
        assertOneError(try mine(train, ["--set", "skeletons.cap=3"]), mentions: ["unknown key 'skeletons.cap'"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("p/pairs.jsonl").path), "nothing written")
    }

    func testShippedConfigLoads() throws {
        let path = Repository.root.appendingPathComponent("configs/pairs-gsm8k.yaml").path
        XCTAssertEqual(try PairMiningConfig.load(path: path, overrides: []), PairMiningConfig(), "the file spells out the defaults")
    }

    func assertOneError(_ run: Run, mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(run.status, 0, file: file, line: line)
        XCTAssertEqual(run.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count, 1, run.stderr, file: file, line: line)
        for text in mentions { XCTAssertTrue(run.stderr.contains(text), "mentions \(text): \(run.stderr)", file: file, line: line) }
    }
}
