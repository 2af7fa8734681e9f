/// One supervised fine-tuning example as token ids: the prompt (context, no loss) and the completion (every token
/// learned, the end-of-turn token included, so the model learns to stop).
public struct SFTExample: Codable, Equatable, Sendable {
    public var prompt: [Int32]
    public var completion: [Int32]

    public init(prompt: [Int32], completion: [Int32]) {
        self.prompt = prompt
        self.completion = completion
    }

    public var ids: [Int32] { prompt + completion }
    public var count: Int { prompt.count + completion.count }
}
