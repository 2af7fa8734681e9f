import Foundation
import XCTest
import Tensor
import Training
import TestSupport
@testable import Encoder
import ModelFormats

/// An adapter made and saved by Python PEFT (through sentence-transformers' add_adapter / save_pretrained, with
/// target_modules ["query", "key", "value", "dense"], r 2, alpha 5, random B) loads into Exemplar and gives the
/// embeddings sentence-transformers computes with it (scripts/reference/peft_interop.py --make-fixture).
final class PEFTInteropTests: XCTestCase {
    struct Fixture: Decodable {
        let texts: [String]
        let dim: Int
        let embeddings: String
    }

    func testPythonMadeAdapterGivesSentenceTransformersEmbeddings() throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Repository.fixture("peft_minilm_adapter.json")))
        let encoder = try SentenceEncoder(directory: try Repository.model("all-MiniLM-L6-v2"),
                                          adapter: try Repository.adapterFixture("peft_minilm_adapter"))
        let config = try XCTUnwrap(encoder.adapter?.config)
        XCTAssertEqual(config.r, 2)
        XCTAssertEqual(config.loraAlpha, 5)
        // Every projection of the 6 layers; PEFT's extra pooler adapter is ignored (sentence embeddings never run it).
        XCTAssertEqual(encoder.model.loraLayers.count, 36)

        let expected = Repository.floats(base64: fixture.embeddings)
        XCTAssertEqual(expected.count, fixture.texts.count * fixture.dim)
        let got = try encoder.embed(fixture.texts)
        let base = try SentenceEncoder(directory: try Repository.model("all-MiniLM-L6-v2")).embed(fixture.texts)
        var worstCosine: Float = 1, worstAbs: Float = 0, closestToBase: Float = 1
        for i in 0..<fixture.texts.count {
            let e = Array(expected[(i * fixture.dim)..<((i + 1) * fixture.dim)])
            let g = Array(UnsafeBufferPointer(start: got.row(i), count: fixture.dim))
            let b = Array(UnsafeBufferPointer(start: base.row(i), count: fixture.dim))
            worstCosine = min(worstCosine, cosine(e, g))
            closestToBase = min(closestToBase, cosine(e, b))
            for j in 0..<fixture.dim { worstAbs = max(worstAbs, abs(e[j] - g[j])) }
        }
        print("PEFT adapter from Python: worst cosine \(worstCosine), max abs difference \(worstAbs)")
        XCTAssertGreaterThanOrEqual(worstCosine, 0.99999)
        XCTAssertLessThanOrEqual(worstAbs, 1e-4)
        XCTAssertLessThan(closestToBase, 0.99, "the adapter moves the embeddings (the check is not of the base model)")
    }

    /// Adapter options that change the computation and Exemplar does not implement are refused, not ignored.
    func testUnsupportedPEFTOptionsAreRefused() throws {
        let source = try Data(contentsOf: Repository.fixture("peft_minilm_adapter/adapter_config.json"))
        for (key, value) in [("use_dora", true as Any), ("alpha_pattern", ["query": 32] as Any), ("lora_bias", true as Any)] {
            var object = try XCTUnwrap(JSONSerialization.jsonObject(with: source) as? [String: Any])
            object[key] = value
            let config = try JSONDecoder().decode(LoRAConfig.self, from: JSONSerialization.data(withJSONObject: object))
            XCTAssertThrowsError(try config.validate(path: "adapter_config.json"), key)
        }
        let plain = try JSONDecoder().decode(LoRAConfig.self, from: source)
        XCTAssertNoThrow(try plain.validate(path: "adapter_config.json"))
    }

    private func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for j in a.indices { dot += a[j] * b[j]; na += a[j] * a[j]; nb += b[j] * b[j] }
        return dot / (na.squareRoot() * nb.squareRoot())
    }
}
