import Foundation
import XCTest
import NN
import Tensor
import TestSupport
@testable import Encoder

/// all-MiniLM-L6-v2 against transformers / sentence-transformers outputs saved by scripts/reference/encoder_fixtures.py.
final class MiniLMParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct Debug: Decodable {
            let input_ids: [Int32]
            let hidden_states_f32_b64: [String]
            let mean_pooled_f32_b64: String
        }
        let texts: [String]
        let embeddings_f32_b64: String
        let debug: Debug
    }

    static let fixture: Fixture = {
        let data = try! Data(contentsOf: Repository.fixture("minilm_embeddings.json"))
        return try! JSONDecoder().decode(Fixture.self, from: data)
    }()

    /// Every layer's hidden states of text 0 (token ids from the fixture, no tokenizer involved) within 1e-4.
    func testHiddenStatesMatchTransformersLayerByLayer() throws {
        let model = try BertModel.load(directory: try Repository.model("all-MiniLM-L6-v2"))
        let ids = Self.fixture.debug.input_ids
        let layout = PackedSequences(lengths: [ids.count])
        var h = model.embeddings.forward(ids, layout: layout, training: false)
        for (index, encoded) in Self.fixture.debug.hidden_states_f32_b64.enumerated() {
            if index > 0 { h = model.layers[index - 1].forward(h, layout: layout, training: false) }
            let expected = Repository.floats(base64: encoded)
            XCTAssertEqual(expected.count, h.count, "hidden state \(index) size")
            var worst: Float = 0
            for i in 0..<min(h.count, expected.count) { worst = max(worst, abs(h[i] - expected[i])) }
            print("hidden state \(index): max abs difference \(worst)")
            XCTAssertLessThanOrEqual(worst, 1e-4, "hidden state \(index): max abs difference \(worst)")
        }
    }
}
