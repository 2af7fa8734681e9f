import Foundation
import ModelFormats
import Tokenizers
import XCTest

/// The byte-level BPE models and the fixture scripts/reference/bpe_fixtures.py writes.
enum BPEResources {
    static let models = ["SmolLM2-135M-Instruct", "Qwen2.5-Coder-0.5B-Instruct"]
    static let fixture = packageRoot.appendingPathComponent("Tests/Fixtures/bpe_tokenizers.json")

    static func directory(_ model: String) -> URL { packageRoot.appendingPathComponent("models/\(model)") }

    /// The model's tokenizer, loaded once; a missing file is a failure that says how to make it.
    static func tokenizer(_ model: String) throws -> Tokenizer {
        if let t = cache.tokenizers[model] { return t }
        let file = directory(model).appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw MissingResource(description: "\(file.path) is missing: run `scripts/fetch-models.sh \(model)` and "
                                  + "scripts/reference/bpe_fixtures.py (which exports it from the GGUF)")
        }
        let t = try Tokenizer.load(directory: directory(model))
        cache.tokenizers[model] = t
        return t
    }

    static func fixtureJSON() throws -> [String: Any] {
        if let f = cache.fixture { return f }
        guard let data = FileManager.default.contents(atPath: fixture.path) else {
            throw MissingResource(description: "\(fixture.path) is missing: run scripts/reference/bpe_fixtures.py")
        }
        let f = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        cache.fixture = f
        return f
    }

    static func section(_ model: String) throws -> [String: Any] {
        (try fixtureJSON()["models"] as! [String: Any])[model] as! [String: Any]
    }

    /// A copy of the model's tokenizer.json with its normalizer, pre-tokenizer, post-processor and decoder replaced
    /// by `stages` (JSON values; NSNull for null), written to `dir`.
    static func variant(_ model: String, stages: [String: Any], in dir: URL) throws -> Tokenizer {
        let text = try String(contentsOf: directory(model).appendingPathComponent("tokenizer.json"), encoding: .utf8)
        // tokenizer.json is written by the Rust library with these top-level keys in this order, two-space indent.
        let from = try XCTUnwrap(text.range(of: "\n  \"normalizer\":"))
        let to = try XCTUnwrap(text.range(of: "\n  \"model\":"))
        var pieces: [String] = []
        for key in ["normalizer", "pre_tokenizer", "post_processor", "decoder"] {
            let value = stages[key] ?? NSNull()
            let json = value is NSNull ? "null"
                : String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
            pieces.append("\n  \"\(key)\": \(json),")
        }
        let spliced = String(text[..<from.lowerBound]) + pieces.joined() + String(text[to.lowerBound...])
        let file = dir.appendingPathComponent("tokenizer.json")
        try spliced.write(to: file, atomically: true, encoding: .utf8)
        return try Tokenizer(tokenizerJSON: file)
    }

    private final class Cache: @unchecked Sendable {
        var tokenizers: [String: Tokenizer] = [:]
        var fixture: [String: Any]?
    }
    private static let cache = Cache()
}

/// Checks an encoding of all GSM8K texts against a fixture corpus section; returns the seconds `encodeBatch` took.
@discardableResult
func assertCorpus(_ tok: Tokenizer, _ corpus: [String: Any], label: String, file: StaticString = #filePath,
                  line: UInt = #line) throws -> Double {
    let texts = try Resources.gsm8kTexts(files: corpus["files"] as! [String])
    XCTAssertEqual(texts.count, corpus["count"] as! Int, "number of GSM8K texts", file: file, line: line)
    let start = Date()
    let batch = try tok.encodeBatch(texts, padding: Padding(padId: 0, padToken: "<pad>"))
    let seconds = Date().timeIntervalSince(start)
    var total = SHA256()
    var firstMismatch: Int?
    let prefixes = corpus["text_sha256_prefixes"] as? [String]
    for i in 0..<batch.count {
        let l = batch.ids(row: i).prefix(batch.lengths[i]).map(String.init).joined(separator: ",") + "\n"
        total.update(l)
        if firstMismatch == nil, let prefixes, i < prefixes.count, !SHA256.hex(l).hasPrefix(prefixes[i]) {
            firstMismatch = i
        }
    }
    XCTAssertEqual(batch.lengths.reduce(0, +), corpus["total_tokens"] as! Int, "\(label): total tokens", file: file, line: line)
    XCTAssertEqual(batch.lengths.max() ?? -1, corpus["max_tokens"] as! Int, "\(label): longest text", file: file, line: line)
    XCTAssertEqual(total.hexDigest(), corpus["sha256"] as! String, "\(label): SHA-256 over all GSM8K ids", file: file, line: line)
    if let i = firstMismatch {
        let e = try tok.encode(texts[i])
        XCTFail("\(label): first text whose ids differ from Python: #\(i) \(texts[i].debugDescription)\nids: \(e.ids)\n"
                + "tokens: \(e.tokens)", file: file, line: line)
    }
    return seconds
}
