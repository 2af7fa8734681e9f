import Foundation
import XCTest
import Encoder
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

    /// configs/encoder-similar.yaml: mined pairs mixed with question → solution pairs, symmetric, GradCache, tuned on
    /// gsm8k-variants-holdout; the data keys it adds are checked by name.
    func testShippedSimilarEncoderConfig() throws {
        let path = Repository.root.appendingPathComponent("configs/encoder-similar.yaml").path
        let config = try EncoderTrainingConfig.load(path: path, overrides: [])
        XCTAssertEqual([config.data.source, config.data.path, config.data.gsm8kDirectory, config.data.evaluateTask],
                       ["pairs", "runs/pairs-gsm8k/pairs.jsonl", "data", "gsm8k-variants-holdout"])
        XCTAssertEqual(config.data.qaRatio, 0.25)
        XCTAssertTrue(config.data.holdout)
        let settings = try config.settings()
        XCTAssertTrue(settings.symmetric)
        XCTAssertEqual(settings.miniBatchSize, 32)
        for (override, mention) in [("data.qa_ratio=-1", "data.qa_ratio"), ("data.evaluate_task=gsm8k-qa", "data.evaluate_task"),
                                    ("data.source=csv", "data.source")] {
            XCTAssertThrowsError(try EncoderTrainingConfig.load(path: path, overrides: [override]).settings(), override) {
                XCTAssertTrue("\($0)".contains(mention), "'\($0)' mentions \(mention)")
            }
        }
        let gsm8k = Repository.root.appendingPathComponent("configs/encoder-gsm8k.yaml").path
        XCTAssertThrowsError(try EncoderTrainingConfig.load(path: gsm8k, overrides: ["data.qa_ratio=0.5"]).settings())
    }

    /// train-encoder's `training:` section is the trainer's own settings type: every field is a key (log_every
    /// included), optionals are `null` until set, and the trainer's checks name the key.
    func testEncoderTrainingSectionIsTheTrainerSettings() throws {
        let path = Repository.root.appendingPathComponent("configs/encoder-gsm8k.yaml").path
        XCTAssertEqual(try EncoderTrainingConfig.load(path: path, overrides: []).training, EncoderTrainingSettings(),
                       "the shipped config spells out the library's defaults")
        let set = try EncoderTrainingConfig.load(path: path, overrides: [
            "training.log_every=5", "training.max_steps=20", "training.mini_batch_size=16", "training.max_grad_norm=null",
            "training.hidden_dropout=0", "training.schedule=cosine"])
        var expected = EncoderTrainingSettings()
        expected.logEvery = 5
        expected.maxSteps = 20
        expected.miniBatchSize = 16
        expected.maxGradNorm = nil
        expected.hiddenDropout = 0
        expected.schedule = .cosine
        XCTAssertEqual(try set.settings(), expected)
        XCTAssertNil(try EncoderTrainingConfig.load(path: nil, overrides: ["training.max_steps=7", "training.max_steps=null"])
            .training.maxSteps, "null unsets an optional again")
        XCTAssertEqual(try EncoderTrainingConfig.load(path: try write("training:\n  log_every: 3\n  max_steps: 9\n"), overrides: [])
            .training.logEvery, 3, "and the YAML file sets what --set sets")

        func rejects(_ overrides: [String], mentioning texts: [String], line: UInt = #line) {
            XCTAssertThrowsError(try EncoderTrainingConfig.load(path: nil, overrides: overrides).settings(), line: line) { error in
                for text in texts { XCTAssertTrue("\(error)".contains(text), "'\(error)' mentions \(text)", line: line) }
            }
        }
        rejects(["training.log_evry=5"], mentioning: ["unknown key 'training.log_evry'", "log_every"])
        rejects(["training.max_steps=many"], mentioning: ["training.max_steps", "--set training.max_steps=many"])
        rejects(["training.schedule=exponential"], mentioning: ["training.schedule", "exponential"])
        rejects(["training.batch_size=1"], mentioning: ["training.batch_size", "at least 2"])
        rejects(["training.eval_every=0"], mentioning: ["training.eval_every", "null"])
    }
}
