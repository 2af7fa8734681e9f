import Foundation
import Tokenizers
import XCTest

/// Loading: typed errors that name the file, the stage registry, and details of tokenizer.json on a tiny tokenizer.
final class TokenizerLoadingTests: XCTestCase {
    /// A small BERT-style tokenizer.json; `postProcessor` and `normalizer` are spliced in as JSON text.
    static func tinyTokenizerJSON(postProcessor: String = templateProcessor, normalizer: String = bertNormalizer,
                                  model: String? = nil) -> String {
        """
        {"version": "1.0", "truncation": null, "padding": null,
         "added_tokens": [
          {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
          {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
          {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
          {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
         "normalizer": \(normalizer),
         "pre_tokenizer": {"type": "BertPreTokenizer"},
         "post_processor": \(postProcessor),
         "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
         "model": \(model ?? """
           {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
            "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4, "world": 5, "##s": 6, "!": 7,
                      "caf\\u00e9": 8, "\\ud83e\\udd16": 9, "e\\u0301": 10, "\\u00e9": 11, "tab\\tquote\\"": 12}}
           """)}
        """
    }

    static let bertNormalizer = """
        {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}
        """
    static let templateProcessor = """
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                    {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                  {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
         "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                            "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}}
        """

    func write(_ text: String, name: String = "tokenizer.json") throws -> URL {
        let url = try temporaryDirectory(self).appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func error(_ body: () throws -> Any) -> TokenizerError? {
        do {
            _ = try body()
            XCTFail("expected an error")
            return nil
        } catch let e as TokenizerError {
            return e
        } catch {
            XCTFail("expected a TokenizerError, got \(error)")
            return nil
        }
    }

    func testTinyTokenizerEncodesAndDecodes() throws {
        let tok = try Tokenizer(tokenizerJSON: try write(Self.tinyTokenizerJSON()))
        let e = try tok.encode("Hello worlds!", pair: "HELLO")
        XCTAssertEqual(e.ids, [2, 4, 5, 6, 7, 3, 4, 3])
        XCTAssertEqual(e.typeIds, [0, 0, 0, 0, 0, 0, 1, 1])
        XCTAssertEqual(e.tokens, ["[CLS]", "hello", "world", "##s", "!", "[SEP]", "hello", "[SEP]"])
        XCTAssertEqual(e.offsets, [0..<0, 0..<5, 6..<11, 11..<12, 12..<13, 0..<0, 0..<5, 0..<0])
        XCTAssertEqual(tok.decode(e.ids), "hello worlds! hello")
        XCTAssertEqual(tok.decode(e.ids, skipSpecialTokens: false), "[CLS] hello worlds! [SEP] hello [SEP]")
        XCTAssertEqual(try tok.encode("hello unknownword").ids, [2, 4, 1, 3])
        XCTAssertEqual(tok.vocabularySize, 13)
        XCTAssertEqual(tok.clsTokenId, 2)
        XCTAssertEqual(tok.sepTokenId, 3)
        XCTAssertEqual(tok.unkTokenId, 1)
        XCTAssertNil(tok.padTokenId, "no padding section and no tokenizer_config.json")
    }

    /// JSON escapes decode exactly, and canonically equivalent keys stay distinct tokens.
    func testVocabularyKeysAreExactScalars() throws {
        let tok = try Tokenizer(tokenizerJSON: try write(Self.tinyTokenizerJSON()))
        XCTAssertEqual(tok.tokenToId("caf\u{e9}"), 8)
        XCTAssertNil(tok.tokenToId("cafe\u{301}"))
        XCTAssertEqual(tok.tokenToId("\u{1F916}"), 9)
        XCTAssertEqual(tok.tokenToId("e\u{301}"), 10)
        XCTAssertEqual(tok.tokenToId("\u{e9}"), 11)
        XCTAssertEqual(tok.tokenToId("tab\tquote\""), 12)
        XCTAssertEqual(tok.idToToken(10).map(scalars), [0x65, 0x301])
    }

    /// `BertProcessing` (older files) behaves as the equivalent template.
    func testBertProcessingEqualsTemplate() throws {
        let template = try Tokenizer(tokenizerJSON: try write(Self.tinyTokenizerJSON()))
        let bert = try Tokenizer(tokenizerJSON: try write(Self.tinyTokenizerJSON(
            postProcessor: #"{"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}"#)))
        for (a, b) in [("Hello world!", nil), ("hellos", "world world"), ("", "")] as [(String, String?)] {
            XCTAssertEqual(try bert.encode(a, pair: b), try template.encode(a, pair: b))
            XCTAssertEqual(try bert.encode(a, pair: b, truncation: Truncation(maxLength: 4)),
                           try template.encode(a, pair: b, truncation: Truncation(maxLength: 4)))
        }
    }

    func testMissingFileNamesTheFile() throws {
        let dir = try temporaryDirectory(self).appendingPathComponent("no-such-model")
        let e = error { try Tokenizer.load(directory: dir) }
        XCTAssertEqual(e, .fileNotFound(path: dir.appendingPathComponent("tokenizer.json").path))
        XCTAssertTrue(e?.description.contains("no-such-model/tokenizer.json") == true)
    }

    func testMalformedJSONNamesFileLineAndColumn() throws {
        let url = try write("{\"version\": \"1.0\",\n  \"model\": {\"type\": \"WordPiece\",, \"vocab\": {}}}")
        guard case .malformedJSON(let path, let line, let column, _)? = error({ try Tokenizer(tokenizerJSON: url) }) else {
            return XCTFail("expected malformedJSON")
        }
        XCTAssertEqual(path, url.path)
        XCTAssertEqual(line, 2)
        XCTAssertEqual(column, 33)
        for bad in ["", "{", "[1,]", "{\"a\": tru}", "\"\\ud800\"", "{\"a\": 01}", "{\"a\": \"x\ny\"}", "{} x"] {
            let u = try write(bad, name: "bad.json")
            guard case .malformedJSON? = error({ try Tokenizer(tokenizerJSON: u) }) else {
                return XCTFail("\(bad.debugDescription) should be malformed")
            }
        }
    }

    func testUnknownStageTypeIsAnErrorNotAGuess() throws {
        let url = try write(Self.tinyTokenizerJSON(normalizer: #"{"type": "Precompiled", "precompiled_charsmap": ""}"#))
        let e = error { try Tokenizer(tokenizerJSON: url) }
        XCTAssertEqual(e, .unknownStageType(path: url.path, stage: "normalizer", type: "Precompiled"))
        XCTAssertTrue(e?.description.contains(url.path) == true)
        XCTAssertTrue(e?.description.contains("BertNormalizer") == true, "lists what is supported")

        let pp = try write(Self.tinyTokenizerJSON(postProcessor: #"{"type": "RobertaProcessing"}"#))
        XCTAssertEqual(error { try Tokenizer(tokenizerJSON: pp) },
                       .unknownStageType(path: pp.path, stage: "post_processor", type: "RobertaProcessing"))
        let model = try write(Self.tinyTokenizerJSON(model: #"{"type": "Unigram", "vocab": []}"#))
        XCTAssertEqual(error { try Tokenizer(tokenizerJSON: model) },
                       .unknownStageType(path: model.path, stage: "model", type: "Unigram"))
    }

    func testMissingAndInvalidFields() throws {
        let noModel = try write(#"{"version": "1.0", "normalizer": null}"#)
        XCTAssertEqual(error { try Tokenizer(tokenizerJSON: noModel) }, .missingField(path: noModel.path, field: "model"))
        let noVocab = try write(Self.tinyTokenizerJSON(model: #"{"type": "WordPiece", "unk_token": "[UNK]"}"#))
        XCTAssertEqual(error { try Tokenizer(tokenizerJSON: noVocab) }, .missingField(path: noVocab.path, field: "model.vocab"))
        let noType = try write(Self.tinyTokenizerJSON(normalizer: #"{"lowercase": true}"#))
        XCTAssertEqual(error { try Tokenizer(tokenizerJSON: noType) }, .missingField(path: noType.path, field: "normalizer.type"))
        let badUnk = try write(Self.tinyTokenizerJSON(model: #"{"type": "WordPiece", "unk_token": "<unk>", "vocab": {"a": 0}}"#))
        guard case .invalidField(let p, let field, _)? = error({ try Tokenizer(tokenizerJSON: badUnk) }) else {
            return XCTFail("expected invalidField")
        }
        XCTAssertEqual(p, badUnk.path)
        XCTAssertEqual(field, "model.unk_token")
        let badType = try write(Self.tinyTokenizerJSON(normalizer: #"{"type": "BertNormalizer", "lowercase": "yes"}"#))
        guard case .invalidField(_, "normalizer.lowercase", _)? = error({ try Tokenizer(tokenizerJSON: badType) }) else {
            return XCTFail("expected invalidField normalizer.lowercase")
        }
        let badTemplate = try write(Self.tinyTokenizerJSON(postProcessor: """
            {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}], "pair": [], "special_tokens": {}}
            """))
        guard case .invalidField(_, "post_processor.single[0].SpecialToken", _)? = error({ try Tokenizer(tokenizerJSON: badTemplate) }) else {
            return XCTFail("expected invalidField for an undeclared special token")
        }
    }

    func testConfigSuppliesSpecialTokensAndPad() throws {
        let dir = try temporaryDirectory(self)
        try Self.tinyTokenizerJSON().write(to: dir.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        try #"{"pad_token": "[PAD]", "unk_token": {"content": "[UNK]"}, "mask_token": "[MASK]"}"#
            .write(to: dir.appendingPathComponent("tokenizer_config.json"), atomically: true, encoding: .utf8)
        // [MASK] is not in the tiny vocabulary: a config naming it is an error that names the config file.
        guard case .invalidField(let path, "mask_token", _)? = error({ try Tokenizer.load(directory: dir) }) else {
            return XCTFail("expected invalidField mask_token")
        }
        XCTAssertTrue(path.hasSuffix("tokenizer_config.json"))
        try #"{"pad_token": "[PAD]", "unk_token": {"content": "[UNK]"}}"#
            .write(to: dir.appendingPathComponent("tokenizer_config.json"), atomically: true, encoding: .utf8)
        let tok = try Tokenizer.load(directory: dir)
        XCTAssertEqual(tok.padTokenId, 0)
        XCTAssertEqual(tok.padToken, "[PAD]")
        let b = try tok.encodeBatch(["hello", "hello world!"], padding: .batchLongest)
        XCTAssertEqual(b.ids, [2, 4, 3, 0, 0, 2, 4, 5, 7, 3])
        XCTAssertEqual(b.attentionMask, [1, 1, 1, 0, 0, 1, 1, 1, 1, 1])
        XCTAssertEqual(b.lengths, [3, 5])
        let left = try tok.encodeBatch(["hello", "hello world!"], padding: Padding(strategy: .fixed(6), direction: .left))
        XCTAssertEqual(left.width, 6)
        XCTAssertEqual(Array(left.ids(row: 0)), [0, 0, 0, 2, 4, 3])
    }

    func testTruncationAndPaddingErrors() throws {
        let tok = try Tokenizer(tokenizerJSON: try write(Self.tinyTokenizerJSON()))
        XCTAssertEqual(error { try tok.encode("hello", truncation: Truncation(maxLength: 1)) },
                       .truncationTooShort(maxLength: 1, specialTokens: 2))
        XCTAssertEqual(try tok.encode("hello world", truncation: Truncation(maxLength: 2)).ids, [2, 3])
        XCTAssertEqual(try tok.encode("hello world", addSpecialTokens: false, truncation: Truncation(maxLength: 1)).ids, [4])
        guard case .truncationImpossible? = error({
            try tok.encode("hello world", truncation: Truncation(maxLength: 3, strategy: .onlySecond))
        }) else { return XCTFail("OnlySecond without a pair must fail") }
        guard case .missingPadToken? = error({ try tok.encodeBatch(["hello"]) }) else {
            return XCTFail("padding without any pad token must fail")
        }
        let b = try tok.encodeBatch(["hello", "hello world"], padding: Padding(padId: 0, padToken: "[PAD]"))
        XCTAssertEqual(b.ids, [2, 4, 3, 0, 2, 4, 5, 3])
    }

    func testEmptyBatch() throws {
        let tok = try Tokenizer(tokenizerJSON: try write(Self.tinyTokenizerJSON()))
        let b = try tok.encodeBatch([], padding: Padding(padId: 0, padToken: "[PAD]"))
        XCTAssertEqual(b.count, 0)
        XCTAssertEqual(b.width, 0)
        XCTAssertEqual(b.ids, [])
    }
}
