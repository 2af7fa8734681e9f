import Foundation
import Tokenizers
import ModelFormats
import ModelFormats
import XCTest

/// The MiniLM tokenizer against the Python `tokenizers` library's outputs in Tests/Fixtures/minilm_tokenizer.json.
final class TokenizerParityTests: XCTestCase {
    /// Every GSM8K text: the SHA-256 of all ids must equal the fixture's; a mismatch names the first differing text.
    func testCorpusMatchesPythonTokenizers() throws {
        let tok = try Resources.tokenizer()
        let corpus = try Resources.fixtureJSON()["corpus"] as! [String: Any]
        let texts = try Resources.gsm8kTexts(files: corpus["files"] as! [String])
        XCTAssertEqual(texts.count, corpus["count"] as! Int, "number of GSM8K texts")

        let start = Date()
        let batch = try tok.encodeBatch(texts)
        let seconds = Date().timeIntervalSince(start)
        print("TIMING encodeBatch(\(texts.count) GSM8K texts, train+test): \(String(format: "%.3f", seconds)) s")

        var total = SHA256()
        var firstMismatch: Int?
        let expectedPrefixes = corpus["text_sha256_prefixes"] as! [String]
        for i in 0..<batch.count {
            let ids = batch.ids(row: i).prefix(batch.lengths[i])
            let line = ids.map(String.init).joined(separator: ",") + "\n"
            total.update(line)
            if firstMismatch == nil, i < expectedPrefixes.count, !SHA256.hex(line).hasPrefix(expectedPrefixes[i]) {
                firstMismatch = i
            }
        }
        XCTAssertEqual(batch.lengths.reduce(0, +), corpus["total_tokens"] as! Int, "total tokens")
        XCTAssertEqual(batch.lengths.max() ?? -1, corpus["max_tokens"] as! Int, "longest text in tokens")
        XCTAssertEqual(total.hexDigest(), corpus["sha256"] as! String, "SHA-256 over all GSM8K ids")
        if let i = firstMismatch {
            let e = try tok.encode(texts[i])
            XCTFail("first text whose ids differ from Python: #\(i) \(texts[i].debugDescription)\nids: \(e.ids)\ntokens: \(e.tokens)")
        }

        // The brief's timing: the 14946 train texts.
        let train = Array(texts.prefix(14946))
        let t0 = Date()
        _ = try tok.encodeBatch(train)
        print("TIMING encodeBatch(\(train.count) GSM8K train texts): \(String(format: "%.3f", Date().timeIntervalSince(t0))) s")
    }

    func testSamples() throws {
        let tok = try Resources.tokenizer()
        let samples = try Resources.fixtureJSON()["samples"] as! [[String: Any]]
        XCTAssertGreaterThan(samples.count, 20)
        for r in samples { assertMatches(try tok.encode(r["text"] as! String), r, tok) }
    }

    func testEdgeCases() throws {
        let tok = try Resources.tokenizer()
        let cases = try Resources.fixtureJSON()["edge_cases"] as! [[String: Any]]
        XCTAssertGreaterThan(cases.count, 10)
        for r in cases { assertMatches(try tok.encode(r["text"] as! String), r, tok) }
    }

    /// Pairs, truncation strategies and directions, padding variants, no special tokens.
    func testOptions() throws {
        let tok = try Resources.tokenizer()
        let cases = try Resources.fixtureJSON()["options"] as! [[String: Any]]
        for r in cases {
            var truncation: Truncation?
            if let t = r["truncation"] as? [String: Any] {
                let strategy: Truncation.Strategy = switch t["strategy"] as? String {
                case "only_first": .onlyFirst
                case "only_second": .onlySecond
                default: .longestFirst
                }
                truncation = Truncation(maxLength: t["max_length"] as! Int, strategy: strategy,
                                        direction: t["direction"] as? String == "left" ? .left : .right)
            }
            var padding: Padding?
            if let p = r["padding"] as? [String: Any] {
                padding = Padding(strategy: (p["length"] as? Int).map { .fixed($0) } ?? .batchLongest,
                                  direction: p["direction"] as? String == "left" ? .left : .right,
                                  padToMultipleOf: p["pad_to_multiple_of"] as? Int)
            }
            let e = try tok.encode(r["text"] as! String, pair: r["pair"] as? String,
                                   addSpecialTokens: r["add_special_tokens"] as! Bool, truncation: truncation, padding: padding)
            assertMatches(e, r, tok)
        }
    }

    /// Added tokens with lstrip / rstrip / single_word / normalized, inserted into a copy of tokenizer.json.
    func testAddedTokenOptions() throws {
        _ = try Resources.tokenizer()
        let section = try Resources.fixtureJSON()["added_tokens"] as! [String: Any]
        var text = try String(contentsOf: Resources.modelDirectory.appendingPathComponent("tokenizer.json"), encoding: .utf8)
        let entries = try (section["added_tokens"] as! [Any]).map {
            String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self)
        }
        let key = try XCTUnwrap(text.range(of: "\"added_tokens\""))
        let open = try XCTUnwrap(text.range(of: "[", range: key.upperBound..<text.endIndex))
        text.insert(contentsOf: entries.joined(separator: ",") + ",", at: open.upperBound)
        let dir = try temporaryDirectory(self)
        let file = dir.appendingPathComponent("tokenizer.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let tok = try Tokenizer(tokenizerJSON: file)
        XCTAssertEqual(tok.vocabularySize, section["vocab_size"] as! Int)
        // A normalized added token is found by its raw content and shown (decoded) by its normalized one.
        XCTAssertEqual(tok.tokenToId("Yesterday"), 30523)
        XCTAssertEqual(tok.idToToken(30523), "yesterday")
        XCTAssertEqual(tok.tokenToId("yesterday"), tok.model.tokenToId("yesterday"))
        for r in section["cases"] as! [[String: Any]] { assertMatches(try tok.encode(r["text"] as! String), r, tok) }
    }

    func testTruncatedLongAnswers() throws {
        let tok = try Resources.tokenizer()
        let section = try Resources.fixtureJSON()["truncated"] as! [String: Any]
        let truncation = Truncation(maxLength: section["max_length"] as! Int)
        for r in section["cases"] as! [[String: Any]] {
            XCTAssertGreaterThan(r["full_length"] as! Int, truncation.maxLength, "case must need truncation")
            assertMatches(try tok.encode(r["text"] as! String, truncation: truncation), r, tok)
        }
    }

    func testBatchPaddingAndTruncation() throws {
        let tok = try Resources.tokenizer()
        let section = try Resources.fixtureJSON()["batch"] as! [String: Any]
        let expectedIds = (section["input_ids"] as! [[Int]]).map { $0.map(Int32.init) }
        let expectedMask = (section["attention_mask"] as! [[Int]]).map { $0.map(Int32.init) }
        let expectedTypes = (section["type_ids"] as! [[Int]]).map { $0.map(Int32.init) }
        let b = try tok.encodeBatch(section["texts"] as! [String], truncation: Truncation(maxLength: section["max_length"] as! Int),
                                    padding: .batchLongest)
        XCTAssertEqual(b.count, expectedIds.count)
        XCTAssertEqual(b.width, expectedIds[0].count)
        for i in 0..<b.count {
            XCTAssertEqual(Array(b.ids(row: i)), expectedIds[i], "row \(i) ids")
            XCTAssertEqual(Array(b.attentionMask(row: i)), expectedMask[i], "row \(i) attention mask")
            XCTAssertEqual(Array(b.typeIds(row: i)), expectedTypes[i], "row \(i) type ids")
            XCTAssertEqual(b.lengths[i], Int(expectedMask[i].reduce(0, +)), "row \(i) length")
        }
    }

    /// The normalizer on every code point alone, hashed per block like the fixture (CJK spacing, accents, case,
    /// removed controls, and the Unicode versions the Rust library's tables come from).
    func testNormalizerOnEveryCodePoint() throws {
        let tok = try Resources.tokenizer()
        let section = try Resources.fixtureJSON()["unicode"] as! [String: Any]
        let blockSize = section["block_size"] as! Int
        let expected = section["normalizer_blocks"] as! [String]
        let normalizer = try XCTUnwrap(tok.normalizer)
        var mismatched: [String] = []
        for (b, want) in expected.enumerated() {
            let block = (b * blockSize..<(b + 1) * blockSize).compactMap { Unicode.Scalar(UInt32($0)) }
            // ASCII alone takes the normalizer's fast path; normalize it separately so that path is checked too.
            var outputs: [Int: [Unicode.Scalar]] = [:]
            for part in [block.filter(\.isASCII), block.filter { !$0.isASCII }] where !part.isEmpty {
                var n = NormalizedString(original: part)  // alignments index into `part`
                normalizer.normalize(&n)
                for (s, a) in zip(n.scalars, n.alignments) { outputs[Int(part[a.lowerBound].value), default: []].append(s) }
            }
            var hash = SHA256()
            var text = ""
            for s in block {
                let out = (outputs[Int(s.value)] ?? []).map { String($0.value, radix: 16, uppercase: true) }
                text += String(s.value, radix: 16, uppercase: true) + ":" + out.joined(separator: " ") + "\n"
            }
            hash.update(text)
            if !hash.hexDigest().hasPrefix(want) {
                mismatched.append(String(format: "U+%04X..U+%04X", b * blockSize, (b + 1) * blockSize - 1))
            }
        }
        XCTAssertEqual(mismatched, [], "normalizer differs from the Python library in these code point blocks")
    }

    /// The pre-tokenizer's whitespace and punctuation classes on every code point.
    func testPreTokenizerOnEveryCodePoint() throws {
        let tok = try Resources.tokenizer()
        let section = try Resources.fixtureJSON()["unicode"] as! [String: Any]
        let preTokenizer = try XCTUnwrap(tok.preTokenizer)
        func expand(_ ranges: Any?) -> Set<UInt32> {
            Set((ranges as! [[Int]]).flatMap { UInt32($0[0])...UInt32($0[1]) })
        }
        let wantSpace = expand(section["pretokenizer_whitespace"]), wantPunct = expand(section["pretokenizer_punctuation"])
        // "a c a c' a …": a word character merges with its neighbours, whitespace vanishes, punctuation stands alone.
        let all = (0..<0x110000).compactMap { Unicode.Scalar(UInt32($0)) }
        var text: [Unicode.Scalar] = ["a"]
        for s in all { text.append(s); text.append("a") }
        var pre = PreTokenizedString(text: NormalizedString(original: text), pieces: [.init(range: 0..<text.count)])
        preTokenizer.preTokenize(&pre)
        var covered = [UInt8](repeating: 0, count: text.count)  // 0 none, 1 alone, 2 in a longer piece
        for p in pre.pieces { for i in p.range { covered[i] = p.range.count == 1 ? 1 : 2 } }
        var gotSpace = Set<UInt32>(), gotPunct = Set<UInt32>()
        for (k, s) in all.enumerated() {
            switch covered[1 + 2 * k] {
            case 0: gotSpace.insert(s.value)
            case 1: gotPunct.insert(s.value)
            default: break
            }
        }
        let hex = { (set: Set<UInt32>) in set.sorted().prefix(20).map { String(format: "U+%04X", $0) } }
        XCTAssertEqual(hex(gotSpace.subtracting(wantSpace)), [], "whitespace here, not in Python")
        XCTAssertEqual(hex(wantSpace.subtracting(gotSpace)), [], "whitespace in Python, not here")
        XCTAssertEqual(hex(gotPunct.subtracting(wantPunct)), [], "punctuation here, not in Python")
        XCTAssertEqual(hex(wantPunct.subtracting(gotPunct)), [], "punctuation in Python, not here")
    }

    /// What tokenizer.json and tokenizer_config.json declare, exposed but not applied by default.
    func testFileDefaultsAndVocabulary() throws {
        let tok = try Resources.tokenizer()
        let fixture = try Resources.fixtureJSON()
        XCTAssertEqual(tok.defaultTruncation, Truncation(maxLength: 128, strategy: .longestFirst, direction: .right))
        XCTAssertEqual(tok.defaultPadding, Padding(strategy: .fixed(128), direction: .right, padId: 0, padTypeId: 0, padToken: "[PAD]"))
        XCTAssertEqual(tok.vocabularySize, fixture["vocab_size"] as! Int)
        let special = fixture["special_ids"] as! [String: Int]
        XCTAssertEqual(tok.clsTokenId.map(Int.init), special["cls"])
        XCTAssertEqual(tok.sepTokenId.map(Int.init), special["sep"])
        XCTAssertEqual(tok.padTokenId.map(Int.init), special["pad"])
        XCTAssertEqual(tok.unkTokenId.map(Int.init), special["unk"])
        XCTAssertEqual(tok.maskTokenId.map(Int.init), special["mask"])
        XCTAssertEqual(tok.maskToken, "[MASK]")
        XCTAssertEqual(tok.tokenToId("[MASK]"), 103)
        XCTAssertEqual(tok.tokenToId("##ing"), tok.model.tokenToId("##ing"))
        XCTAssertNil(tok.tokenToId("definitely-not-a-token"))
        XCTAssertEqual(tok.idToToken(101), "[CLS]")
        XCTAssertNil(tok.idToToken(999_999))
        // Nothing applied unless asked: a long text is not cut to 128 nor padded.
        let long = String(repeating: "word ", count: 300)
        XCTAssertEqual(try tok.encode(long).count, 302)
        XCTAssertEqual(try tok.encode(long, truncation: tok.defaultTruncation, padding: tok.defaultPadding).count, 128)
        XCTAssertEqual(try tok.encode("short", truncation: tok.defaultTruncation, padding: tok.defaultPadding).count, 128)
        // encodeBatch rows equal encode.
        let texts = ["first text", "A second, longer text with more words in it.", ""]
        let b = try tok.encodeBatch(texts, truncation: Truncation(maxLength: 8))
        for (i, t) in texts.enumerated() {
            let e = try tok.encode(t, truncation: Truncation(maxLength: 8))
            XCTAssertEqual(Array(b.ids(row: i).prefix(b.lengths[i])), e.ids)
        }
    }
}
