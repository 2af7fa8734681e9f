import Foundation
import XCTest
import Retrieval
import TestSupport
import Tokenizers
@testable import MathTasks

/// Prompts as the model sees them: chat turns through the model's own template, shots in order (so nearest-last
/// retrieval puts the nearest problem right before the question), or the harness's plain text.
final class FewShotPromptTests: XCTestCase {
    let shots = [GSM8KProblem(line: 7, question: "Far?", answer: "far work\n#### 1"),
                 GSM8KProblem(line: 3, question: "Near?", answer: "near work\n#### 2")]

    func testChatTurnsInTheModelsTemplate() throws {
        let template = try TokenizerConfig.load(directory: try Repository.model("SmolLM2-135M-Instruct")).chatTemplate()
        let prompt = try FewShotPrompt.text(question: "Asked?", shots: shots, format: .chat, chatTemplate: template)
        let turn = { "<|im_start|>user\n" + FewShotPrompt.userTurn($0) + "<|im_end|>\n" }
        let expected = turn("Far?") + "<|im_start|>assistant\nfar work\n#### 1<|im_end|>\n"
            + turn("Near?") + "<|im_start|>assistant\nnear work\n#### 2<|im_end|>\n"
            + turn("Asked?") + "<|im_start|>assistant\n"
        XCTAssertTrue(prompt.hasPrefix("<|im_start|>system\n"), prompt)
        XCTAssertTrue(prompt.hasSuffix(expected), prompt)
        XCTAssertEqual(FewShotPrompt.stopStrings(.chat), [])
    }

    func testPlainFormatIsTheHarnesss() throws {
        let prompt = try FewShotPrompt.text(question: "Asked?", shots: shots, format: .plain, chatTemplate: nil)
        XCTAssertEqual(prompt, "Question: Far?\nAnswer: far work\n#### 1\n\nQuestion: Near?\nAnswer: near work\n#### 2\n\nQuestion: Asked?\nAnswer:")
        XCTAssertEqual(FewShotPrompt.stopStrings(.plain), ["Question:", "</s>", "<|im_end|>"])
        XCTAssertEqual(try FewShotPrompt.text(question: "Asked?", shots: [], format: .plain, chatTemplate: nil), "Question: Asked?\nAnswer:")
    }

    func testAutoFormatFollowsTheChatTemplate() {
        XCTAssertEqual(PromptFormat.auto.resolved(hasChatTemplate: true), .chat)
        XCTAssertEqual(PromptFormat.auto.resolved(hasChatTemplate: false), .plain)
        XCTAssertEqual(PromptFormat.plain.resolved(hasChatTemplate: true), .plain)
    }
}
