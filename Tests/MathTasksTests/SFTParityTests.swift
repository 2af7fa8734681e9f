import Foundation
import XCTest
@testable import Decoder
import MathTasks
import ModelFormats
import NN
import Retrieval
import Tensor
import TestSupport
import Training

/// Decoder SFT against transformers + PEFT (scripts/reference/sft_fixtures.py) on the real proxy models: the rendered
/// prompt/completion token ids of 40 GSM8K train problems, the completion-only loss and every LoRA gradient of one
/// accumulated step (two micro-batches of two), and — on SmolLM2 — the losses of 10 AdamW steps.
final class SFTParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct Example: Decodable { let prompt: [Int32]; let completion: [Int32] }
        struct Gradient: Decodable { let name: String; let shape: [Int]; let base64: String }
        struct Steps: Decodable {
            let batch_size: Int, gradient_accumulation_steps: Int, learning_rate: Float, max_grad_norm: Float, seed: UInt64
        }
        let examples: [Example]
        let loss: Double
        let completion_tokens: Int
        let gradients: [Gradient]
        let step_losses: [Double]?
        let steps: Steps?
    }

    var directories: [URL] = []
    override func tearDown() { for d in directories { try? FileManager.default.removeItem(at: d) } }

    func check(model name: String, fixture fixtureName: String) throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Repository.fixture("\(fixtureName).json")))
        let language = try LanguageModel.load(path: try Repository.model(name).path, weights: .f32)

        // The same text and ids as TRL's conversational prompt-completion tokenisation.
        let problems = Array(try GSM8KProblem.load(try Repository.data("gsm8k/train.jsonl")).prefix(fixture.examples.count))
        let template = try language.chatTemplate()
        let examples = try problems.map {
            try GSM8KSFTData.tokenize(try GSM8KSFTData.render($0, chatTemplate: template), model: language, source: "train", line: $0.line + 1)
        }
        for (i, (ours, reference)) in zip(examples, fixture.examples).enumerated() {
            XCTAssertEqual(ours.prompt, reference.prompt, "\(name) example \(i): prompt ids")
            XCTAssertEqual(ours.completion, reference.completion, "\(name) example \(i): completion ids")
        }

        let model = language.model
        try LoRAAdapter.load(into: model, from: try Repository.adapterFixture(fixtureName))
        var settings = SFTTrainingSettings()
        if let s = fixture.steps {
            settings.batchSize = s.batch_size
            settings.gradientAccumulationSteps = s.gradient_accumulation_steps
            settings.learningRate = s.learning_rate
            settings.maxGradNorm = s.max_grad_norm
            settings.seed = s.seed
            settings.maxSteps = fixture.step_losses!.count
        }
        settings.schedule = .constant
        settings.warmupRatio = 0
        settings.evalEvery = nil
        let config = try LoRAConfig.load(directory: try Repository.adapterFixture(fixtureName))
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("sft-parity-\(UUID().uuidString)")
        directories.append(run)
        let trainer = try SFTTrainer(model: model, loraConfig: config, settings: settings, examples: examples,
                                     validation: [], runDirectory: run)

        // One step of examples 0-3 in two micro-batches, normalised by all their completion tokens.
        let tokens = examples.prefix(4).reduce(0) { $0 + $1.completion.count }
        XCTAssertEqual(tokens, fixture.completion_tokens)
        for (_, p) in model.trainableParameters { p.zeroGrad() }
        var lossSum = 0.0
        for batch in [[0, 1], [2, 3]] {
            lossSum += try trainer.lossAndGradients(batch, globalBatch: 0, normalizer: Float(tokens)).lossSum
        }
        let loss = lossSum / Double(tokens)
        print("\(name): SFT loss \(loss) vs PEFT \(fixture.loss) (relative \(abs(loss - fixture.loss) / fixture.loss))")
        XCTAssertEqual(loss, fixture.loss, accuracy: 1e-4 * fixture.loss, "\(name): loss within 1e-4 relative")
        let ours = Dictionary(uniqueKeysWithValues: model.trainableParameters)
        XCTAssertEqual(ours.count, fixture.gradients.count, "\(name): one gradient per LoRA matrix")
        var worst = 0.0
        for g in fixture.gradients {
            let key = String(g.name.dropFirst(PEFTAdapterFiles.tensorPrefix.count))
            guard let p = ours[key] else { XCTFail("\(name): no parameter \(key)"); continue }
            XCTAssertEqual(p.value.shape, g.shape, key)
            let reference = Repository.floats(base64: g.base64), got = p.grad!.array
            var diff = 0.0, norm = 0.0
            for (a, b) in zip(got, reference) { diff += Double(a - b) * Double(a - b); norm += Double(b) * Double(b) }
            let relative = (diff / norm).squareRoot()
            worst = max(worst, relative)
            XCTAssertLessThanOrEqual(relative, 1e-3, "\(name) \(key): ‖g − g_ref‖ / ‖g_ref‖")
        }
        print("\(name): worst relative gradient error \(worst) over \(fixture.gradients.count) LoRA tensors")

        // 10 optimiser steps through the trainer itself (data order, accumulation, clipping, AdamW).
        guard let reference = fixture.step_losses else { return }
        for (_, p) in model.trainableParameters { p.zeroGrad() }
        var losses: [Double] = []
        trainer.onStep = { losses.append(Double($0.loss)) }
        try trainer.train(resume: false)
        XCTAssertEqual(losses.count, reference.count)
        for (s, (a, b)) in zip(losses, reference).enumerated() {
            XCTAssertEqual(a, b, accuracy: 1e-3 * b, "\(name) step \(s + 1): loss within 1e-3 relative of PEFT + torch AdamW")
        }
        print("\(name): step losses \(losses.map { String(format: "%.5f", $0) }) vs \(reference.map { String(format: "%.5f", $0) })")
    }

    func testSmolLM2MatchesPEFT() throws { try check(model: "SmolLM2-135M-Instruct", fixture: "sft_smollm2") }
    func testQwenCoderMatchesPEFT() throws { try check(model: "Qwen2.5-Coder-0.5B-Instruct", fixture: "sft_qwen2.5-coder") }
}
