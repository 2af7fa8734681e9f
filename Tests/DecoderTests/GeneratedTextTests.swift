import Foundation
import XCTest
import TestSupport
import Tokenizers
@testable import Decoder

/// Incremental output text: decoded token by token, cut before the first stop string, streamed without ever showing
/// (part of) a stop string, and equal to decoding all tokens at once.
final class GeneratedTextTests: XCTestCase {
    var tokenizer: Tokenizer!

    override func setUpWithError() throws {
        tokenizer = try Tokenizer.load(directory: try Repository.model("SmolLM2-135M-Instruct"))
    }

    /// Feeds the tokens of `text` one at a time; returns the streamed pieces (finish included) and the final state.
    func stream(_ text: String, stops: [String]) throws -> (pieces: [String], text: GeneratedText) {
        var generated = GeneratedText(tokenizer: tokenizer, stopStrings: stops)
        var pieces: [String] = []
        for id in try tokenizer.encode(text, addSpecialTokens: false).ids {
            pieces.append(generated.append(id))
            if generated.stopped { break }
        }
        pieces.append(generated.finish())
        return (pieces, generated)
    }

    func testWithoutStopStringsTheTextIsTheWholeDecoding() throws {
        let text = "Natalia sold 48/2 = 24 clips in May. ✓ 日本語 €5\n#### 72"
        let (pieces, generated) = try stream(text, stops: [])
        XCTAssertEqual(generated.text, text)
        XCTAssertEqual(pieces.joined(), text)
        XCTAssertFalse(generated.stopped)
    }

    func testCutBeforeTheFirstStopStringAndNeverStreamed() throws {
        let text = "She has 5 apples.\n\nQuestion: How many pears?\nAnswer: 3"
        let (pieces, generated) = try stream(text, stops: ["Question:", "</s>"])
        XCTAssertTrue(generated.stopped)
        XCTAssertEqual(generated.text, "She has 5 apples.\n\n")
        XCTAssertEqual(pieces.joined(), "She has 5 apples.\n\n")
        // While "Quest" was the text's end it was held back, not shown and then retracted.
        XCTAssertFalse(pieces.contains { $0.contains("Q") })
    }

    func testEarliestOfSeveralStopStringsWins() throws {
        let (_, generated) = try stream("a b STOP2 c STOP1 d", stops: ["STOP1", "STOP2"])
        XCTAssertEqual(generated.text, "a b ")
    }

    /// A held-back ending that turns out not to be a stop string is released, by a later token or by `finish`.
    func testHeldBackTextIsReleased() throws {
        let (pieces, generated) = try stream("The answer is Ques", stops: ["Question:"])
        XCTAssertFalse(generated.stopped)
        XCTAssertEqual(pieces.joined(), "The answer is Ques")
        XCTAssertEqual(pieces.last, "Ques", "held back until the sequence ended")
        let (more, _) = try stream("Quest for the answer", stops: ["Question:"])
        XCTAssertEqual(more.joined(), "Quest for the answer")
    }

    /// A stop string that spans several tokens, the last of which adds text beyond it.
    func testStopStringInsideATokenCutsThere() throws {
        let (_, generated) = try stream("x = 12 then ####### 7", stops: ["###"])
        XCTAssertEqual(generated.text, "x = 12 then ")
    }

    /// TextGenerator streams each request's text in pieces that add up to `Output.text`; without stop strings that is
    /// the decoding of all its tokens, with one it ends before the stop string.
    func testGeneratorStreamsItsOutputText() throws {
        let gguf = try Repository.model("SmolLM2-135M-Instruct").appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf").path
        let generator = TextGenerator(model: try DecoderModel.load(gguf: gguf))
        let prompt = try tokenizer.encode("Question: Tom has 3 apples and buys 4 more. How many apples does he have?\nAnswer:",
                                          addSpecialTokens: false).ids
        let free = generator.generate([.init(prompt: prompt, maxNewTokens: 24)], tokenizer: tokenizer)[0]
        let words = free.text.split(separator: " ")
        XCTAssertGreaterThan(words.count, 3, free.text)
        let stop = " " + words[2]
        var pieces = ["", ""]
        let outputs = generator.generate([.init(prompt: prompt, maxNewTokens: 24), .init(prompt: prompt, maxNewTokens: 24, stopStrings: [stop])],
                                         tokenizer: tokenizer, onText: { pieces[$0] += $1 })
        XCTAssertEqual(outputs[0].text, tokenizer.decode(outputs[0].tokens))
        XCTAssertEqual(outputs[0].text, free.text)
        XCTAssertEqual(pieces[0], outputs[0].text)
        XCTAssertEqual(outputs[1].finishReason, .stopString)
        XCTAssertEqual(pieces[1], outputs[1].text)
        XCTAssertTrue(free.text.hasPrefix(outputs[1].text + stop), "'\(outputs[1].text)' then '\(stop)' begin '\(free.text)'")
        XCTAssertFalse(outputs[1].text.contains(stop))
    }
}
