import Foundation
import XCTest
import NN
import Tensor
import TestSupport
@testable import Decoder

/// The proxy decoders, loaded from their GGUF files, against transformers on the same dequantised weights
/// (scripts/reference/decoder_fixtures.py): logits at the prompt's last position and the first 3 generated
/// positions within 1e-3 of the position's largest |logit|, and 64 greedy tokens identical for 20 GSM8K prompts.
final class DecoderParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct Position: Decodable {
            let top_ids: [Int]
            let top_values: [Double]
            let norm: Double
            let sample_values: [Double]
        }
        let sample_ids: [Int]
        let prompts: [[Int32]]
        let greedy: [[Int32]]
        let logits: [[Position]]
    }

    func check(fixture name: String, model file: String, modelName: String) throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Repository.fixture(name)))
        let model = try DecoderModel.load(gguf: try Repository.model(modelName).appendingPathComponent(file).path)

        var worst = 0.0
        for (p, positions) in fixture.logits.enumerated() {
            let sequence = fixture.prompts[p] + fixture.greedy[p].prefix(3)
            let hidden = model.forward(sequence, layout: PackedSequences(lengths: [sequence.count]))
            let lastRows = Tensor(uninitializedShape: [4, hidden.columns])
            for r in 0..<4 {
                lastRows.row(r).update(from: hidden.row(fixture.prompts[p].count - 1 + r), count: hidden.columns)
            }
            let logits = model.logits(lastRows)
            for (r, reference) in positions.enumerated() {
                let row = UnsafeBufferPointer(start: logits.row(r), count: logits.columns)
                let scale = reference.top_values.map(abs).max()!
                for (id, value) in zip(reference.top_ids + fixture.sample_ids, reference.top_values + reference.sample_values) {
                    worst = max(worst, abs(Double(row[id]) - value) / scale)
                }
            }
        }
        print("\(modelName): worst logit difference / max |logit| = \(worst)")
        XCTAssertLessThanOrEqual(worst, 1e-3)

        let generator = TextGenerator(model: model)
        let outputs = generator.generate(fixture.prompts.map { .init(prompt: $0, maxNewTokens: 64) })
        var identical = 0
        for (i, output) in outputs.enumerated() {
            if output.tokens == fixture.greedy[i] { identical += 1 } else {
                let first = zip(output.tokens, fixture.greedy[i]).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                XCTFail("\(modelName) prompt \(i): greedy tokens differ from position \(first.map(String.init) ?? "end")")
            }
        }
        print("\(modelName): \(identical)/\(outputs.count) greedy continuations identical")
    }

    func testSmolLM2MatchesTransformers() throws {
        try check(fixture: "decoder_smollm2.json", model: "SmolLM2-135M-Instruct.Q4_1.gguf", modelName: "SmolLM2-135M-Instruct")
    }
}

extension DecoderParityTests {
    func testQwenCoderMatchesTransformers() throws {
        try check(fixture: "decoder_qwen2.5-coder.json", model: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                  modelName: "Qwen2.5-Coder-0.5B-Instruct")
    }
}
