import Foundation
import XCTest
import TestSupport

/// `exemplar train-decoder` and `export sft` on SmolLM2 through the binary: a short run writes its run directory and
/// resumes; bad input is one error line naming the file, and the finished adapter of an earlier run is never touched.
final class TrainDecoderCLITests: XCTestCase, RunsExemplar {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-sft-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func arguments(_ extra: [String]) throws -> [String] {
        ["train-decoder", "--config", Repository.root.appendingPathComponent("configs/sft-gsm8k.yaml").path,
         "--set", "model=\(try Repository.model("SmolLM2-135M-Instruct").path)",
         "--set", "data.train=\(try Repository.data("gsm8k/train.jsonl").path)",
         "--set", "output_dir=\(scratch.path)", "--set", "data.limit=8", "--set", "data.validation_size=2",
         "--set", "training.batch_size=2", "--set", "training.gradient_accumulation_steps=1",
         "--set", "training.max_steps=2", "--set", "training.eval_every=2", "--set", "training.checkpoint_every=1"] + extra
    }

    func assertOneError(_ run: Run, mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(run.status, 0, file: file, line: line)
        XCTAssertEqual(run.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count, 1, run.stderr, file: file, line: line)
        for text in mentions { XCTAssertTrue(run.stderr.contains(text), "mentions \(text): \(run.stderr)", file: file, line: line) }
    }

    func testShortRunWritesTheRunDirectoryAndExportsTheRecipe() throws {
        let result = try run(try arguments(["--set", "name=ok"]))
        XCTAssertEqual(result.status, 0, result.stderr)
        let dir = scratch.appendingPathComponent("ok")
        for name in ["metrics.jsonl", "eval.jsonl", "loss.svg", "summary.json", "config.json",
                     "adapter/adapter_config.json", "adapter/adapter_model.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), name)
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("summary.json"))) as! [String: Any]
        XCTAssertEqual(summary["steps"] as? Int, 2)
        XCTAssertEqual(summary["train_examples"] as? Int, 8)
        XCTAssertNotNil(summary["val_loss"])
        XCTAssertTrue(result.stderr.contains("ETA"), "a progress line with the ETA")

        let out = scratch.appendingPathComponent("trl")
        var export = try arguments(["--set", "name=ok"])
        export[0] = "export"
        export.insert("sft", at: 1)
        let exported = try run(export + ["--format", "trl", "--out", out.path])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let rows = try String(contentsOf: out.appendingPathComponent("train.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 4, "2 steps of 2 examples, in train-decoder's order")
        let row = try JSONSerialization.jsonObject(with: Data(rows[0].utf8)) as! [String: Any]
        XCTAssertEqual((row["input_ids"] as! [Int]).count, (row["completion_mask"] as! [Int]).count)
        XCTAssertTrue((row["completion"] as! String).hasSuffix("<|im_end|>\n"))
        for name in ["sft_config.json", "lora_config.json", "train_sft.py", "launch.sh", "accelerate_ddp.yaml",
                     "accelerate_zero2.yaml", "deepspeed_zero2.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
    }

    func testModelWithoutChatTemplateIsRefused() throws {
        let source = try Repository.model("SmolLM2-135M-Instruct")
        let model = scratch.appendingPathComponent("no-template")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: model.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf"),
                                                   withDestinationURL: source.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("tokenizer.json"), to: model.appendingPathComponent("tokenizer.json"))
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("tokenizer_config.json"))) as! [String: Any]
        config["chat_template"] = nil
        try JSONSerialization.data(withJSONObject: config).write(to: model.appendingPathComponent("tokenizer_config.json"))
        let result = try run(try arguments(["--set", "name=t", "--set", "model=\(model.path)"]))
        assertOneError(result, mentions: ["tokenizer_config.json", "no chat template"])
    }

    func testOverlongExamplesRefusedAndMalformedData() throws {
        let refused = try run(try arguments(["--set", "name=r", "--set", "training.max_length=120", "--set", "training.overlong=refuse"]))
        assertOneError(refused, mentions: ["train.jsonl: line", "max_length 120"])

        let data = scratch.appendingPathComponent("bad.jsonl")
        try "{\"question\": \"q\", \"answer\": \"a #### 1\"}\n{\"question\": \"q\"\n".write(to: data, atomically: true, encoding: .utf8)
        let malformed = try run(try arguments(["--set", "name=m", "--set", "data.train=\(data.path)", "--set", "data.validation_size=0"]))
        assertOneError(malformed, mentions: [data.path])
    }

    /// An adapter made for another base model (Qwen's shapes) as init_adapter: an error naming the adapter file and
    /// tensor; a resume against a corrupt checkpoint: an error naming it — and the finished adapter stays as it was.
    func testAdapterForAnotherModelAndCorruptCheckpoint() throws {
        let qwenAdapter = try Repository.adapterFixture("sft_qwen2.5-coder")
        let other = try run(try arguments(["--set", "name=a", "--set", "init_adapter=\(qwenAdapter.path)",
                                           "--set", "lora.r=2", "--set", "lora.alpha=4"]))
        assertOneError(other, mentions: ["adapter_model.safetensors", "shape"])

        XCTAssertEqual(try run(try arguments(["--set", "name=c"])).status, 0)
        let dir = scratch.appendingPathComponent("c")
        let adapter = try Data(contentsOf: dir.appendingPathComponent("adapter/adapter_model.safetensors"))
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("checkpoints").path).sorted()
        let state = dir.appendingPathComponent("checkpoints/\(checkpoints.last!)/trainer_state.json")
        try Data("{".utf8).write(to: state)
        let resumed = try run(try arguments(["--set", "name=c", "--resume"]))
        assertOneError(resumed, mentions: ["trainer_state.json", "corrupt"])
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("adapter/adapter_model.safetensors")), adapter)
    }
}
