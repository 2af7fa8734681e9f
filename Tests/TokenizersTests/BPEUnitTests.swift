import Foundation
@testable import Tokenizers
import XCTest

/// The two BPE merge loops, streaming edge cases and load errors, without model files.
final class BPEUnitTests: XCTestCase {
    /// The scanning merge loop (short words) and the priority queue (long words) agree on random words.
    func testMergeLoopsAgree() throws {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcd")
        var vocab: [(token: String, id: Int32)] = alphabet.enumerated().map { (String($1), Int32($0)) }
        var merges: [(String, String)] = []
        var known = Set(vocab.map(\.token))
        // Random merges over existing tokens, so ranks interleave.
        while merges.count < 40 {
            let a = vocab.randomElement(using: &rng)!.token, b = vocab.randomElement(using: &rng)!.token
            guard (a + b).count <= 6, !known.contains(a + b) else { continue }
            known.insert(a + b)
            vocab.append((a + b, Int32(vocab.count)))
            merges.append((a, b))
        }
        let core = try BPECore(vocab: vocab, merges: merges, unkToken: nil, continuingSubwordPrefix: nil, endOfWordSuffix: nil,
                               fuseUnknown: false, byteFallback: false, ignoreMerges: false, heapThreshold: 64, cacheCapacity: 0)
        for _ in 0..<500 {
            let word = (0..<Int.random(in: 1...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let scalars = Array(String(word).unicodeScalars)
            var a = scalars.withUnsafeBufferPointer { core.initialSymbols($0) }
            var b = a
            core.mergeByScanning(&a)
            core.mergeWithHeap(&b)
            XCTAssertEqual(a.map(\.id), b.map(\.id), String(word))
            XCTAssertEqual(a.map(\.end), b.map(\.end), String(word))
            var sink = TokenSink()
            core.tokenize(scalars[...], into: &sink)
            XCTAssertEqual(sink.ids, a.map(\.id), String(word))
        }
    }

    func testUTF8TailHolding() {
        XCTAssertEqual(StreamingDecoder.incompleteTailLength([0x61]), 0)
        XCTAssertEqual(StreamingDecoder.incompleteTailLength([0x61, 0xE4]), 1)
        XCTAssertEqual(StreamingDecoder.incompleteTailLength([0xE4, 0xB8]), 2)
        XCTAssertEqual(StreamingDecoder.incompleteTailLength([0xE4, 0xB8, 0x96]), 0)
        XCTAssertEqual(StreamingDecoder.incompleteTailLength([0xF0, 0x9F, 0x98]), 3)
        XCTAssertEqual(StreamingDecoder.incompleteTailLength([0xED, 0xA0]), 0, "a surrogate encoding is invalid at once")
        XCTAssertEqual(StreamingDecoder.incompleteTailLength([0xF4, 0x90]), 0, "beyond U+10FFFF is invalid at once")
        XCTAssertEqual(StreamingDecoder.incompleteTailLength([0xC0]), 0, "an overlong lead is never valid")
        XCTAssertEqual(StreamingDecoder.incompleteTailLength([0x80, 0x80, 0x80]), 0)
    }

    func testLoadErrorsNameFileAndField() throws {
        let dir = try temporaryDirectory(self)
        func load(_ model: String, preTokenizer: String = "null") throws -> Tokenizer {
            let file = dir.appendingPathComponent("tokenizer.json")
            try """
            {"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": \(preTokenizer),
             "post_processor": null, "decoder": null, "model": \(model)}
            """.write(to: file, atomically: true, encoding: .utf8)
            return try Tokenizer(tokenizerJSON: file)
        }
        let good = #"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]]}"#
        XCTAssertEqual(try load(good).encode("abba").ids, [2, 1, 0])
        func expectInvalid(_ field: String, _ body: () throws -> Any) {
            XCTAssertThrowsError(try body()) { error in
                guard case .invalidField(let path, let f, _)? = error as? TokenizerError else { return XCTFail("\(error)") }
                XCTAssertTrue(path.hasSuffix("tokenizer.json"))
                XCTAssertEqual(f, field)
            }
        }
        expectInvalid("model.merges[0]") { try load(#"{"type": "BPE", "vocab": {"a": 0}, "merges": [["a", "z"]]}"#) }
        expectInvalid("model.merges[0]") { try load(#"{"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b c"]}"#) }
        expectInvalid("model.unk_token") { try load(#"{"type": "BPE", "vocab": {"a": 0}, "merges": [], "unk_token": "<unk>"}"#) }
        expectInvalid("model.dropout") { try load(#"{"type": "BPE", "vocab": {"a": 0}, "merges": [], "dropout": 0.1}"#) }
        expectInvalid("pre_tokenizer.pattern.Regex") {
            try load(good, preTokenizer: #"{"type": "Split", "pattern": {"Regex": "(?<=x)y"}, "behavior": "Isolated", "invert": false}"#)
        }
        expectInvalid("pre_tokenizer.pretokenizers[0].behavior") {
            try load(good, preTokenizer: #"{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways"}]}"#)
        }
        XCTAssertThrowsError(try load(good, preTokenizer: #"{"type": "Metaspace"}"#)) { error in
            guard case .unknownStageType(_, "pre_tokenizer", "Metaspace")? = error as? TokenizerError else { return XCTFail("\(error)") }
        }
    }
}
