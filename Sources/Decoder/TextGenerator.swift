import Foundation
import NN
import Tensor
import Tokenizers

/// Batched generation: prefills every prompt in one packed forward, then decodes one token per unfinished sequence
/// per step with KV caches, until each hits an end token, a stop string, or `maxNewTokens`.
/// Something that continues prompts: the local `TextGenerator`, or a client of a remote OpenAI-compatible server
/// (`exemplar serve`, llama.cpp's, vLLM's), so an evaluation runs the same on either.
public protocol TextGenerating: AnyObject {
    /// Continues every request; `onToken(i, id)` reports request i's tokens as they come (a remote server may
    /// report only how many, with id -1, when the request finishes).
    func generate(_ requests: [TextGenerator.Request], tokenizer: Tokenizer?, onText: ((Int, String) -> Void)?,
                  onToken: ((Int, Int32) -> Void)?) throws -> [TextGenerator.Output]
}

public final class TextGenerator: TextGenerating {
    public let model: DecoderModel

    public struct Request: Sendable {
        public var prompt: [Int32]
        public var maxNewTokens: Int
        public var sampling: Sampling
        /// Token ids that end the sequence (not included in the output).
        public var stopTokens: Set<Int32>
        /// Texts that end the sequence; the output text is cut before the first occurrence (the token that completed
        /// it stays in `tokens`). Needs a tokenizer.
        public var stopStrings: [String]

        public init(prompt: [Int32], maxNewTokens: Int, sampling: Sampling = .greedy, stopTokens: Set<Int32> = [],
                    stopStrings: [String] = []) {
            self.prompt = prompt
            self.maxNewTokens = maxNewTokens
            self.sampling = sampling
            self.stopTokens = stopTokens
            self.stopStrings = stopStrings
        }
    }

    public struct Output: Sendable {
        public var tokens: [Int32]
        /// The decoded tokens (special tokens skipped), cut before a stop string; "" without a tokenizer.
        public var text = ""
        public enum FinishReason: String, Codable, Sendable { case stopToken = "stop_token", stopString = "stop_string", length }
        public var finishReason: FinishReason
        /// How many tokens were generated, when only that is known (a remote server's usage); nil: `tokens.count`.
        public var reportedTokenCount: Int?

        public init(tokens: [Int32], text: String = "", finishReason: FinishReason, reportedTokenCount: Int? = nil) {
            self.tokens = tokens
            self.text = text
            self.finishReason = finishReason
            self.reportedTokenCount = reportedTokenCount
        }

        public var tokenCount: Int { reportedTokenCount ?? tokens.count }
    }

    /// Prompts of more than `fusedRowLimit` tokens prefill in packed groups of at most this many tokens (a longer
    /// prompt goes alone): a packed forward's activations grow with its tokens (eight 1000-token prompts in one
    /// forward peaked at 7 GB with Qwen2.5-0.5B), while a couple of thousand tokens already keep the products at full
    /// speed. A sequence's tokens take the same path in any group, so the outputs do not depend on it.
    public var prefillTokenBudget = 2048

    public init(model: DecoderModel) { self.model = model }

    /// Generates for every request (a `GenerationBatch` holding them all). With `tokenizer`, each output's text is
    /// decoded as it grows (stop strings are matched on it) and `onText(i, piece)` streams request i's text: pieces
    /// concatenate to `Output.text`, a stop string never shows, and a request's last piece arrives when it finishes.
    /// `onToken(i, id)` reports each new token of request i as it is chosen.
    public func generate(_ requests: [Request], tokenizer: Tokenizer? = nil, onText: ((Int, String) -> Void)? = nil,
                         onToken: ((Int, Int32) -> Void)? = nil) -> [Output] {
        precondition(tokenizer != nil || onText == nil, "streamed text needs a tokenizer")
        let batch = GenerationBatch(model: model, tokenizer: tokenizer)
        batch.prefillTokenBudget = prefillTokenBudget
        var index: [GenerationBatch.Handle: Int] = [:]
        for (i, request) in requests.enumerated() { index[batch.add(request)] = i }
        var outputs = [Output?](repeating: nil, count: requests.count)
        while !batch.isEmpty {
            for event in batch.step() {
                switch event {
                case .token(let handle, let token): onToken?(index[handle]!, token)
                case .text(let handle, let piece): onText?(index[handle]!, piece)
                case .finished(let handle, let output): outputs[index[handle]!] = output
                }
            }
        }
        return outputs.map { $0! }
    }
}
