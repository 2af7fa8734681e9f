import Foundation
import XCTest
import ModelFormats
import NN
import Tensor
import TestSupport
@testable import Decoder

/// PEFT LoRA adapters merged into a decoder: SmolLM2 with a tiny PEFT-saved adapter against PeftModel's logits
/// (scripts/reference/decoder_lora_fixtures.py), the merge formula on a tiny model, and adapters that cannot be merged.
final class DecoderLoRATests: XCTestCase {
    struct Fixture: Decodable {
        struct Position: Decodable {
            let top_ids: [Int]
            let top_values: [Double]
            let sample_values: [Double]
        }
        let prompt: [Int32]
        let sample_ids: [Int]
        let adapted: [Position]
        let base: [Position]
    }

    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-decoder-lora-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// Largest |logit − reference| over the fixture's ids, relative to each position's largest |logit|.
    func worstDifference(_ model: DecoderModel, _ fixture: Fixture, _ reference: [Fixture.Position]) -> Double {
        let hidden = model.forward(fixture.prompt, layout: PackedSequences(lengths: [fixture.prompt.count]))
        let logits = model.logits(hidden)
        var worst = 0.0
        for (p, position) in reference.enumerated() {
            let row = UnsafeBufferPointer(start: logits.row(p), count: logits.columns)
            let scale = position.top_values.map(abs).max()!
            for (id, value) in zip(position.top_ids + fixture.sample_ids, position.top_values + position.sample_values) {
                worst = max(worst, abs(Double(row[id]) - value) / scale)
            }
        }
        return withExtendedLifetime(logits) { worst }
    }

    func testSmolLM2WithPEFTAdapterMatchesPeftModel() throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Repository.fixture("decoder_lora_smollm2.json")))
        let gguf = try Repository.model("SmolLM2-135M-Instruct").appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf").path
        let model = try DecoderModel.load(gguf: gguf)
        let baseDifference = worstDifference(model, fixture, fixture.adapted)
        let config = try model.mergeLoRA(from: try Repository.adapterFixture("decoder_lora_smollm2"))
        XCTAssertEqual(config.r, 2)
        XCTAssertEqual(config.scaling, 2)
        let merged = worstDifference(model, fixture, fixture.adapted)
        print("SmolLM2 + LoRA: worst logit difference / max |logit| = \(merged) (without the adapter: \(baseDifference))")
        XCTAssertLessThanOrEqual(merged, 1e-3)
        XCTAssertGreaterThan(baseDifference, 20 * 1e-3, "the adapter changes the logits well beyond the tolerance")
    }

    /// With quantised weights the adapter merges into the Float32 weights first, which are then quantised: the merged
    /// projections are off the GGUF grids, so int8 re-rounds them (measured 6.7e-3 of max |logit| from PeftModel's;
    /// the bound leaves 3× room).
    func testAdapterMergesBeforeQuantising() throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Repository.fixture("decoder_lora_smollm2.json")))
        let lm = try LanguageModel.load(path: try Repository.model("SmolLM2-135M-Instruct").path,
                                        adapter: try Repository.adapterFixture("decoder_lora_smollm2"), weights: .int8)
        XCTAssertEqual(lm.model.weightFormat, .int8)
        XCTAssertEqual(lm.adapter?.r, 2)
        let difference = worstDifference(lm.model, fixture, fixture.adapted)
        print("SmolLM2 + LoRA, int8: worst logit difference / max |logit| = \(difference)")
        XCTAssertLessThanOrEqual(difference, 0.02)
    }

    func tinyModel() -> DecoderModel {
        let config = DecoderConfig(modelType: "llama", vocabSize: 11, hiddenSize: 8, intermediateSize: 12, numHiddenLayers: 2,
                                   numAttentionHeads: 2, numKeyValueHeads: 1, tieWordEmbeddings: true)
        let model = DecoderModel(config: config)
        for (i, (_, p)) in model.namedParameters.enumerated() {
            p.value.assign(GradientCheck.random(p.value.shape, scale: 0.5, seed: 40 + UInt64(i)))
        }
        return model
    }

    /// Writes an adapter directory with `tensors` (name → shape, values from a seeded generator).
    static let defaultConfig = #"{"peft_type": "LORA", "r": 2, "lora_alpha": 8, "target_modules": ["q_proj", "down_proj"]}"#

    func writeAdapter(_ tensors: [(String, [Int])], config: String = defaultConfig) throws -> (URL, [String: [Float]]) {
        let directory = scratch.appendingPathComponent("adapter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try config.write(to: directory.appendingPathComponent("adapter_config.json"), atomically: true, encoding: .utf8)
        var writer = SafeTensorsWriter()
        var values: [String: [Float]] = [:]
        for (i, (name, shape)) in tensors.enumerated() {
            values[name] = GradientCheck.random(shape, scale: 0.3, seed: 90 + UInt64(i)).array
            try writer.add(name, shape: shape, values: values[name]!)
        }
        try writer.write(to: directory.appendingPathComponent("adapter_model.safetensors").path)
        return (directory, values)
    }

    /// W ← W + (alpha/r)·B·A for exactly the targeted weights, element by element.
    func testMergeAddsScaledProductToTargetedWeightsOnly() throws {
        let model = tinyModel()
        let before = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.0, $0.1.value.array) })
        let prefix = "base_model.model.model.layers.1."
        let (directory, values) = try writeAdapter([
            (prefix + "self_attn.q_proj.lora_A.weight", [2, 8]), (prefix + "self_attn.q_proj.lora_B.weight", [8, 2]),
            (prefix + "mlp.down_proj.lora_A.weight", [2, 12]), (prefix + "mlp.down_proj.lora_B.weight", [8, 2]),
        ])
        try model.mergeLoRA(from: directory)
        for (name, p) in model.namedParameters {
            let after = p.value.array
            let module = name.replacingOccurrences(of: ".weight", with: "")
            guard let a = values["base_model.model.\(module).lora_A.weight"], let b = values["base_model.model.\(module).lora_B.weight"] else {
                XCTAssertEqual(after, before[name]!, "\(name) untouched")
                continue
            }
            let (out, inFeatures) = (p.value.shape[0], p.value.shape[1])
            for o in 0..<out {
                for i in 0..<inFeatures {
                    let delta = (0..<2).reduce(Float(0)) { $0 + b[o * 2 + $1] * a[$1 * inFeatures + i] }
                    XCTAssertEqual(after[o * inFeatures + i], before[name]![o * inFeatures + i] + 4 * delta, accuracy: 1e-5, name)
                }
            }
        }
    }

    func assertRefused(_ tensors: [(String, [Int])], config: String? = nil, mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let model = tinyModel()
        let before = model.namedParameters.map { $0.1.value.array }
        let (directory, _) = try writeAdapter(tensors, config: config ?? Self.defaultConfig)
        XCTAssertThrowsError(try model.mergeLoRA(from: directory), file: file, line: line) { error in
            XCTAssertFalse("\(error)".contains("\n"), "one line: \(error)", file: file, line: line)
            for text in mentions { XCTAssertTrue("\(error)".contains(text), "'\(error)' mentions \(text)", file: file, line: line) }
        }
        XCTAssertEqual(model.namedParameters.map { $0.1.value.array }, before, "nothing merged", file: file, line: line)
    }

    func testAdaptersThatCannotBeMergedAreRefused() throws {
        let q = "base_model.model.model.layers.0.self_attn.q_proj."
        try assertRefused([("base_model.model.lm_head.lora_A.weight", [2, 8]), ("base_model.model.lm_head.lora_B.weight", [11, 2])],
                          mentions: ["adapter_model.safetensors", "unknown target module 'lm_head'", "q_proj"])
        try assertRefused([(q + "lora_A.weight", [2, 8]), (q + "lora_B.weight", [8, 2]),
                           ("base_model.model.model.layers.7.mlp.up_proj.lora_A.weight", [2, 8]),
                           ("base_model.model.model.layers.7.mlp.up_proj.lora_B.weight", [12, 2])],
                          mentions: ["unknown target module 'model.layers.7.mlp.up_proj'"])
        try assertRefused([(q + "lora_A.weight", [2, 8])], mentions: [q + "lora_B.weight", "missing"])
        try assertRefused([(q + "lora_A.weight", [2, 9]), (q + "lora_B.weight", [8, 2])], mentions: ["do not fit"])
        try assertRefused([(q + "lora_A.weight", [3, 8]), (q + "lora_B.weight", [8, 3])], mentions: ["rank 3", "r = 2"])
        try assertRefused([("base_model.model.model.embed_tokens.lora_embedding_A", [2, 11])], mentions: ["not a LoRA matrix"])
        try assertRefused([(q + "lora_A.weight", [2, 8]), (q + "lora_B.weight", [8, 2])],
                          config: #"{"peft_type": "LORA", "r": 2, "lora_alpha": 8, "target_modules": ["q_proj"], "use_dora": true}"#,
                          mentions: ["adapter_config.json", "DoRA"])
        try assertRefused([(q + "lora_A.weight", [2, 8]), (q + "lora_B.weight", [8, 2])],
                          config: #"{"peft_type": "LORA", "r": 2, "target_modules": ["q_proj"], "modules_to_save": ["lm_head"]}"#,
                          mentions: ["modules_to_save"])
        try assertRefused([(q + "lora_A.weight", [2, 8]), (q + "lora_B.weight", [8, 2])],
                          config: #"{"peft_type": "IA3", "target_modules": ["q_proj"]}"#, mentions: ["adapter_config.json"])
        let missing = scratch.appendingPathComponent("no-adapter")
        XCTAssertThrowsError(try tinyModel().mergeLoRA(from: missing)) {
            XCTAssertTrue("\($0)".contains(missing.appendingPathComponent("adapter_config.json").path), "\($0)")
        }
    }
}
