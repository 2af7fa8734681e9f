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

extension MiniLMParityTests {
    /// 200 GSM8K texts (questions, answers, and long answers truncated at 256 tokens) through the whole pipeline —
    /// tokenizer, packed batches, BERT, mean pooling, normalisation — against `SentenceTransformer.encode`:
    /// cosine ≥ 0.99999 and max abs difference ≤ 1e-4 for every text.
    func testEmbeddingsMatchSentenceTransformers() throws {
        let encoder = try SentenceEncoder(directory: try Repository.model("all-MiniLM-L6-v2"))
        XCTAssertEqual(encoder.maxSequenceLength, 256)
        XCTAssertEqual(encoder.dimension, 384)
        let texts = Self.fixture.texts
        let expected = Repository.floats(base64: Self.fixture.embeddings_f32_b64)
        XCTAssertEqual(expected.count, texts.count * 384)
        // A small token budget so the 200 texts span many packed batches.
        let got = try encoder.embed(texts, batchTokens: 2_048)
        var worstCosine: Float = 1, worstAbs: Float = 0
        for i in 0..<texts.count {
            var dot: Float = 0, nx: Float = 0, ny: Float = 0
            for j in 0..<384 {
                let x = got[i * 384 + j], y = expected[i * 384 + j]
                dot += x * y; nx += x * x; ny += y * y
                worstAbs = max(worstAbs, abs(x - y))
            }
            worstCosine = min(worstCosine, dot / (nx * ny).squareRoot())
        }
        print("embeddings: worst cosine \(worstCosine), max abs difference \(worstAbs)")
        XCTAssertGreaterThanOrEqual(worstCosine, 0.99999)
        XCTAssertLessThanOrEqual(worstAbs, 1e-4)
    }

    /// The batch composition does not change a text's vector (packing has no cross-sequence effects).
    func testEmbeddingDoesNotDependOnBatching() throws {
        let encoder = try SentenceEncoder(directory: try Repository.model("all-MiniLM-L6-v2"))
        let texts = Array(Self.fixture.texts.prefix(12))
        let together = try encoder.embed(texts)
        for i in [0, 5, 11] {
            let alone = try encoder.embed([texts[i]])
            for j in 0..<384 { XCTAssertEqual(together[i * 384 + j], alone[j], accuracy: 1e-6) }
        }
    }

    func testMissingModelDirectoryIsAnErrorNamingIt() {
        XCTAssertThrowsError(try SentenceEncoder(directory: URL(fileURLWithPath: "/nonexistent/model"))) { error in
            XCTAssertEqual("\(error)", "/nonexistent/model: file not found")
        }
    }

    func testTruncatedWeightsAreAnErrorNamingTheFile() throws {
        let source = try Repository.model("all-MiniLM-L6-v2")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-truncated-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "sentence_bert_config.json", "modules.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        let weights = try Data(contentsOf: source.appendingPathComponent("model.safetensors"))
        try weights.prefix(weights.count / 2).write(to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try SentenceEncoder(directory: dir)) { error in
            XCTAssertTrue("\(error)".contains(dir.appendingPathComponent("model.safetensors").path), "\(error)")
        }
    }
}
