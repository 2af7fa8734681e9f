import Foundation
import XCTest
import ModelFormats
import NN
import Tensor
import TestSupport
@testable import Decoder

final class DecoderLoadingTests: XCTestCase {
    func write(_ model: DecoderModel, to dir: URL, shards: Int) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try JSONEncoder().encode(model.config).write(to: dir.appendingPathComponent("config.json"))
        let params = model.namedParameters
        var map: [String: String] = [:]
        for shard in 0..<shards {
            var writer = SafeTensorsWriter(metadata: ["format": "pt"])
            for (i, (name, p)) in params.enumerated() where i % shards == shard {
                try writer.add(name, shape: p.value.shape, values: p.value.array, as: shard == 0 ? .bf16 : .f32)
                map[name] = shards == 1 ? "model.safetensors" : "model-\(shard).safetensors"
            }
            try writer.write(to: dir.appendingPathComponent(shards == 1 ? "model.safetensors" : "model-\(shard).safetensors").path)
        }
        if shards > 1 {
            try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": map])
                .write(to: dir.appendingPathComponent("model.safetensors.index.json"))
        }
    }

    func testLoadsSingleAndShardedDirectories() throws {
        let config = DecoderConfig(modelType: "qwen2", vocabSize: 11, hiddenSize: 8, intermediateSize: 12, numHiddenLayers: 2,
                                   numAttentionHeads: 2, numKeyValueHeads: 1, tieWordEmbeddings: false)
        let model = DecoderModel(config: config)
        for (i, (_, p)) in model.namedParameters.enumerated() { p.value.assign(GradientCheck.random(p.value.shape, seed: UInt64(i))) }
        for shards in [1, 3] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("decoder-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            try write(model, to: dir, shards: shards)
            let loaded = try DecoderModel.load(directory: dir)
            XCTAssertEqual(loaded.config, config)
            for ((name, a), (_, b)) in zip(model.namedParameters, loaded.namedParameters) {
                // Shard 0 went through BF16 (the first tensors of the single file too).
                let tolerance: Float = 4e-3  // BF16 keeps 8 significant bits
                for (x, y) in zip(a.value.array, b.value.array) { XCTAssertEqual(x, y, accuracy: tolerance * max(1, abs(x)), name) }
            }
        }
    }

    func testMissingTensorIsAnErrorNamingIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("decoder-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = DecoderConfig(modelType: "llama", vocabSize: 11, hiddenSize: 8, intermediateSize: 12, numHiddenLayers: 1,
                                   numAttentionHeads: 2, numKeyValueHeads: 2, tieWordEmbeddings: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try JSONEncoder().encode(config).write(to: dir.appendingPathComponent("config.json"))
        var writer = SafeTensorsWriter()
        try writer.add("model.embed_tokens.weight", shape: [11, 8], values: Array(repeating: 0, count: 88))
        try writer.write(to: dir.appendingPathComponent("model.safetensors").path)
        XCTAssertThrowsError(try DecoderModel.load(directory: dir)) { error in
            // Which absent tensor is reported first follows the loader's order; any of layer 0's is right.
            let text = "\(error)"
            XCTAssertTrue(text.contains("model.safetensors") && text.contains("missing"), text)
            XCTAssertNotNil(text.range(of: #"model\.layers\.0\.[a-z_.]+\.weight"#, options: .regularExpression), text)
        }
    }
}
