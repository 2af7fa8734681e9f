import Foundation
import XCTest
import ModelFormats
import Retrieval
import TestSupport
@testable import ExemplarCLI

/// `exemplar eval gsm8k` end to end with SmolLM2 on a couple of questions and a few new tokens: retrieved shots from
/// a tiny MiniLM index built here (holding two test questions, which must never be their own shots), fixed and
/// random shots, resuming, refusing changed settings, and one-line errors naming the file at fault.
final class EvalGSM8KCLITests: XCTestCase, RunsExemplar {
    var scratch: URL!
    var indexDir: URL { scratch.appendingPathComponent("indexes") }

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-gsm8k-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// The first three GSM8K test problems (question, answer).
    func firstTestProblems() throws -> [[String: Any]] {
        try lines(try Repository.data("gsm8k/test.jsonl").path).prefix(3).map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// Index "tiny": the first 30 train problems, then test problems 0 and 1 (documents 30 and 31).
    func buildTinyIndex() throws {
        let train = try lines(try Repository.data("gsm8k/train.jsonl").path).prefix(30)
        let test = try lines(try Repository.data("gsm8k/test.jsonl").path).prefix(2)
        let corpus = scratch.appendingPathComponent("corpus.jsonl")
        try (train + test).joined(separator: "\n").write(to: corpus, atomically: true, encoding: .utf8)
        let config = scratch.appendingPathComponent("index.yaml")
        try "name: tiny\ncorpus: \(corpus.path)\nmodel: \(try Repository.model("all-MiniLM-L6-v2").path)\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let built = try run(["index", "build", "--config", config.path, "--index-dir", indexDir.path])
        XCTAssertEqual(built.status, 0, built.stderr)
    }

    var smolLM: String { get throws { try Repository.model("SmolLM2-135M-Instruct").path } }

    func eval(_ out: String, _ extra: [String]) throws -> Run {
        try run(["eval", "gsm8k", "--model", try smolLM, "--max-new-tokens", "6", "--out", out] + extra)
    }

    func predictions(_ out: String) throws -> [[String: Any]] {
        try lines(out + "/predictions.jsonl").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    func testRetrievedShotsResumeAndSummary() throws {
        try buildTinyIndex()
        let out = scratch.appendingPathComponent("retrieved").path
        let retrieved = ["--shots", "2", "--shot-selection", "retrieved", "--index", "tiny", "--index-dir", indexDir.path, "--batch-size", "2"]
        let first = try eval(out, ["--limit", "2"] + retrieved)
        XCTAssertEqual(first.status, 0, first.stderr)
        let questions = try firstTestProblems()
        let records = try predictions(out)
        XCTAssertEqual(records.map { $0["index"] as? Int }, [0, 1])
        for (i, record) in records.enumerated() {
            let question = questions[i]["question"] as! String
            XCTAssertEqual(record["question"] as? String, question)
            // The nearest documents by `exemplar search`, without the question itself (document 30 + i), nearest last.
            let search = try run(["search", "--index", "tiny", "--index-dir", indexDir.path, "-k", "3", "--json", question])
            let hits = (try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as! [String: Any])["results"] as! [[String: Any]]
            XCTAssertEqual(hits[0]["id"] as? Int, 30 + i, "the test question is its own nearest document")
            let expected = hits.compactMap { $0["id"] as? Int }.filter { $0 != 30 + i }.prefix(2).reversed()
            XCTAssertEqual(record["shot_ids"] as? [Int], Array(expected))
            // In the prompt: the shots in that order, then the question.
            let prompt = record["prompt"] as! String
            let shotQuestions = hits.filter { ($0["id"] as? Int) != 30 + i }.prefix(2).reversed().map { $0["question"] as! String }
            let positions = (shotQuestions + [question]).map { prompt.range(of: "Problem: " + $0)?.lowerBound }
            XCTAssertFalse(positions.contains(nil), prompt)
            XCTAssertEqual(positions.compactMap { $0 }, positions.compactMap { $0 }.sorted(), "shots in order, the question last")
            XCTAssertTrue(prompt.hasSuffix("<|im_start|>assistant\n"), "SmolLM2 has a chat template: chat format")
            XCTAssertEqual(record["gold"] as? String, (questions[i]["answer"] as! String).components(separatedBy: "#### ").last)
            XCTAssertLessThanOrEqual(record["new_tokens"] as! Int, 6)
            XCTAssertEqual(Set((record["extracted"] as! [String: String]).keys), ["strict-match", "flexible-extract", "boxed"])
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        XCTAssertEqual(summary["n"] as? Int, 2)
        XCTAssertEqual(summary["setting"] as? String, "retrieved 2-shot (tiny), chat, gguf weights")
        XCTAssertEqual(Set((summary["accuracy"] as! [String: Double]).keys), ["strict-match", "flexible-extract", "boxed"])
        XCTAssertGreaterThan(summary["wall_seconds"] as! Double, 0)
        XCTAssertTrue(first.stdout.contains("| setting | model | n | strict-match | flexible-extract | boxed | wall time | tokens/s |"), first.stdout)
        XCTAssertEqual(first.stdout, try String(contentsOfFile: out + "/summary.md", encoding: .utf8))
        XCTAssertTrue(first.stderr.contains("gsm8k 2/2 | strict-match"), first.stderr)
        let settings = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/run.json"))) as! [String: Any]
        XCTAssertEqual(settings["index"] as? String, "tiny")
        XCTAssertEqual(settings["index_documents"] as? Int, 32)

        // A larger --limit does only the new question; the finished lines stay as they were.
        let before = try lines(out + "/predictions.jsonl")
        let more = try eval(out, ["--limit", "3"] + retrieved)
        XCTAssertEqual(more.status, 0, more.stderr)
        XCTAssertTrue(more.stderr.contains("2 of 3 questions done, 1 to go"), more.stderr)
        let after = try lines(out + "/predictions.jsonl")
        XCTAssertEqual(Array(after.prefix(2)), before)
        XCTAssertEqual(try predictions(out).map { $0["index"] as? Int }, [0, 1, 2])
        XCTAssertFalse((try predictions(out)[2]["shot_ids"] as! [Int]).isEmpty)

        // Nothing left: no model load, the summary is rewritten.
        let done = try eval(out, ["--limit", "3"] + retrieved)
        XCTAssertEqual(done.status, 0, done.stderr)
        XCTAssertTrue(done.stderr.contains("3 of 3 questions done, 0 to go"), done.stderr)
        XCTAssertFalse(done.stderr.contains("loaded"), done.stderr)
        XCTAssertTrue(done.stdout.contains("| retrieved 2-shot (tiny), chat, gguf weights | SmolLM2-135M-Instruct | 3 |"), done.stdout)

        // Other settings in the same directory are refused, naming run.json and what changed.
        let changed = try eval(out, ["--limit", "3", "--shots", "1", "--shot-selection", "retrieved", "--index", "tiny",
                                     "--index-dir", indexDir.path])
        XCTAssertNotEqual(changed.status, 0)
        XCTAssertEqual(changed.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count, 1, changed.stderr)
        XCTAssertTrue(changed.stderr.contains(out + "/run.json") && changed.stderr.contains("shots: 2 → 1"), changed.stderr)
        XCTAssertEqual(try lines(out + "/predictions.jsonl"), after, "nothing written")
    }

    func testFixedAndRandomShots() throws {
        let fixed = scratch.appendingPathComponent("fixed").path
        let plain = try eval(fixed, ["--limit", "1", "--shots", "3", "--shot-selection", "fixed", "--prompt-format", "plain",
                                     "--max-new-tokens", "4"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let record = try predictions(fixed)[0]
        XCTAssertEqual(record["shot_ids"] as? [Int], [0, 1, 2], "the first 3 train problems")
        let train0 = try JSONSerialization.jsonObject(with: Data(try lines(try Repository.data("gsm8k/train.jsonl").path)[0].utf8)) as! [String: Any]
        let prompt = record["prompt"] as! String
        XCTAssertTrue(prompt.hasPrefix("Question: \(train0["question"] as! String)\nAnswer: "), prompt)
        XCTAssertTrue(prompt.hasSuffix("Question: \(try firstTestProblems()[0]["question"] as! String)\nAnswer:"), prompt)

        func randomShots(_ name: String, seed: Int) throws -> [Int] {
            let out = scratch.appendingPathComponent(name).path
            let result = try eval(out, ["--limit", "1", "--shots", "2", "--shot-selection", "random", "--seed", "\(seed)",
                                        "--max-new-tokens", "1"])
            XCTAssertEqual(result.status, 0, result.stderr)
            return try predictions(out)[0]["shot_ids"] as! [Int]
        }
        let a = try randomShots("random-a", seed: 5), b = try randomShots("random-b", seed: 5), c = try randomShots("random-c", seed: 6)
        XCTAssertEqual(a.count, 2)
        XCTAssertEqual(a, b, "same seed, same shots")
        XCTAssertNotEqual(a, c)
    }

    /// A PEFT adapter is merged at load and recorded (path and weights hash) in run.json.
    func testAdapterIsMergedAndRecorded() throws {
        let adapter = try Repository.adapterFixture("decoder_lora_smollm2").path
        let out = scratch.appendingPathComponent("adapter").path
        let result = try eval(out, ["--limit", "1", "--shots", "0", "--max-new-tokens", "2", "--adapter", adapter])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("+ adapter \(adapter)"), result.stderr)
        let settings = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/run.json"))) as! [String: Any]
        XCTAssertEqual(settings["adapter"] as? String, adapter)
        XCTAssertEqual(settings["adapter_sha256"] as? String,
                       try SHA256.hex(ofFile: adapter + "/adapter_model.safetensors"))
        XCTAssertTrue(result.stdout.contains("SmolLM2-135M-Instruct + decoder_lora_smollm2"), result.stdout)
    }

    /// A quantised decoder's format is recorded in run.json and the summary (f32 runs record nothing, as before
    /// formats existed), the default on a GGUF file is gguf, and a run continues only in the same format. SmolLM2's weights are all on GGUF grids that
    /// int8 keeps exactly, so its greedy output equals the Float32 run's.
    func testWeightFormatIsRecorded() throws {
        let out = scratch.appendingPathComponent("int8").path, reference = scratch.appendingPathComponent("f32").path
        let quantised = try eval(out, ["--limit", "1", "--shots", "0", "--weights", "int8"])
        XCTAssertEqual(quantised.status, 0, quantised.stderr)
        XCTAssertTrue(quantised.stderr.contains("(int8 weights)"), quantised.stderr)
        let settings = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/run.json"))) as! [String: Any]
        XCTAssertEqual(settings["weights"] as? String, "int8")
        XCTAssertTrue(quantised.stdout.contains("| 0-shot, chat, int8 weights |"), quantised.stdout)

        let float = try eval(reference, ["--limit", "1", "--shots", "0", "--weights", "f32"])
        XCTAssertEqual(float.status, 0, float.stderr)
        let floatSettings = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reference + "/run.json"))) as! [String: Any]
        XCTAssertNil(floatSettings["weights"])
        XCTAssertEqual(try predictions(out)[0]["output"] as? String, try predictions(reference)[0]["output"] as? String)

        // Without --weights a GGUF model decodes on the file's own blocks, and the run says so.
        let auto = try eval(scratch.appendingPathComponent("auto").path, ["--limit", "1", "--shots", "0"])
        XCTAssertEqual(auto.status, 0, auto.stderr)
        XCTAssertTrue(auto.stderr.contains("(gguf weights)"), auto.stderr)
        XCTAssertTrue(auto.stdout.contains("| 0-shot, chat, gguf weights |"), auto.stdout)

        let mixed = try eval(out, ["--limit", "2", "--shots", "0", "--weights", "q4"])
        XCTAssertNotEqual(mixed.status, 0)
        XCTAssertTrue(mixed.stderr.contains("weights: \"int8\" → \"q4\""), mixed.stderr)
    }

    func assertOneLineError(_ result: Run, mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(result.status, 0, "exit status", file: file, line: line)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errors.count, 1, "one error line in: \(result.stderr)", file: file, line: line)
        for text in mentions { XCTAssertTrue(result.stderr.contains(text), "mentions \(text): \(result.stderr)", file: file, line: line) }
    }

    func testBadInputsAreOneLineErrorsNamingTheFile() throws {
        let out = scratch.appendingPathComponent("bad").path
        let missingTest = scratch.appendingPathComponent("missing.jsonl").path
        assertOneLineError(try eval(out, ["--set", "test_data=\(missingTest)"]), mentions: [missingTest, "not found"])

        let malformed = scratch.appendingPathComponent("malformed.jsonl")
        try "{\"question\": \"a\", \"answer\": \"#### 1\"}\n{\"question\": \"b\"\n".write(to: malformed, atomically: true, encoding: .utf8)
        assertOneLineError(try eval(out, ["--set", "test_data=\(malformed.path)"]), mentions: ["\(malformed.path):2:"])
        let noAnswer = scratch.appendingPathComponent("no-answer.jsonl")
        try "{\"question\": \"a\"}\n".write(to: noAnswer, atomically: true, encoding: .utf8)
        assertOneLineError(try eval(out, ["--set", "test_data=\(noAnswer.path)"]), mentions: ["\(noAnswer.path):1:", "answer"])

        let missingModel = scratch.appendingPathComponent("no-model").path
        assertOneLineError(try run(["eval", "gsm8k", "--model", missingModel, "--out", out]), mentions: [missingModel])
        assertOneLineError(try eval(out, ["--shot-selection", "retrieved", "--index", "absent", "--index-dir", indexDir.path]),
                           mentions: ["absent.sqlite"])
        let missingAdapter = scratch.appendingPathComponent("no-adapter").path
        assertOneLineError(try eval(out, ["--adapter", missingAdapter]), mentions: [missingAdapter + "/adapter_model.safetensors"])
        let config = scratch.appendingPathComponent("eval.yaml")
        try "shots: 2\nshot_selectoin: random\n".write(to: config, atomically: true, encoding: .utf8)
        assertOneLineError(try eval(out, ["--config", config.path]), mentions: [config.path, "unknown key 'shot_selectoin'"])
        assertOneLineError(try run(["eval", "gsm8k", "--out", out]), mentions: ["model is required"])

        // A damaged run directory: run.json, or a bad line before the last of predictions.jsonl.
        let damaged = scratch.appendingPathComponent("damaged")
        try FileManager.default.createDirectory(at: damaged, withIntermediateDirectories: true)
        try "{".write(to: damaged.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
        assertOneLineError(try eval(damaged.path, ["--limit", "1", "--shots", "0"]), mentions: [damaged.path + "/run.json"])
        try FileManager.default.removeItem(at: damaged.appendingPathComponent("run.json"))
        try "oops\n{}\n".write(to: damaged.appendingPathComponent("predictions.jsonl"), atomically: true, encoding: .utf8)
        assertOneLineError(try eval(damaged.path, ["--limit", "1", "--shots", "0"]), mentions: [damaged.path + "/predictions.jsonl:1:"])
    }

    /// The shipped config parses, says what the issue's retrieved 4-shot run is, and every key can be overridden.
    func testShippedConfig() throws {
        let path = Repository.root.appendingPathComponent("configs/eval-gsm8k.yaml").path
        let config = try EvalGSM8KConfig.load(path: path, overrides: ["limit=20", "prompt_format=plain", "out=runs/x"])
        XCTAssertEqual(config.model, "models/Qwen2.5-Coder-0.5B-Instruct")
        XCTAssertEqual(config.shots, 4)
        XCTAssertEqual(config.shotSelection, .retrieved)
        XCTAssertEqual(config.index, "gsm8k-train")
        XCTAssertEqual(config.maxNewTokens, 320)
        XCTAssertEqual(config.batchSize, 8)
        XCTAssertEqual(config.limit, 20)
        XCTAssertEqual(config.promptFormat, .plain)
        XCTAssertEqual(config.outputDirectory, "runs/x")
        XCTAssertNoThrow(try config.validate(origin: path))
        var unnamed = config
        unnamed.out = ""
        XCTAssertEqual(unnamed.outputDirectory, "runs/gsm8k/Qwen2.5-Coder-0.5B-Instruct-retrieved-4shot")
        XCTAssertEqual(config.weights, .auto)
        unnamed.weights = .int8
        XCTAssertEqual(unnamed.outputDirectory, "runs/gsm8k/Qwen2.5-Coder-0.5B-Instruct-int8-retrieved-4shot")
        // Every field of the struct is in the file, so the file documents them all.
        let yamlKeys = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") && $0.contains(":") }.map { String($0.split(separator: ":")[0]) }
        let fields = try JSONSerialization.jsonObject(with: JSONEncoder().encode(EvalGSM8KConfig())) as! [String: Any]
        XCTAssertEqual(Set(yamlKeys), Set(fields.keys))
        XCTAssertThrowsError(try EvalGSM8KConfig.load(path: path, overrides: ["shot_selection=nearest"])) {
            XCTAssertTrue("\($0)".contains("shot_selection"), "\($0)")
        }
    }
}
