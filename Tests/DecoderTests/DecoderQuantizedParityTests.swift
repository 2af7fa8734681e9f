import Foundation
import XCTest
import NN
import Tensor
import TestSupport
@testable import Decoder

/// The proxy decoders with quantised weights against the transformers fixtures of `DecoderParityTests` (computed on
/// the Float32 dequantisation of the same GGUF files): how far the logits move and how many greedy continuations stay
/// token-identical. Where quantising re-rounds weights, continuations eventually diverge at near-ties; the floors
/// below are the measured figures (printed by the tests) less a margin, to catch a broken kernel or layout, not to pin
/// the exact rounding.
final class DecoderQuantizedParityTests: XCTestCase {
    struct Agreement {
        var top1 = 0, positions = 0
        var worstRelative = 0.0
        var identical = 0, prompts = 0
        var divergence: [Int] = []  // first differing position of each non-identical continuation
    }

    func measure(fixture name: String, model file: String, modelName: String, weights: DecoderWeightFormat) throws -> Agreement {
        let fixture = try JSONDecoder().decode(DecoderParityTests.Fixture.self, from: Data(contentsOf: Repository.fixture(name)))
        let model = try DecoderModel.load(gguf: try Repository.model(modelName).appendingPathComponent(file).path, weights: weights)
        var a = Agreement()
        for (p, positions) in fixture.logits.enumerated() {
            let sequence = fixture.prompts[p] + fixture.greedy[p].prefix(3)
            let hidden = model.forward(sequence, layout: PackedSequences(lengths: [sequence.count]))
            let lastRows = Tensor(uninitializedShape: [4, hidden.columns])
            for r in 0..<4 { lastRows.row(r).update(from: hidden.row(fixture.prompts[p].count - 1 + r), count: hidden.columns) }
            let logits = model.logits(lastRows)
            for (r, reference) in positions.enumerated() {
                let row = UnsafeBufferPointer(start: logits.row(r), count: logits.columns)
                let scale = reference.top_values.map(abs).max()!
                for (id, value) in zip(reference.top_ids + fixture.sample_ids, reference.top_values + reference.sample_values) {
                    a.worstRelative = max(a.worstRelative, abs(Double(row[id]) - value) / scale)
                }
                a.positions += 1
                if row.indices.max(by: { row[$0] < row[$1] }) == reference.top_ids[0] { a.top1 += 1 }
            }
        }
        let outputs = TextGenerator(model: model).generate(fixture.prompts.map { .init(prompt: $0, maxNewTokens: 64) })
        for (i, output) in outputs.enumerated() {
            a.prompts += 1
            if output.tokens == fixture.greedy[i] { a.identical += 1; continue }
            a.divergence.append(zip(output.tokens, fixture.greedy[i]).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                                ?? min(output.tokens.count, fixture.greedy[i].count))
        }
        print("\(modelName) \(weights): top-1 \(a.top1)/\(a.positions), worst |Δlogit| / max |logit| \(a.worstRelative), "
              + "\(a.identical)/\(a.prompts) greedy continuations identical at 64 tokens, others diverge at \(a.divergence), "
              + "mean agreement \(meanAgreement(a)) tokens")
        return a
    }

    /// The mean number of leading tokens a continuation shares with the reference (64 when identical).
    func meanAgreement(_ a: Agreement) -> Double {
        Double(a.identical * 64 + a.divergence.reduce(0, +)) / Double(a.prompts)
    }

    // SmolLM2's GGUF holds Q4_1 blocks and a Q8_0 token table, all of them grids that both formats keep exactly
    // (`AffineBlock`): measured 1.2e-6 of max |logit| (the Float32 parity test's 1.3e-6) and 20/20 identical.

    func testSmolLM2Int8() throws {
        let a = try measure(fixture: "decoder_smollm2.json", model: "SmolLM2-135M-Instruct.Q4_1.gguf",
                            modelName: "SmolLM2-135M-Instruct", weights: .int8)
        XCTAssertEqual(a.top1, a.positions)
        XCTAssertLessThanOrEqual(a.worstRelative, 1e-3)
        XCTAssertEqual(a.identical, 20)
    }

    func testSmolLM2Q4() throws {
        let a = try measure(fixture: "decoder_smollm2.json", model: "SmolLM2-135M-Instruct.Q4_1.gguf",
                            modelName: "SmolLM2-135M-Instruct", weights: .q4)
        XCTAssertEqual(a.top1, a.positions)
        XCTAssertLessThanOrEqual(a.worstRelative, 1e-3)
        XCTAssertEqual(a.identical, 20)
    }

    // Qwen's GGUF: Q5_0 and Q8_0 blocks stay exact in int8; its Q6_K tensors (ffn_down) are re-rounded. Measured:
    // 2.5e-3 of max |logit|, top-1 12/12, 18/20 identical (the others diverge at tokens 10 and 37; 19/20 with an
    // earlier kernel summation order — which prompts flip at a near-tie is not stable, hence the floor of 17).
    func testQwenCoderInt8() throws {
        let a = try measure(fixture: "decoder_qwen2.5-coder.json", model: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                            modelName: "Qwen2.5-Coder-0.5B-Instruct", weights: .int8)
        XCTAssertEqual(a.top1, a.positions)
        XCTAssertLessThanOrEqual(a.worstRelative, 0.01)
        XCTAssertGreaterThanOrEqual(a.identical, 17)
    }

    // q4 re-rounds Qwen's 5-bit (Q5_0) blocks to 4 bits: measured 0.13 of max |logit|, top-1 11/12, no
    // continuation identical to 64 tokens but a mean of 20 leading tokens shared (first differences at 1…51).
    func testQwenCoderQ4() throws {
        let a = try measure(fixture: "decoder_qwen2.5-coder.json", model: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                            modelName: "Qwen2.5-Coder-0.5B-Instruct", weights: .q4)
        XCTAssertGreaterThanOrEqual(a.top1, 10)
        XCTAssertLessThanOrEqual(a.worstRelative, 0.25)
        XCTAssertGreaterThanOrEqual(meanAgreement(a), 12)
    }

    // gguf: the files' own blocks, decoded with 8-bit activations and integer dot products (the weights are exactly
    // the reference's; the activation rounding is the only difference). Measured: top-1 12/12, worst logit difference
    // 9.8e-3 (SmolLM2) and 5.3e-3 (Qwen) of max |logit| — the lm_head's 8-bit activations; the prefill products are
    // exact. Greedy continuations: Qwen 17–18/20 identical (issue 17's bar is 15). SmolLM2's count is not a property of
    // the kernels alone: its near-ties flip on the Float32 summation order of OpenBLAS's kernels, which differ per CPU.
    // The same build on one Zen 4 measured 6/20 (mean 36.95 tokens) with OPENBLAS_CORETYPE=Haswell or Zen, 7/20 (36.6,
    // other prompts diverging) with SkylakeX, 7/20 (36.8) with Sandybridge; on a Zen 2 it measured 10/20 (43.7).
    // llama.cpp on the same files and prompts (llama-cpp-python 0.3.36, same 8-bit scheme with f16 scales): Qwen 14/20,
    // SmolLM2 4/20. So SmolLM2's floors sit at llama.cpp's own agreement (4/20) and a mean of 30 tokens: a broken
    // kernel or layout shows in top-1 and the logit bound first, and agreement falls to a few tokens. An exact lm_head
    // does not help SmolLM2 (7/20): its near-ties flip on the blocks' activation rounding. (The 20/20 once recorded
    // here came from decode steps of 20 rows, which took the Float32 prefill path; decode steps now run at most 8
    // rows, so these figures are the decode kernels'.)

    func testSmolLM2GGUF() throws {
        let a = try measure(fixture: "decoder_smollm2.json", model: "SmolLM2-135M-Instruct.Q4_1.gguf",
                            modelName: "SmolLM2-135M-Instruct", weights: .gguf)
        XCTAssertEqual(a.top1, a.positions)
        XCTAssertLessThanOrEqual(a.worstRelative, 0.02)
        XCTAssertGreaterThanOrEqual(a.identical, 4)
        XCTAssertGreaterThanOrEqual(meanAgreement(a), 30)
    }

    func testQwenCoderGGUF() throws {
        let a = try measure(fixture: "decoder_qwen2.5-coder.json", model: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                            modelName: "Qwen2.5-Coder-0.5B-Instruct", weights: .gguf)
        XCTAssertEqual(a.top1, a.positions)
        XCTAssertLessThanOrEqual(a.worstRelative, 0.02)
        XCTAssertGreaterThanOrEqual(a.identical, 15)
    }
}
