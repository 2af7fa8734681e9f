import Foundation
import XCTest
import Retrieval
import TestSupport
@testable import ExemplarCLI

/// Run configs: YAML file, then `--set` overrides; unknown keys and wrong types are errors naming their source.
final class RunConfigTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func write(_ yaml: String) throws -> String {
        let url = scratch.appendingPathComponent("c.yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func assertError(_ path: String?, _ overrides: [String], mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try IndexBuildConfig.load(path: path, overrides: overrides), file: file, line: line) { error in
            for text in mentions { XCTAssertTrue("\(error)".contains(text), "'\(error)' mentions \(text)", file: file, line: line) }
        }
    }

    func testShippedGSM8KConfig() throws {
        let path = Repository.root.appendingPathComponent("configs/index-gsm8k.yaml").path
        let config = try IndexBuildConfig.load(path: path, overrides: [])
        var expected = IndexBuildConfig()
        expected.name = "gsm8k-train"
        XCTAssertEqual(config, expected)
        XCTAssertNoThrow(try config.validate(origin: path))
    }

    func testOverridesApplyInOrderIncludingNestedKeys() throws {
        let path = try write("name: a\nfactory: HNSW32\nrecall:\n  count: 7\n")
        let config = try IndexBuildConfig.load(path: path, overrides: [
            "factory=IVF256,PQ32", "recall.count=100", "embed=question+solution", "metric=l2", "recall.queries=",
            "name=b", "name=c", "batch_size=64",
        ])
        XCTAssertEqual(config.factory, "IVF256,PQ32")
        XCTAssertEqual(config.recall.count, 100)
        XCTAssertEqual(config.recall.queries, "")
        XCTAssertEqual(config.recall.k, 10, "untouched nested key keeps its default")
        XCTAssertEqual(config.embed, .questionAndSolution)
        XCTAssertEqual(config.metric, .l2)
        XCTAssertEqual(config.name, "c")
        XCTAssertEqual(config.batchSize, 64)
        XCTAssertEqual(config.corpus, "data/gsm8k/train.jsonl", "defaults fill keys the file leaves out")

        let noFile = try IndexBuildConfig.load(path: nil, overrides: ["name=x", "recall={count: 3, k: 2}"])
        XCTAssertEqual(noFile.recall.count, 3)
        XCTAssertEqual(noFile.recall.k, 2)
        XCTAssertEqual(noFile.recall.field, "question")
    }

    func testUnknownKeysAreErrors() throws {
        let path = try write("name: a\nfactroy: HNSW32\n")
        assertError(path, [], mentions: [path, "unknown key 'factroy'", "factory"])
        let good = try write("name: a\n")
        assertError(good, ["recall.bogus=1"], mentions: ["--set recall.bogus=1", "unknown key 'recall.bogus'", "queries"])
        assertError(good, ["nope=1"], mentions: ["--set nope=1", "unknown key 'nope'"])
        assertError(good, ["name.sub=1"], mentions: ["--set name.sub=1", "'name' is a single value"])
        let nested = try write("recall:\n  count: 5\n  extra: 1\n")
        assertError(nested, [], mentions: [nested, "unknown key 'recall.extra'"])
    }

    func testWrongTypesAndMalformedOverridesAreErrors() throws {
        let path = try write("name: a\n")
        assertError(path, ["batch_size=abc"], mentions: ["--set batch_size=abc", "batch_size"])
        assertError(path, ["embed=answer"], mentions: ["--set embed=answer", "embed"])
        assertError(path, ["recall=5"], mentions: ["--set recall=5", "'recall' must be a mapping"])
        assertError(path, ["factory"], mentions: ["--set factory", "key=value"])
        let bad = try write("batch_size: [1, 2]\n")
        assertError(bad, [], mentions: [bad, "batch_size"])
        let invalid = try write("name: [unclosed\n")
        assertError(invalid, [], mentions: [invalid, "invalid YAML"])
        assertError(scratch.appendingPathComponent("missing.yaml").path, [], mentions: ["missing.yaml", "cannot read"])
    }

    func testValidation() throws {
        XCTAssertThrowsError(try IndexBuildConfig().validate(origin: "c.yaml")) { XCTAssertTrue("\($0)".contains("c.yaml: name is required"), "\($0)") }
        var config = IndexBuildConfig()
        config.name = "has space"
        XCTAssertThrowsError(try config.validate(origin: "c.yaml")) { XCTAssertTrue("\($0)".contains("has space"), "\($0)") }
        config.name = "ok"
        config.batchSize = 0
        XCTAssertThrowsError(try config.validate(origin: "c.yaml")) { XCTAssertTrue("\($0)".contains("batch_size"), "\($0)") }
    }
}
