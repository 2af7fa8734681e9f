import Foundation
import XCTest
import ModelFormats
import NN
import Tensor
import Training
import TestSupport
@testable import Decoder

/// The SFT trainer on a tiny random decoder: completion-only loss against full logits, its LoRA gradients against
/// finite differences, the accumulation normalisation, bit-for-bit resume, and bad data.
final class SFTTrainerTests: XCTestCase {
    var directories: [URL] = []
    override func tearDown() { for d in directories { try? FileManager.default.removeItem(at: d) } }

    func scratch() -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sft-\(UUID().uuidString)")
        directories.append(d)
        return d
    }

    func lora(dropout: Float) -> LoRAConfig {
        LoRAConfig(r: 2, loraAlpha: 4, loraDropout: dropout, targetModules: .names(DecoderModel.loraTargetModules))
    }

    func tinyModel(tied: Bool = false, dropout: Float = 0) throws -> DecoderModel {
        let config = DecoderConfig(modelType: "qwen2", vocabSize: 19, hiddenSize: 8, intermediateSize: 12, numHiddenLayers: 2,
                                   numAttentionHeads: 4, numKeyValueHeads: 2, rmsNormEps: 1e-5, ropeTheta: 100,
                                   tieWordEmbeddings: tied)
        let model = DecoderModel(config: config)
        for (i, (_, p)) in model.namedParameters.enumerated() {
            p.value.assign(GradientCheck.random(p.value.shape, scale: 0.5, seed: 700 + UInt64(i)))
        }
        var g = RandomGenerator(seed: 3)
        try model.applyLoRA(lora(dropout: dropout), generator: &g)
        // Non-zero B, so that A's gradient is not zero either.
        for (i, (_, layer)) in model.loraLayers.enumerated() {
            layer.loraB.value.assign(GradientCheck.random(layer.loraB.value.shape, scale: 0.3, seed: 900 + UInt64(i)))
        }
        return model
    }

    func examples(_ n: Int, seed: UInt64 = 5) -> [SFTExample] {
        var g = RandomGenerator(seed: seed)
        func seq(_ min: Int) -> [Int32] { (0..<(min + Int(g.next() % 5))).map { _ in Int32(g.next() % 19) } }
        return (0..<n).map { _ in SFTExample(prompt: seq(2), completion: seq(1)) }
    }

    func settings(batch: Int, accumulation: Int, steps: Int) -> SFTTrainingSettings {
        var s = SFTTrainingSettings()
        s.batchSize = batch
        s.gradientAccumulationSteps = accumulation
        s.maxSteps = steps
        s.learningRate = 1e-2
        s.warmupRatio = 0
        s.evalEvery = nil
        s.lossChunkRows = 3
        return s
    }

    func trainer(_ model: DecoderModel, _ s: SFTTrainingSettings, _ data: [SFTExample], dir: URL? = nil,
                 validation: [SFTExample] = []) throws -> SFTTrainer {
        try SFTTrainer(model: model, loraConfig: lora(dropout: 0), settings: s, examples: data, validation: validation,
                       runDirectory: dir ?? scratch())
    }

    /// −log softmax of every completion token from the full logits of each example on its own, in Double.
    func referenceLoss(_ model: DecoderModel, _ data: [SFTExample]) -> (sum: Double, count: Int) {
        var sum = 0.0, count = 0
        for e in data {
            let z = model.logits(model.forward(e.ids, layout: PackedSequences(lengths: [e.count])))
            for (j, t) in e.completion.enumerated() {
                let row = (0..<19).map { Double(z[(e.prompt.count + j - 1) * 19 + $0]) }
                let m = row.max()!
                sum += log(row.map { exp($0 - m) }.reduce(0, +)) + m - row[Int(t)]
                count += 1
            }
        }
        return (sum, count)
    }

    func testCompletionLossMatchesFullLogitsAndGradientsMatchFiniteDifferences() throws {
        for tied in [false, true] {
            let model = try tinyModel(tied: tied)
            let data = examples(3)
            let t = try trainer(model, settings(batch: 3, accumulation: 1, steps: 1), data)
            let (sum, count) = referenceLoss(model, data)
            let result = try t.lossAndGradients([0, 1, 2], globalBatch: 0, normalizer: Float(count))
            XCTAssertEqual(result.lossSum, sum, accuracy: 1e-5 * sum, "tied \(tied)")
            let loss = { self.referenceLoss(model, data).sum / Double(count) }
            let fd = GradientCheck()
            for (name, p) in model.trainableParameters {
                fd.check("tied \(tied) \(name)", p.value, analytic: p.grad!, maxEntries: 6, loss: loss)
            }
        }
    }

    /// Activation checkpointing recomputes each block in backward with the same dropout masks, so the gradients are
    /// the ones of the forward that kept everything, bit for bit (LoRA dropout 0.2, so the masks matter).
    func testGradientCheckpointingGivesTheSameGradients() throws {
        let data = examples(4)
        var gradients: [[Float]] = [], losses: [Double] = []
        for checkpointing in [false, true] {
            let model = try tinyModel(dropout: 0.2)
            var s = settings(batch: 4, accumulation: 1, steps: 1)
            s.gradientCheckpointing = checkpointing
            let t = try trainer(model, s, data)
            XCTAssertEqual(model.recomputesActivations, checkpointing)
            losses.append(try t.lossAndGradients([0, 1, 2, 3], globalBatch: 0, normalizer: 7).lossSum)
            gradients.append(model.trainableParameters.flatMap { $0.1.grad!.array })
        }
        XCTAssertEqual(losses[0], losses[1])
        XCTAssertEqual(gradients[0], gradients[1])
        XCTAssertTrue(gradients[0].contains { $0 != 0 })
    }

    /// Batch 8 × accumulation 1 and batch 2 × accumulation 4 take the same step: the loss is normalised by the
    /// completion tokens of the whole step, not averaged over micro-batches (whose token counts differ).
    func testAccumulationGivesTheStepOfOneLargeBatch() throws {
        let data = examples(16)
        var adapters: [[Float]] = [], losses: [[Float]] = []
        for (batch, accumulation) in [(8, 1), (2, 4)] {
            let model = try tinyModel()
            let t = try trainer(model, settings(batch: batch, accumulation: accumulation, steps: 2), data)
            var records: [Float] = []
            t.onStep = { records.append($0.loss) }
            try t.train(resume: false)
            adapters.append(model.trainableParameters.flatMap { $0.1.value.array })
            losses.append(records)
        }
        for (a, b) in zip(losses[0], losses[1]) { XCTAssertEqual(a, b, accuracy: 1e-6 * abs(a)) }
        let scale = adapters[0].map(abs).max()!
        for (a, b) in zip(adapters[0], adapters[1]) { XCTAssertEqual(a, b, accuracy: 1e-5 * scale) }
        // A mean of micro-batch means would differ: the micro-batches here have different completion lengths.
        let t = try trainer(try tinyModel(), settings(batch: 2, accumulation: 4, steps: 1), data)
        let counts = t.microBatches(ofStep: 0).map { $0.1.reduce(0) { $0 + data[$1].completion.count } }
        XCTAssertGreaterThan(Set(counts).count, 1, "the test needs micro-batches of unequal token counts")
    }

    /// Stopped after a checkpoint and resumed, a run (with LoRA dropout) ends with the uninterrupted run's adapter
    /// and logs, bit for bit.
    func testResumeEqualsUninterruptedRun() throws {
        let data = examples(24)  // 12 micro-batches: 6 steps, of which max_steps keeps 5
        var s = settings(batch: 2, accumulation: 2, steps: 5)
        s.checkpointEvery = 2
        s.evalEvery = 2
        func adapter(_ dir: URL) throws -> Data {
            try Data(contentsOf: dir.appendingPathComponent("adapter/adapter_model.safetensors"))
        }
        let whole = scratch()
        try trainer(try tinyModel(dropout: 0.2), s, data, dir: whole, validation: examples(3, seed: 9)).train(resume: false)

        let split = scratch()
        let first = try trainer(try tinyModel(dropout: 0.2), s, data, dir: split, validation: examples(3, seed: 9))
        first.shouldStop = { $0 == 3 }
        try first.train(resume: false)
        XCTAssertFalse(FileManager.default.fileExists(atPath: split.appendingPathComponent("adapter").path))
        try trainer(try tinyModel(dropout: 0.2), s, data, dir: split, validation: examples(3, seed: 9)).train(resume: true)
        XCTAssertEqual(try adapter(split), try adapter(whole))
        func losses(_ dir: URL) -> [Double] { TrainingRun(directory: dir).read(TrainingRun.metricsLog).map { $0["loss"]! } }
        XCTAssertEqual(losses(split), losses(whole))
        XCTAssertEqual(losses(whole).count, 5)
        XCTAssertEqual(TrainingRun(directory: split).read(TrainingRun.evaluationLog).map { $0["val_loss"]! },
                       TrainingRun(directory: whole).read(TrainingRun.evaluationLog).map { $0["val_loss"]! })

        // Other settings, or a corrupt checkpoint: an error naming the file, and nothing overwritten.
        var other = s
        other.seed = 7
        XCTAssertThrowsError(try trainer(try tinyModel(), other, data, dir: split).train(resume: true)) {
            XCTAssertTrue("\($0)".contains("trainer_state.json"), "\($0)")
        }
        let latest = try XCTUnwrap(try TrainingRun(directory: split).latestCheckpoint())
        try Data("{".utf8).write(to: latest.appendingPathComponent("trainer_state.json"))
        XCTAssertThrowsError(try trainer(try tinyModel(), s, data, dir: split).train(resume: true)) {
            XCTAssertTrue("\($0)".contains("trainer_state.json") && "\($0)".contains("corrupt"), "\($0)")
        }
        XCTAssertEqual(try adapter(split), try adapter(whole), "a failed resume leaves the finished adapter alone")
    }

    /// QLoRA: the blocks' projections in NF4 under the adapters; the completion loss's LoRA gradients still match
    /// finite differences (through the frozen, dequantised base), and a training step runs.
    func testQLoRAGradientsThroughTheNF4Base() throws {
        let config = DecoderConfig(modelType: "llama", vocabSize: 19, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2,
                                   numAttentionHeads: 4, numKeyValueHeads: 2, rmsNormEps: 1e-5, ropeTheta: 100)
        let dense = DecoderModel(config: config)
        for (i, (_, p)) in dense.namedParameters.enumerated() {
            p.value.assign(GradientCheck.random(p.value.shape, scale: 0.5, seed: 800 + UInt64(i)))
        }
        let model = try dense.converted(to: .nf4)
        XCTAssertGreaterThan(model.quantizedProjectionBytes, 0)
        XCTAssertEqual(model.projectionSlots.count, 14)
        var g = RandomGenerator(seed: 4)
        try model.applyLoRA(lora(dropout: 0), generator: &g)
        XCTAssertTrue(model.loraLayers.allSatisfy { $0.1.base is QuantizedLinear<NF4Tensor> })
        for (i, (_, layer)) in model.loraLayers.enumerated() {
            layer.loraB.value.assign(GradientCheck.random(layer.loraB.value.shape, scale: 0.3, seed: 950 + UInt64(i)))
        }
        let data = examples(3)
        let t = try trainer(model, settings(batch: 3, accumulation: 1, steps: 1), data)
        let (_, count) = referenceLoss(model, data)
        _ = try t.lossAndGradients([0, 1, 2], globalBatch: 0, normalizer: Float(count))
        let loss = { self.referenceLoss(model, data).sum / Double(count) }
        for (name, p) in model.trainableParameters {
            GradientCheck().check("QLoRA \(name)", p.value, analytic: p.grad!, maxEntries: 6, loss: loss)
        }
        try t.train(resume: false)
    }

    func testOverlongExamplesAreTruncatedOrRefused() throws {
        let data = [SFTExample(prompt: [1, 2, 3], completion: [4, 5, 6, 7]), SFTExample(prompt: [1], completion: [2])]
        let (fitted, truncated) = try SFTExample.fit(data, maxLength: 5, overlong: .truncate, source: "d.jsonl")
        XCTAssertEqual(truncated, 1)
        XCTAssertEqual(fitted[0], SFTExample(prompt: [1, 2, 3], completion: [4, 5]))
        XCTAssertEqual(fitted[1], data[1])
        XCTAssertThrowsError(try SFTExample.fit(data, maxLength: 5, overlong: .refuse, source: "d.jsonl", lines: [7, 8])) {
            XCTAssertTrue("\($0)".contains("d.jsonl: line 7: 7 tokens"), "\($0)")
        }
        XCTAssertThrowsError(try SFTExample.fit(data, maxLength: 3, overlong: .truncate, source: "d.jsonl")) {
            XCTAssertTrue("\($0)".contains("prompt alone"), "\($0)")
        }
    }
}
