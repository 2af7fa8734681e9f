import Foundation
import Tokenizers
import XCTest

/// The package root, found from this file's path so that CI's fresh clone and a developer's worktree agree.
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // TokenizersTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()

/// A resource the parity tests need is missing: the message says which script fetches it.
struct MissingResource: Error, CustomStringConvertible {
    let description: String
}

enum Resources {
    static let modelDirectory = packageRoot.appendingPathComponent("models/all-MiniLM-L6-v2")
    static let dataDirectory = packageRoot.appendingPathComponent("data")
    static let fixture = packageRoot.appendingPathComponent("Tests/Fixtures/minilm_tokenizer.json")

    /// The MiniLM tokenizer, loaded once; a missing model is a failure, never a skip.
    static func tokenizer() throws -> Tokenizer {
        if let t = cache.tokenizer { return t }
        let file = modelDirectory.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw MissingResource(description: "\(file.path) is missing: run `scripts/fetch-models.sh all-MiniLM-L6-v2`")
        }
        let t = try Tokenizer.load(directory: modelDirectory)
        cache.tokenizer = t
        return t
    }

    /// The parity fixture written by scripts/reference/tokenizer_fixtures.py.
    static func fixtureJSON() throws -> [String: Any] {
        if let f = cache.fixture { return f }
        guard let data = FileManager.default.contents(atPath: fixture.path) else {
            throw MissingResource(description: "\(fixture.path) is missing: run scripts/reference/tokenizer_fixtures.py")
        }
        let f = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        cache.fixture = f
        return f
    }

    /// GSM8K texts in the fixture's order: per split, each line's question then answer.
    static func gsm8kTexts(files: [String]) throws -> [String] {
        var texts: [String] = []
        for name in files {
            let url = dataDirectory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw MissingResource(description: "\(url.path) is missing: run `scripts/fetch-data.sh`")
            }
            for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                let row = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
                texts.append(row["question"] as! String)
                texts.append(row["answer"] as! String)
            }
        }
        return texts
    }

    private final class Cache: @unchecked Sendable {
        var tokenizer: Tokenizer?
        var fixture: [String: Any]?
    }
    private static let cache = Cache()
}

/// Strings compared scalar by scalar: `String ==` is canonical equivalence and would accept "é" for "e\u{301}".
func scalars(_ strings: [String]) -> [[UInt32]] { strings.map { $0.unicodeScalars.map(\.value) } }
func scalars(_ string: String) -> [UInt32] { string.unicodeScalars.map(\.value) }

func int32s(_ any: Any?) -> [Int32] { (any as? [Any] ?? []).map { Int32(($0 as! NSNumber).intValue) } }

/// Checks an `Encoding` against one fixture record (ids, tokens, type ids, offsets, masks, decoded text).
func assertMatches(_ e: Encoding, _ r: [String: Any], _ tokenizer: Tokenizer, file: StaticString = #filePath, line: UInt = #line) {
    let label = "text \((r["text"] as! String).debugDescription)" + ((r["pair"] as? String).map { " + \($0.debugDescription)" } ?? "")
    XCTAssertEqual(e.ids, int32s(r["ids"]), "ids of \(label)", file: file, line: line)
    XCTAssertEqual(scalars(e.tokens), scalars(r["tokens"] as! [String]), "tokens of \(label)", file: file, line: line)
    XCTAssertEqual(e.typeIds, int32s(r["type_ids"]), "type ids of \(label)", file: file, line: line)
    XCTAssertEqual(e.attentionMask, int32s(r["attention_mask"]), "attention mask of \(label)", file: file, line: line)
    XCTAssertEqual(e.specialTokensMask, int32s(r["special_tokens_mask"]), "special tokens mask of \(label)", file: file, line: line)
    let offsets = (r["offsets"] as! [[Int]]).map { $0[0]..<$0[1] }
    XCTAssertEqual(e.offsets, offsets, "offsets of \(label)", file: file, line: line)
    XCTAssertEqual(scalars(tokenizer.decode(e.ids)), scalars(r["decoded"] as! String), "decode of \(label)", file: file, line: line)
    XCTAssertEqual(scalars(tokenizer.decode(e.ids, skipSpecialTokens: false)), scalars(r["decoded_with_special"] as! String),
                   "decode (special kept) of \(label)", file: file, line: line)
}

/// A temporary directory removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizers-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}
