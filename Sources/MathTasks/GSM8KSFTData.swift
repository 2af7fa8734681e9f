import Decoder
import Foundation
import Retrieval
import Tensor
import Tokenizers

/// GSM8K problems (any JSON Lines file of `question` / `answer`) as SFT examples for a chat model.
///
/// The prompt is exactly the text `eval gsm8k` gives the model for a zero-shot question: the user turn
/// (`FewShotPrompt.userTurn`) rendered by the model's own chat template with the generation prompt. The completion
/// is what rendering the whole conversation — that turn plus the reference solution as the assistant turn — adds
/// after the prompt: the solution, then the template's end-of-turn (`<|im_end|>\n` for ChatML), so the model learns
/// to stop. Token ids come from tokenising prompt and prompt + completion and splitting at the prompt's length, as
/// TRL's SFTTrainer does for conversational prompt-completion data (here a prompt that does not tokenise to a
/// prefix of the whole is an error, not a warning).
public enum GSM8KSFTData {
    public struct Rendered: Codable, Equatable, Sendable {
        public var prompt: String
        public var completion: String
    }

    public static func render(_ problem: GSM8KProblem, chatTemplate: ChatTemplate) throws -> Rendered {
        let user = FewShotPrompt.Message(role: "user", content: FewShotPrompt.userTurn(problem.question))
        let assistant = FewShotPrompt.Message(role: "assistant", content: problem.answer)
        func jinja(_ m: [FewShotPrompt.Message]) -> [JinjaValue] {
            m.map { JinjaValue.object([("role", .string($0.role)), ("content", .string($0.content))]) }
        }
        let prompt = try FewShotPrompt.text(question: problem.question, shots: [], format: .chat, chatTemplate: chatTemplate)
        let whole = try chatTemplate.render(messages: jinja([user, assistant]), addGenerationPrompt: false)
        guard whole.hasPrefix(prompt) else {
            throw SFTDataError("the chat template renders the conversation without the generation prompt as its prefix; "
                               + "prompt/completion cannot be split")
        }
        return Rendered(prompt: prompt, completion: String(whole.dropFirst(prompt.count)))
    }

    /// Token ids of a rendered example (no special tokens added: the template writes its own).
    public static func tokenize(_ rendered: Rendered, model: LanguageModel, source: String, line: Int) throws -> SFTExample {
        let prompt = try model.encode(rendered.prompt), whole = try model.encode(rendered.prompt + rendered.completion)
        guard whole.starts(with: prompt) else {
            throw SFTDataError("\(source): line \(line): the prompt's tokens are not a prefix of prompt + completion's")
        }
        return SFTExample(prompt: prompt, completion: Array(whole.dropFirst(prompt.count)))
    }

    /// Splits `problems` into training and validation: `validationSize` problems drawn with a fixed seed (never the
    /// test set: the caller passes a training file), the rest in file order.
    public static func split(_ problems: [GSM8KProblem], validationSize: Int, seed: UInt64)
        -> (train: [GSM8KProblem], validation: [GSM8KProblem]) {
        guard validationSize > 0 else { return (problems, []) }
        var g = MersenneTwister(seed: seed)
        let held = Set(g.permutation(problems.count).prefix(validationSize))
        return (problems.indices.filter { !held.contains($0) }.map { problems[$0] },
                problems.indices.filter { held.contains($0) }.map { problems[$0] })
    }
}
