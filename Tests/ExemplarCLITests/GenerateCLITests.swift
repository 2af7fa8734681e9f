import Foundation
import XCTest
import Decoder
import Tokenizers
import TestSupport

/// `exemplar generate`: what it streams equals the greedy text decoded in one go, stop strings end it unseen, and bad
/// input is a one-line error.
extension CLIErrorTests {
    func greedyText(_ prompt: String, maxNewTokens: Int) throws -> String {
        // The weights `generate` decodes by default (auto: the GGUF file's own blocks).
        let lm = try LanguageModel.load(path: try Repository.model("SmolLM2-135M-Instruct").path, weights: .auto)
        let input = try lm.chatTemplate().render(messages: [.object([("role", "user"), ("content", .string(prompt))])],
                                                 addGenerationPrompt: true)
        let output = TextGenerator(model: lm.model).generate(
            [.init(prompt: try lm.encode(input), maxNewTokens: maxNewTokens, stopTokens: lm.stopTokenIds)])[0]
        return lm.tokenizer.decode(output.tokens)
    }

    func testGenerateStreamsTheGreedyText() throws {
        let model = try Repository.model("SmolLM2-135M-Instruct").path
        let prompt = "What is 12 + 30? Explain in one sentence."
        let expected = try greedyText(prompt, maxNewTokens: 40)
        let result = try run(["generate", "--model", model, "--chat", "--max-new-tokens", "40", prompt])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(expected.isEmpty)
        XCTAssertEqual(result.stdout, expected)
        let stats = try XCTUnwrap(result.stderr.split(separator: "\n").last.map(String.init))
        XCTAssertNotNil(stats.range(of: #"^prompt \d+ tokens, \d+ new tokens \((stop_token|length)\); prefill [\d.]+ tok/s, decode [\d.]+ tok/s"#,
                                    options: .regularExpression), stats)

        // A stop string from the middle of that text ends the output just before it.
        let words = expected.split(separator: " ")
        XCTAssertGreaterThan(words.count, 4, expected)
        let stop = " " + words[3]
        let stopped = try run(["generate", "--model", model, "--chat", "--max-new-tokens", "40", "--stop", stop, prompt])
        XCTAssertEqual(stopped.status, 0, stopped.stderr)
        XCTAssertEqual(stopped.stdout, String(expected[..<expected.range(of: stop)!.lowerBound]))
        XCTAssertTrue(stopped.stderr.contains("(stop_string)"), stopped.stderr)
    }

    func testGenerateBadInput() throws {
        let missing = scratch.appendingPathComponent("no-model").path
        let result = try run(["generate", "--model", missing, "hello"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("error: \(missing)"), result.stderr)
        let usage = try run(["generate", "--model", missing, "--system", "be brief", "hello"])
        XCTAssertNotEqual(usage.status, 0)
        XCTAssertTrue(usage.stderr.contains("--system needs --chat"), usage.stderr)
    }
}
