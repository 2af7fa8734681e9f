import Decoder
import Foundation
import Retrieval
import Tokenizers

/// Answers GSM8K questions with a decoder: builds each prompt (question + shots in a prompt format), then generates
/// greedily for a batch of questions at once and scores every output with every extractor.
public final class GSM8KEvaluator {
    /// A question ready to generate for.
    public struct Question: Sendable {
        public var index: Int
        public var problem: GSM8KProblem
        public var shotIds: [Int]
        public var prompt: String
        public var ids: [Int32]
    }

    /// The prompts' tokenizer, template and end ids.
    public let codec: PromptCodec
    public let format: PromptFormat
    public let maxNewTokens: Int
    private let chatTemplate: ChatTemplate?
    private let generator: any TextGenerating

    /// Generates with `model` itself.
    public convenience init(model: LanguageModel, format: PromptFormat, maxNewTokens: Int) throws {
        try self.init(codec: model.codec, generator: TextGenerator(model: model.model), format: format, maxNewTokens: maxNewTokens)
    }

    /// Builds prompts with `codec` and generates with `generator` (a local model or a remote server). `format` must
    /// be resolved (chat or plain); chat needs the codec's chat template.
    public init(codec: PromptCodec, generator: any TextGenerating, format: PromptFormat, maxNewTokens: Int) throws {
        precondition(format != .auto, "resolve the prompt format first")
        self.codec = codec
        self.generator = generator
        self.format = format
        self.maxNewTokens = maxNewTokens
        chatTemplate = format == .chat ? try codec.chatTemplate() : nil
    }

    /// The prompt and its token ids for test question `index` with `shots` (in prompt order).
    public func prepare(index: Int, problem: GSM8KProblem, shots: [GSM8KProblem]) throws -> Question {
        let prompt = try FewShotPrompt.text(question: problem.question, shots: shots, format: format, chatTemplate: chatTemplate)
        return Question(index: index, problem: problem, shotIds: shots.map(\.line), prompt: prompt, ids: try codec.encode(prompt))
    }

    /// Generates for a batch (greedy; each stops at an end token, the format's stop strings or `maxNewTokens`) and
    /// scores the outputs. `onToken` is called for every generated token (progress).
    public func run(_ batch: [Question], onToken: (() -> Void)? = nil) throws -> [GSM8KPrediction] {
        let start = DispatchTime.now().uptimeNanoseconds
        let requests = batch.map {
            TextGenerator.Request(prompt: $0.ids, maxNewTokens: maxNewTokens, sampling: .greedy, stopTokens: codec.stopTokenIds,
                                  stopStrings: FewShotPrompt.stopStrings(format))
        }
        let outputs = try generator.generate(requests, tokenizer: codec.tokenizer, onText: nil, onToken: onToken.map { f in { _, _ in f() } })
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return zip(batch, outputs).map { question, output in
            GSM8KPrediction(index: question.index, problem: question.problem, prompt: question.prompt, output: output.text,
                            shotIds: question.shotIds, promptTokens: question.ids.count, newTokens: output.tokenCount,
                            finishReason: output.finishReason.rawValue, seconds: seconds / Double(batch.count))
        }
    }

    /// The few-shot loop of an evaluation: `questions` generated `batchSize` at a time, each batch's predictions
    /// handed to `onBatch` (to be saved) before the next batch starts. `shouldStop` is asked before every batch, so an
    /// interrupted run ends between batches with everything generated so far saved.
    public func run(_ questions: [Question], batchSize: Int, shouldStop: () -> Bool = { false }, onToken: (() -> Void)? = nil,
                    onBatch: ([GSM8KPrediction]) throws -> Void) throws {
        precondition(batchSize > 0, "batchSize must be positive")
        for start in stride(from: 0, to: questions.count, by: batchSize) {
            if shouldStop() { break }
            try onBatch(try run(Array(questions[start..<min(start + batchSize, questions.count)]), onToken: onToken))
        }
    }
}
