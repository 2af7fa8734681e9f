import Retrieval
import Tokenizers

/// How a GSM8K question (and its solved examples) becomes model input.
public enum FewShotPrompt {
    /// The user-turn wording for instruct models (the same as the Python peer's `USER_TEMPLATE`).
    public static func userTurn(_ question: String) -> String {
        "Solve the following math problem step by step. "
            + "At the end, write the final numeric answer after '####', for example: #### 42\n\nProblem: \(question)"
    }

    public struct Message: Codable, Equatable, Sendable {
        public var role: String
        public var content: String
        public init(role: String, content: String) { self.role = role; self.content = content }
    }

    /// Chat turns for instruct models: each shot as a user turn and its full solution as the assistant turn, then the
    /// question. The model's chat template adds its own system prompt.
    public static func chat(question: String, shots: [GSM8KProblem]) -> [Message] {
        shots.flatMap { [Message(role: "user", content: userTurn($0.question)), Message(role: "assistant", content: $0.answer)] }
            + [Message(role: "user", content: userTurn(question))]
    }

    /// lm-evaluation-harness's base-model format: "Question: q\nAnswer: a" shots joined by blank lines, then
    /// "Question: q\nAnswer:". Generation stops at the next "Question:".
    public static func plain(question: String, shots: [GSM8KProblem]) -> String {
        (shots.map { "Question: \($0.question)\nAnswer: \($0.answer)" } + ["Question: \(question)\nAnswer:"]).joined(separator: "\n\n")
    }

    /// Stop strings of the plain format (the harness's `until`).
    public static let plainStopStrings = ["Question:", "</s>", "<|im_end|>"]

    /// The model input for `question` after `shots` in a resolved `format` (`.chat` needs the model's template, which
    /// renders the turns with the generation prompt, as `apply_chat_template(…, add_generation_prompt=True)`).
    public static func text(question: String, shots: [GSM8KProblem], format: PromptFormat, chatTemplate: ChatTemplate?) throws -> String {
        switch format {
        case .plain: return plain(question: question, shots: shots)
        case .chat, .auto:
            guard let chatTemplate else { preconditionFailure("the chat format needs the model's chat template") }
            return try render(chat(question: question, shots: shots), chatTemplate: chatTemplate)
        }
    }

    /// Chat turns through the model's template, with the generation prompt (the assistant turn's opening).
    public static func render(_ messages: [Message], chatTemplate: ChatTemplate) throws -> String {
        let turns = messages.map { JinjaValue.object([("role", .string($0.role)), ("content", .string($0.content))]) }
        return try chatTemplate.render(messages: turns, addGenerationPrompt: true)
    }

    /// Stop strings of a format: the plain format's next "Question:"; chat turns end with the model's end-of-turn token.
    public static func stopStrings(_ format: PromptFormat) -> [String] { format == .plain ? plainStopStrings : [] }
}
