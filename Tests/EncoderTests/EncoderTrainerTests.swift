import Foundation
import XCTest
import ModelFormats
import NN
import Tensor
import Training
import TestSupport
@testable import Encoder

final class EncoderTrainerTests: XCTestCase {
    let lora = LoRAConfig(r: 2, loraAlpha: 4, loraDropout: 0.1,
                          targetModules: .pattern(#".*encoder\.layer\.\d+\..*(query|key|value|dense)$"#))
    var directories: [URL] = []

    override func tearDown() { for d in directories { try? FileManager.default.removeItem(at: d) } }

    func scratch() -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString)")
        directories.append(d)
        return d
    }

    func tinyModel() throws -> BertModel {
        let config = BertConfig(vocabSize: 23, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2,
                                intermediateSize: 12, maxPositionEmbeddings: 16, layerNormEps: 1e-5)
        let model = BertModel(config: config)
        for (i, (_, p)) in model.namedParameters.enumerated() {
            p.value.assign(GradientCheck.random(p.value.shape, scale: 0.5, seed: 1000 + UInt64(i)))
        }
        var g = RandomGenerator(seed: 7)
        try model.applyLoRA(lora, generator: &g)
        return model
    }

    func pairs(_ n: Int, negatives: Bool = false) -> [TrainingPair] {
        var g = RandomGenerator(seed: 99)
        func seq() -> [Int32] { (0..<(3 + Int(g.next() % 6))).map { _ in Int32(g.next() % 23) } }
        return (0..<n).map { i in TrainingPair(anchor: seq(), positive: seq(), negative: negatives ? seq() : nil, duplicateKey: i % 5 == 4 ? 0 : i) }
    }

    func trainer(_ model: BertModel, _ settings: EncoderTrainingSettings, _ data: [TrainingPair], dir: URL) throws -> EncoderTrainer {
        try EncoderTrainer(model: model, pooling: MeanPooling(normalize: true), loraConfig: lora, settings: settings,
                           pairs: data, validation: Array(data.prefix(4)), runDirectory: dir)
    }

    /// GradCache (mini-batches of 3 sequences) and the plain loss give the same gradients, dropout included (LoRA's
    /// and BERT's: the tiny config has hidden_dropout_prob = attention_probs_dropout_prob = 0.1, BertConfig's default).
    func testGradCacheEqualsPlainGradients() throws {
        try checkGradCache(pairs(6, negatives: true), symmetric: false, miniBatch: 3)
    }

    /// The same with mined hard negatives on some pairs only (two extra columns of the score matrix), the symmetric
    /// loss, and mini-batches that straddle the positives/negatives boundary.
    func testGradCacheEqualsPlainGradientsWithSomeNegativesSymmetric() throws {
        var data = pairs(6, negatives: true)
        for i in [0, 2, 3, 5] { data[i].negative = nil }
        try checkGradCache(data, symmetric: true, miniBatch: 5)
        // The negatives count: dropping them changes the loss.
        let model = try tinyModel()
        var settings = EncoderTrainingSettings()
        settings.batchSize = 6
        let t = try trainer(model, settings, data, dir: scratch())
        let with = try t.lossAndGradients(data, examples: Array(0..<6), globalBatch: 0, gradientScale: 1)
        let without = try t.lossAndGradients(data.map { var p = $0; p.negative = nil; return p }, examples: Array(0..<6),
                                             globalBatch: 0, gradientScale: 1)
        XCTAssertGreaterThan(abs(with - without), 1e-4)
    }

    func checkGradCache(_ data: [TrainingPair], symmetric: Bool, miniBatch: Int) throws {
        var plainSettings = EncoderTrainingSettings()
        plainSettings.batchSize = 6
        plainSettings.symmetric = symmetric
        var cachedSettings = plainSettings
        cachedSettings.miniBatchSize = miniBatch
        var gradients: [[Float]] = []
        for settings in [plainSettings, cachedSettings] {
            let model = try tinyModel()
            let t = try trainer(model, settings, data, dir: scratch())
            _ = try t.lossAndGradients(data, examples: Array(0..<6), globalBatch: 0, gradientScale: 1)
            gradients.append(model.trainableParameters.flatMap { $0.1.grad!.array })
        }
        XCTAssertEqual(gradients[0].count, gradients[1].count)
        var worst: Float = 0
        for (a, b) in zip(gradients[0], gradients[1]) { worst = max(worst, abs(a - b)) }
        XCTAssertLessThanOrEqual(worst, 1e-5)
        XCTAssertGreaterThan(gradients[0].map(abs).max()!, 1e-4, "gradients are not trivially zero")
    }

    /// Stop after a checkpoint, resume, and finish: the adapter equals an uninterrupted run's bit for bit.
    func testResumeEqualsUninterruptedRun() throws {
        var settings = EncoderTrainingSettings()
        settings.batchSize = 4
        settings.epochs = 2
        settings.checkpointEvery = 3
        settings.evalEvery = 4
        let data = pairs(14)

        let straightDir = scratch()
        let straight = try tinyModel()
        try trainer(straight, settings, data, dir: straightDir).train(resume: false)

        let dir = scratch()
        let first = try trainer(try tinyModel(), settings, data, dir: dir)
        first.shouldStop = { $0 == 4 }  // stops after step 4; the newest checkpoint is step 3
        try first.train(resume: false)
        let resumed = try tinyModel()
        try trainer(resumed, settings, data, dir: dir).train(resume: true)

        let a = try SafeTensorsFile(path: straightDir.appendingPathComponent("adapter/adapter_model.safetensors").path)
        let b = try SafeTensorsFile(path: dir.appendingPathComponent("adapter/adapter_model.safetensors").path)
        XCTAssertEqual(a.tensorNames, b.tensorNames)
        for name in a.tensorNames { XCTAssertEqual(try a.floats(name), try b.floats(name), name) }
        // The logs of the resumed run have one line per step, as if it had never stopped.
        let steps = try JSONLines.read(dir.appendingPathComponent("metrics.jsonl")).map { ($0.fields["step"] as! NSNumber).intValue }
        XCTAssertEqual(steps, Array(1...8))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("loss.svg").path))
    }

    func testLossDecreasesOnALearnableTask() throws {
        var settings = EncoderTrainingSettings()
        settings.batchSize = 8
        settings.epochs = 30
        settings.learningRate = 5e-2
        settings.warmupRatio = 0
        settings.evalEvery = nil
        settings.checkpointEvery = 1000
        // Without BERT's dropout: in 8-wide hidden states, independent masks on the anchor and its copy are noise
        // that hides the signal of this tiny task (the adapters' own dropout stays on).
        settings.hiddenDropout = 0
        settings.attentionDropout = 0
        // The positive is the anchor itself: a good encoder maps both to the same point.
        let data = pairs(8).map { TrainingPair(anchor: $0.anchor, positive: $0.anchor, duplicateKey: $0.duplicateKey) }
        let t = try trainer(try tinyModel(), settings, data, dir: scratch())
        var losses: [Float] = []
        t.onStep = { losses.append($0.loss) }
        try t.train(resume: false)
        XCTAssertLessThan(losses.suffix(5).reduce(0, +) / 5, losses.prefix(5).reduce(0, +) / 5 * 0.8)
    }

    /// BERT's dropout follows the model's config.json unless the settings override it, and it changes the gradients.
    func testBertDropoutDefaultsToTheModelConfigAndCanBeOverridden() throws {
        var settings = EncoderTrainingSettings()
        settings.batchSize = 4
        let data = pairs(4)
        func gradients(_ settings: EncoderTrainingSettings) throws -> (BertModel, [Float]) {
            let model = try tinyModel()
            let t = try trainer(model, settings, data, dir: scratch())
            _ = try t.lossAndGradients(data, examples: Array(0..<4), globalBatch: 0, gradientScale: 1)
            return (model, model.trainableParameters.flatMap { $0.1.grad!.array })
        }
        let (defaultModel, withDropout) = try gradients(settings)
        XCTAssertEqual(defaultModel.embeddings.dropout.p, 0.1)
        XCTAssertEqual(defaultModel.layers[1].attention.dropout!.p, 0.1)
        XCTAssertEqual(defaultModel.layers[0].outputDropout.p, 0.1)
        settings.hiddenDropout = 0.3
        settings.attentionDropout = 0
        let (overridden, other) = try gradients(settings)
        XCTAssertEqual(overridden.embeddings.dropout.p, 0.3)
        XCTAssertEqual(overridden.layers[0].attentionOutputDropout.p, 0.3)
        XCTAssertEqual(overridden.layers[1].attention.dropout!.p, 0)
        XCTAssertNotEqual(withDropout, other)
        // The same settings replay the same masks.
        XCTAssertEqual(try gradients(settings).1, other)
    }
}
