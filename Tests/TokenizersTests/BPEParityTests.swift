import Foundation
import ModelFormats
import Tokenizers
import XCTest

/// SmolLM2 and Qwen2 byte-level BPE tokenizers against the Python `tokenizers` library's outputs in
/// Tests/Fixtures/bpe_tokenizers.json (scripts/reference/bpe_fixtures.py).
final class BPEParityTests: XCTestCase {
    static let smol = "SmolLM2-135M-Instruct"
    static let qwen = "Qwen2.5-Coder-0.5B-Instruct"

    // MARK: - Every GSM8K text

    func testSmolLM2Corpus() throws { try corpus(Self.smol) }
    func testQwen2Corpus() throws { try corpus(Self.qwen) }

    func corpus(_ model: String) throws {
        let t0 = Date()
        let tok = try BPEResources.tokenizer(model)
        print("TIMING load \(model) tokenizer.json: \(String(format: "%.3f", Date().timeIntervalSince(t0))) s")
        let section = try BPEResources.section(model)
        let seconds = try assertCorpus(tok, section["corpus"] as! [String: Any], label: model)
        print("TIMING encodeBatch(\(model), all GSM8K train+test texts, cold cache): \(String(format: "%.3f", seconds)) s")
        let again = try assertCorpus(tok, section["corpus"] as! [String: Any], label: model)
        print("TIMING encodeBatch(\(model), all GSM8K train+test texts, warm cache): \(String(format: "%.3f", again)) s")
    }

    // MARK: - Edge cases, samples, decoding

    func testSmolLM2EdgeCases() throws { try records(Self.smol, "edge_cases", minimum: 50) }
    func testQwen2EdgeCases() throws { try records(Self.qwen, "edge_cases", minimum: 50) }
    func testSmolLM2Samples() throws { try records(Self.smol, "samples", minimum: 5) }
    func testQwen2Samples() throws { try records(Self.qwen, "samples", minimum: 5) }

    func records(_ model: String, _ key: String, minimum: Int) throws {
        let tok = try BPEResources.tokenizer(model)
        let list = try BPEResources.section(model)[key] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(list.count, minimum)
        for r in list { assertMatches(try tok.encode(r["text"] as! String), r, tok) }
    }

    func testSmolLM2Decode() throws { try decode(Self.smol) }
    func testQwen2Decode() throws { try decode(Self.qwen) }

    /// Prefixes cut inside characters and raw invalid bytes decode to Python's U+FFFD placement.
    func decode(_ model: String) throws {
        let tok = try BPEResources.tokenizer(model)
        let section = try BPEResources.section(model)["decode"] as! [String: Any]
        for r in section["prefixes"] as! [[String: Any]] {
            let ids = int32s(r["ids"])
            let expected = r["decoded"] as! [String]
            XCTAssertEqual(expected.count, ids.count + 1)
            for k in 0...ids.count {
                XCTAssertEqual(scalars(tok.decode(Array(ids[..<k]))), scalars(expected[k]), "decode of \(k) ids of \(r["text"]!)")
            }
        }
        let bytes = section["bytes"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(bytes.count, 8)
        for r in bytes {
            XCTAssertEqual(scalars(tok.decode(int32s(r["ids"]))), scalars(r["decoded"] as! String), "decode of bytes \(r["bytes"]!)")
        }
    }

    // MARK: - Streaming

    func testStreamingEqualsDecode() throws {
        for model in BPEResources.models {
            let tok = try BPEResources.tokenizer(model)
            let section = try BPEResources.section(model)
            var sequences = (section["edge_cases"] as! [[String: Any]]).map { int32s($0["ids"]) }
            sequences += (section["decode"] as! [String: Any])["bytes"].map { ($0 as! [[String: Any]]).map { int32s($0["ids"]) } }!
            for ids in sequences {
                for skip in [true, false] {
                    var stream = StreamingDecoder(tokenizer: tok, skipSpecialTokens: skip)
                    var pieces: [String] = []
                    for id in ids { pieces.append(stream.append(id)) }
                    pieces.append(stream.finish())
                    let whole = tok.decode(ids, skipSpecialTokens: skip)
                    XCTAssertEqual(scalars(pieces.joined()), scalars(whole), "\(model) stream of \(ids)")
                    // Held back, never broken: no piece but the last may show U+FFFD unless the whole text has it there.
                    if !whole.unicodeScalars.contains("\u{FFFD}") {
                        XCTAssertFalse(pieces.joined().unicodeScalars.contains("\u{FFFD}"), "\(model) stream of \(ids)")
                    }
                }
            }
        }
    }

    /// One emoji split over several byte tokens comes out whole, once, when its last byte arrives.
    func testStreamingHoldsPartialCharacters() throws {
        let tok = try BPEResources.tokenizer(Self.qwen)
        let text = "a 🤖 世界"
        let ids = try tok.encode(text).ids
        var stream = StreamingDecoder(tokenizer: tok)
        var pieces: [String] = []
        for id in ids { pieces.append(stream.append(id)) }
        XCTAssertEqual(stream.finish(), "")
        XCTAssertEqual(pieces.joined(), text)
        for p in pieces { XCTAssertFalse(p.unicodeScalars.contains("\u{FFFD}"), "piece \(p.debugDescription)") }
        XCTAssertTrue(pieces.contains { $0.isEmpty }, "some token ends inside a character and returns nothing")
        // An unfinished character at the end is flushed as U+FFFD, like decode().
        var partial = StreamingDecoder(tokenizer: tok)
        let robot = try tok.encode("\u{1F9EE}\u{10348}").ids
        XCTAssertGreaterThan(robot.count, 1)
        XCTAssertEqual(partial.append(Array(robot.dropLast())), "\u{1F9EE}", "the complete character, not the partial one")
        XCTAssertEqual(partial.finish(), "\u{FFFD}")
        XCTAssertEqual(tok.decode(Array(robot.dropLast())), "\u{1F9EE}\u{FFFD}")
    }

    // MARK: - Every code point through the pre-tokenizer

    func testSmolLM2PreTokenizerOnEveryCodePoint() throws { try preTokenizerProbe(Self.smol) }
    func testQwen2PreTokenizerOnEveryCodePoint() throws { try preTokenizerProbe(Self.qwen) }

    /// The split regexes' classes (`\p{L}`, `\p{N}`, `\s`, case-insensitive contractions) on every code point.
    func preTokenizerProbe(_ model: String) throws {
        let tok = try BPEResources.tokenizer(model)
        let section = try BPEResources.section(model)["unicode"] as! [String: Any]
        let blockSize = section["block_size"] as! Int
        let expected = section["blocks"] as! [String]
        let pre = try XCTUnwrap(tok.preTokenizer)
        var mismatched: [String] = []
        for (b, want) in expected.enumerated() {
            var text = ""
            for v in (b * blockSize)..<((b + 1) * blockSize) {
                guard let c = Unicode.Scalar(UInt32(v)) else { continue }
                let probe = Self.probe(c)
                var p = PreTokenizedString(text: NormalizedString(original: probe), pieces: [.init(range: 0..<probe.count)])
                pre.preTokenize(&p)
                let parts = p.pieces.map { piece -> String in
                    let o = p.text.originalRange(of: piece.range)
                    var view = String.UnicodeScalarView()
                    view.append(contentsOf: p.text.scalars[piece.range])
                    return String(view) + "@\(o.lowerBound)-\(o.upperBound)"
                }
                text += String(v, radix: 16, uppercase: true) + ":" + parts.joined(separator: "|") + "\n"
            }
            var hash = SHA256()
            hash.update(text)
            if !hash.hexDigest().hasPrefix(want) {
                mismatched.append(String(format: "U+%04X..U+%04X", b * blockSize, (b + 1) * blockSize - 1))
            }
        }
        XCTAssertEqual(mismatched, [], "\(model): pre-tokenizer differs from the Python library in these blocks")
    }

    static func probe(_ c: Unicode.Scalar) -> [Unicode.Scalar] {
        var s: [Unicode.Scalar] = ["a", c, "1", c, "'", c, " ", c, c, "\n", c, " ", "x", c, "\r", "\n", " ", c]
        s.reserveCapacity(s.count)
        return s
    }

    // MARK: - Normalizers

    func testUnicodeNormalizersOnEveryCodePoint() throws {
        let section = try BPEResources.fixtureJSON()["normalizers"] as! [String: Any]
        let blockSize = section["block_size"] as! Int
        let blocks = section["blocks"] as! [String: [String]]
        for form in [UnicodeNormalizer.Form.nfc, .nfd, .nfkc, .nfkd] {
            let normalizer = UnicodeNormalizer(form: form)
            var mismatched: [String] = []
            for (b, want) in blocks[form.rawValue]!.enumerated() {
                var text = ""
                for v in (b * blockSize)..<((b + 1) * blockSize) {
                    guard let c = Unicode.Scalar(UInt32(v)) else { continue }
                    var n = NormalizedString(original: [c])
                    normalizer.normalize(&n)
                    text += String(v, radix: 16, uppercase: true) + ":"
                        + n.scalars.map { String($0.value, radix: 16, uppercase: true) }.joined(separator: " ") + "\n"
                }
                var hash = SHA256()
                hash.update(text)
                if !hash.hexDigest().hasPrefix(want) {
                    mismatched.append(String(format: "U+%04X..U+%04X", b * blockSize, (b + 1) * blockSize - 1))
                }
            }
            XCTAssertEqual(mismatched, [], "\(form.rawValue) differs from the Python library in these blocks")
        }
    }

    /// Composition, decomposition and reordering keep the Rust library's (positional) alignments.
    func testUnicodeNormalizerAlignments() throws {
        let section = try BPEResources.fixtureJSON()["normalizers"] as! [String: Any]
        for r in section["texts"] as! [[String: Any]] {
            let form = UnicodeNormalizer.Form(rawValue: r["form"] as! String)!
            let text = r["text"] as! String
            var n = NormalizedString(original: text.unicodeScalars)
            UnicodeNormalizer(form: form).normalize(&n)
            XCTAssertEqual(scalars(n.string), scalars(r["normalized"] as! String), "\(form.rawValue) of \(text.debugDescription)")
            let expected = (r["alignments"] as! [[Int]]).map { $0[0]..<$0[1] }
            XCTAssertEqual(n.alignments, expected, "\(form.rawValue) alignments of \(text.debugDescription)")
        }
    }

    // MARK: - Pipeline variants (hub layouts, offset trimming, prefix space, split behaviours)

    func testSmolLM2Variants() throws { try variants(Self.smol) }
    func testQwen2Variants() throws { try variants(Self.qwen) }

    func variants(_ model: String) throws {
        let variants = try BPEResources.section(model)["variants"] as! [String: [String: Any]]
        XCTAssertGreaterThanOrEqual(variants.count, 2)
        for (name, v) in variants.sorted(by: { $0.key < $1.key }) {
            let tok = try BPEResources.variant(model, stages: v["stages"] as! [String: Any], in: try temporaryDirectory(self))
            try assertCorpus(tok, v["corpus"] as! [String: Any], label: "\(model) \(name)")
            for r in v["edge_cases"] as! [[String: Any]] { assertMatches(try tok.encode(r["text"] as! String), r, tok) }
        }
    }

    // MARK: - Files

    func testSpecialTokensAndVocabulary() throws {
        for model in BPEResources.models {
            let tok = try BPEResources.tokenizer(model)
            let section = try BPEResources.section(model)
            XCTAssertEqual(tok.vocabularySize, section["vocab_size"] as! Int, model)
            for (token, id) in section["special_ids"] as! [String: Int] {
                XCTAssertEqual(tok.tokenToId(token).map(Int.init), id, "\(model) \(token)")
                XCTAssertEqual(tok.idToToken(Int32(id)), token, "\(model) \(id)")
            }
            let data = try Data(contentsOf: BPEResources.directory(model).appendingPathComponent("tokenizer.json"))
            var h = SHA256()
            h.update([UInt8](data))
            XCTAssertEqual(h.hexDigest(), section["tokenizer_json_sha256"] as! String,
                           "\(model): models/ holds another tokenizer.json than the fixture was made from")
        }
    }
}

extension BPEParityTests {
    /// `Digits` isolates exactly the code points Rust's `char::is_numeric` accepts in the Python library's build.
    func testDigitsOnEveryCodePoint() throws {
        let section = try BPEResources.fixtureJSON()["digits"] as! [String: Any]
        let expected = Set((section["numeric_ranges"] as! [[Int]]).flatMap { UInt32($0[0])...UInt32($0[1]) })
        let digits = DigitsPreTokenizer(individualDigits: true)
        var got = Set<UInt32>()
        for v in UInt32(0)..<0x110000 {
            guard let c = Unicode.Scalar(v) else { continue }
            var p = PreTokenizedString(text: NormalizedString(original: ["a", c, "a"]), pieces: [.init(range: 0..<3)])
            digits.preTokenize(&p)
            if p.pieces.count == 3 { got.insert(v) }
        }
        let hex = { (set: Set<UInt32>) in set.sorted().prefix(20).map { String(format: "U+%04X", $0) } }
        XCTAssertEqual(hex(got.subtracting(expected)), [], "numeric here, not in Python")
        XCTAssertEqual(hex(expected.subtracting(got)), [], "numeric in Python, not here")
    }
}

extension BPEParityTests {
    /// Small BPE files for what the real ones leave unused: byte fallback, unknown tokens, ignore_merges,
    /// subword prefix / word suffix, "a b" merges, a word long enough for the priority-queue path, added tokens.
    func testToyModels() throws {
        let toys = try BPEResources.fixtureJSON()["toy_models"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(toys.count, 6)
        for toy in toys {
            let file = try temporaryDirectory(self).appendingPathComponent("tokenizer.json")
            try (toy["tokenizer_json"] as! String).write(to: file, atomically: true, encoding: .utf8)
            let tok = try Tokenizer(tokenizerJSON: file)
            for r in toy["cases"] as! [[String: Any]] { assertMatches(try tok.encode(r["text"] as! String), r, tok) }
        }
    }
}
