import Foundation
import ModelFormats
import XCTest
import NN
import Tensor
import Training
import TestSupport
@testable import Encoder

final class LoRAAdapterTests: XCTestCase {
    func tinyModel(seed: UInt64) -> BertModel {
        // No BERT dropout: the gradient check below compares a training forward with inference forwards.
        let config = BertConfig(vocabSize: 17, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2,
                                intermediateSize: 12, maxPositionEmbeddings: 10, layerNormEps: 1e-5,
                                hiddenDropoutProb: 0, attentionProbsDropoutProb: 0)
        let model = BertModel(config: config)
        for (i, (_, p)) in model.namedParameters.enumerated() {
            p.value.assign(GradientCheck.random(p.value.shape, scale: 0.5, seed: seed + UInt64(i)))
        }
        return model
    }

    let peerPattern = LoRAConfig.TargetModules.pattern(#".*encoder\.layer\.\d+\..*(query|key|value|dense)$"#)

    func testTargetModulesFollowPEFTMatching() throws {
        XCTAssertTrue(try LoRAConfig.TargetModules.names(["query"]).matches("encoder.layer.0.attention.self.query"))
        XCTAssertFalse(try LoRAConfig.TargetModules.names(["dense"]).matches("encoder.layer.0.attention.self.query"))
        XCTAssertTrue(try peerPattern.matches("encoder.layer.3.output.dense"))
        XCTAssertFalse(try peerPattern.matches("pooler.dense.extra"))
        let model = tinyModel(seed: 1)
        var g = RandomGenerator(seed: 1)
        let wrapped = try model.applyLoRA(LoRAConfig(r: 2, loraAlpha: 4, loraDropout: 0, targetModules: peerPattern), generator: &g)
        XCTAssertEqual(wrapped.count, 12)
        XCTAssertEqual(model.trainableParameters.count, 24)
        XCTAssertTrue(model.trainableParameters.allSatisfy { $0.0.contains(".lora_") })
        let names = LoRAConfig.TargetModules.names(["query", "value"])
        let other = tinyModel(seed: 1)
        XCTAssertEqual(try other.applyLoRA(LoRAConfig(r: 2, loraAlpha: 4, loraDropout: 0, targetModules: names), generator: &g).count, 4)
    }

    /// Save in PEFT's layout, load into a fresh base: same outputs, PEFT's tensor names.
    func testSaveAndLoadRoundTrip() throws {
        let config = LoRAConfig(r: 2, loraAlpha: 4, loraDropout: 0.1, targetModules: peerPattern, baseModelNameOrPath: "tiny")
        let trained = tinyModel(seed: 10)
        var g = RandomGenerator(seed: 2)
        try trained.applyLoRA(config, generator: &g)
        for (i, (_, layer)) in trained.loraLayers.enumerated() {
            layer.loraB.value.assign(GradientCheck.random(layer.loraB.value.shape, seed: UInt64(50 + i)))
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try LoRAAdapter.save(trained, config: config, to: dir)

        let loaded = tinyModel(seed: 10)
        XCTAssertEqual(try LoRAAdapter.load(into: loaded, from: dir), config)
        let ids: [Int32] = [1, 2, 3, 4, 5]
        let layout = PackedSequences(lengths: [5])
        XCTAssertEqual(trained.forward(ids, layout: layout).array, loaded.forward(ids, layout: layout).array)
        XCTAssertNotEqual(tinyModel(seed: 10).forward(ids, layout: layout).array, loaded.forward(ids, layout: layout).array)

        let file = try SafeTensorsFileProbe.names(dir.appendingPathComponent("adapter_model.safetensors"))
        XCTAssertTrue(file.contains("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight"))
        XCTAssertTrue(file.contains("base_model.model.encoder.layer.1.output.dense.lora_B.weight"))
    }

    /// rsLoRA is a valid PEFT adapter (the decoder merges it with alpha/√r) but the encoder's LoRA layers scale by
    /// alpha/r, so loading one into the encoder is an error naming the file, not a silently different model.
    func testRSLoRAAdapterIsRefusedByTheEncoder() throws {
        var config = LoRAConfig(r: 2, loraAlpha: 4, loraDropout: 0, targetModules: peerPattern)
        let model = tinyModel(seed: 11)
        var g = RandomGenerator(seed: 4)
        try model.applyLoRA(config, generator: &g)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        config.useRslora = true
        try LoRAAdapter.save(model, config: config, to: dir)
        XCTAssertNoThrow(try config.validate(path: "adapter_config.json"))
        XCTAssertEqual(config.scaling, 4 / Float(2).squareRoot())
        XCTAssertThrowsError(try LoRAAdapter.load(into: tinyModel(seed: 11), from: dir)) {
            XCTAssertTrue("\($0)".contains("adapter_config.json") && "\($0)".contains("use_rslora"), "\($0)")
        }
    }

    /// Gradients of the LoRA matrices through the whole tiny model and the InfoNCE loss, against finite differences.
    func testLoRAGradientsThroughTheModel() throws {
        let model = tinyModel(seed: 20)
        var g = RandomGenerator(seed: 3)
        try model.applyLoRA(LoRAConfig(r: 2, loraAlpha: 4, loraDropout: 0, targetModules: peerPattern), generator: &g)
        for (i, (_, layer)) in model.loraLayers.enumerated() {
            layer.loraB.value.assign(GradientCheck.random(layer.loraB.value.shape, scale: 0.3, seed: UInt64(80 + i)))
        }
        let pooling = MeanPooling(normalize: true)
        let ids: [Int32] = [1, 5, 9, 2, 0, 16, 3, 7, 7, 4]
        let anchors = PackedSequences(lengths: [2, 3]), positives = PackedSequences(lengths: [3, 2])
        let loss = InfoNCELoss(scale: 5)
        func embed(_ ids: ArraySlice<Int32>, _ layout: PackedSequences, training: Bool) -> Tensor {
            pooling.forward(model.forward(Array(ids), layout: layout, training: training), layout: layout, training: training)
        }
        let value = { Double(loss(anchors: embed(ids[0..<5], anchors, training: false),
                                  positives: embed(ids[5..<10], positives, training: false)).loss) }
        // Anchors and positives through the same model: backward each side right after its own training forward.
        let p = embed(ids[5..<10], positives, training: false)
        let a = embed(ids[0..<5], anchors, training: true)
        let r = loss(anchors: a, positives: p)
        model.backward(pooling.backward(r.dAnchors))
        _ = embed(ids[5..<10], positives, training: true)
        model.backward(pooling.backward(r.dPositives))
        var fd = GradientCheck()
        fd.h = 1e-3
        for (name, parameter) in model.trainableParameters {
            fd.check(name, parameter.value, analytic: parameter.grad!, maxEntries: 12, loss: value)
        }
    }
}

/// Reads tensor names of a safetensors file for assertions.
enum SafeTensorsFileProbe {
    static func names(_ url: URL) throws -> [String] {
        try SafeTensorsFile(path: url.path).tensorNames
    }
}

extension LoRAAdapterTests {
    /// Merging folds the adapter into the weights: same outputs without the adapter layers.
    func testMergeGivesTheSameOutputs() throws {
        let model = tinyModel(seed: 30)
        var g = RandomGenerator(seed: 5)
        try model.applyLoRA(LoRAConfig(r: 2, loraAlpha: 4, loraDropout: 0, targetModules: peerPattern), generator: &g)
        for (i, (_, layer)) in model.loraLayers.enumerated() {
            layer.loraB.value.assign(GradientCheck.random(layer.loraB.value.shape, seed: UInt64(60 + i)))
        }
        let ids: [Int32] = [3, 1, 4, 1, 5, 9, 2]
        let layout = PackedSequences(lengths: [4, 3])
        let before = model.forward(ids, layout: layout).array
        try model.mergeLoRA()
        XCTAssertTrue(model.loraLayers.isEmpty)
        let after = model.forward(ids, layout: layout).array
        for (a, b) in zip(before, after) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }
}

extension LoRAAdapterTests {
    /// QLoRA: NF4 bases under the adapters; the outputs stay close to the dense model's and only LoRA trains.
    func testQLoRAWrapsQuantisedBases() throws {
        let dense = tinyModel(seed: 40), quantised = tinyModel(seed: 40)
        // NF4 needs blocks of 64 weights: the tiny model's 8×8 projections hold exactly one block each.
        let bytes = quantised.quantizeProjections()
        XCTAssertGreaterThan(bytes, 0)
        var g1 = RandomGenerator(seed: 9), g2 = RandomGenerator(seed: 9)
        let config = LoRAConfig(r: 2, loraAlpha: 4, loraDropout: 0, targetModules: peerPattern)
        try dense.applyLoRA(config, generator: &g1)
        try quantised.applyLoRA(config, generator: &g2)
        XCTAssertTrue(quantised.loraLayers.allSatisfy { $0.1.base is QuantizedLinear<NF4Tensor> })
        XCTAssertEqual(quantised.trainableParameters.map(\.0), dense.trainableParameters.map(\.0))
        let ids: [Int32] = [1, 2, 3, 4]
        let layout = PackedSequences(lengths: [4])
        let a = dense.forward(ids, layout: layout).array, b = quantised.forward(ids, layout: layout).array
        var worst: Float = 0
        for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)) }
        XCTAssertLessThan(worst, 0.5, "NF4 rounding moves the outputs, but not wildly")
        XCTAssertGreaterThan(worst, 0, "the bases really are quantised")
    }
}
