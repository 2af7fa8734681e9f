import Foundation
import XCTest
import NN
import Tensor
import Training
import TestSupport
@testable import Encoder
import ModelFormats

/// The InfoNCE gradient of every trainable tensor of MiniLM + LoRA (r 8, alpha 16) for one batch of 4 GSM8K pairs,
/// against PyTorch / sentence-transformers / PEFT (scripts/reference/infonce_gradient_fixtures.py).
final class MiniLMInfoNCEGradientTests: XCTestCase {
    struct Fixture: Decodable {
        struct Gradient: Decodable { let shape: [Int]; let norm: Double; let sum: Double; let head: [Double]; let tail: [Double] }
        let anchors: [String]
        let positives: [String]
        let module_order: [String]
        let loss: Double
        let gradients: [String: Gradient]
    }

    func testGradientsMatchPyTorch() throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Repository.fixture("minilm_infonce_gradients.json")))
        let encoder = try SentenceEncoder(directory: try Repository.model("all-MiniLM-L6-v2"))
        let model = encoder.model
        let lora = LoRAConfig(r: 8, loraAlpha: 16, loraDropout: 0,
                              targetModules: .pattern(#".*encoder\.layer\.\d+\..*(query|key|value|dense)$"#))
        var g = RandomGenerator(seed: 0)
        try model.applyLoRA(lora, generator: &g)
        // The fixture's closed-form adapter weights (see the generator's doc string).
        let layers = Dictionary(uniqueKeysWithValues: model.loraLayers)
        for (m, name) in fixture.module_order.enumerated() {
            let layer = try XCTUnwrap(layers[name], name)
            let a = layer.loraA.value, b = layer.loraB.value
            for i in 0..<a.shape[0] { for j in 0..<a.shape[1] { a[i * a.shape[1] + j] = Float(0.05 * sin(0.37 * Double(i) + 0.011 * Double(j) + 0.5 * Double(m) + 1)) } }
            for i in 0..<b.shape[0] { for j in 0..<b.shape[1] { b[i * b.shape[1] + j] = Float(0.05 * cos(0.13 * Double(i) + 0.7 * Double(j) + 0.3 * Double(m))) } }
        }
        for (name, p) in model.namedParameters where !name.hasPrefix("embeddings.") { p.requiresGrad = true }

        let anchors = try encoder.tokenize(fixture.anchors), positives = try encoder.tokenize(fixture.positives)
        let pairs = zip(anchors, positives).enumerated().map { TrainingPair(anchor: $1.0, positive: $1.1, duplicateKey: $0) }
        var settings = EncoderTrainingSettings()
        settings.batchSize = 4
        // The fixture is PyTorch's gradient without dropout (the model in eval mode).
        settings.hiddenDropout = 0
        settings.attentionDropout = 0
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try EncoderTrainer(model: model, pooling: encoder.pooling, loraConfig: lora, settings: settings,
                                         pairs: pairs, validation: [], runDirectory: dir)
        let loss = try trainer.lossAndGradients(pairs, examples: [0, 1, 2, 3], globalBatch: 0, gradientScale: 1)
        XCTAssertEqual(Double(loss), fixture.loss, accuracy: 2e-5, "loss")

        let ours = Dictionary(uniqueKeysWithValues: model.trainableParameters)
        XCTAssertEqual(Set(ours.keys), Set(fixture.gradients.keys))
        // An absolute floor 1e-5 of the largest gradient: the key biases' gradients are analytically zero
        // (adding a constant to every key shifts a softmax row by a constant), so both sides hold only ~1e-9 of
        // rounding noise there, which no relative tolerance can compare.
        let floor = 1e-5 * fixture.gradients.values.map(\.norm).max()!
        var worstNorm = 0.0, worstValue = 0.0
        for (name, reference) in fixture.gradients {
            let grad = try XCTUnwrap(ours[name]?.grad, name)
            XCTAssertEqual(grad.shape, reference.shape, name)
            let values = grad.array.map(Double.init)
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            worstNorm = max(worstNorm, abs(norm - reference.norm) / max(reference.norm, floor))
            // Element errors relative to the tensor's RMS: float32 sums over ~1000 tokens leave ~1e-4 of it.
            let rms = max(reference.norm, floor) / Double(values.count).squareRoot()
            for (got, want) in zip(values.prefix(16), reference.head) { worstValue = max(worstValue, abs(got - want) / rms) }
            for (got, want) in zip(values.suffix(8), reference.tail) { worstValue = max(worstValue, abs(got - want) / rms) }
        }
        print("InfoNCE gradients vs PyTorch: worst relative norm error \(worstNorm), worst element error / RMS \(worstValue)")
        XCTAssertLessThanOrEqual(worstNorm, 1e-3)
        XCTAssertLessThanOrEqual(worstValue, 1e-2)
    }
}
