/// How a question and its shots become the model's input.
public enum PromptFormat: String, Codable, CaseIterable, Sendable {
    /// Turns of the model's chat template (instruct models): `FewShotPrompt.chat`.
    case chat
    /// lm-evaluation-harness's `Question: …\nAnswer:` text (base models): `FewShotPrompt.plain`.
    case plain
    /// chat when the model has a chat template, else plain.
    case auto

    public func resolved(hasChatTemplate: Bool) -> PromptFormat {
        self == .auto ? (hasChatTemplate ? .chat : .plain) : self
    }
}
