import Foundation
import NN
import Tensor
import Tokenizers

/// Batched generation: prefills every prompt in one packed forward, then decodes one token per unfinished sequence
/// per step with KV caches, until each hits an end token, a stop string, or `maxNewTokens`.
public final class TextGenerator {
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
    }

    /// Prompts are prefilled in groups of whole sequences holding at most this many tokens together (a longer prompt
    /// goes alone): a packed forward's activations grow with its tokens (eight 1000-token prompts in one forward
    /// peaked at 7 GB with Qwen2.5-0.5B), while a couple of thousand tokens already keep the products at full speed.
    /// A sequence's tokens take the same path in any group, so the outputs do not depend on it.
    public var prefillTokenBudget = 2048

    public init(model: DecoderModel) { self.model = model }

    /// Generates for every request. With `tokenizer`, each output's text is decoded as it grows (stop strings are
    /// matched on it) and `onText(i, piece)` streams request i's text: pieces concatenate to `Output.text`, a stop
    /// string never shows, and a request's last piece arrives when it finishes. `onToken(i, id)` reports each new
    /// token of request i as it is chosen.
    public func generate(_ requests: [Request], tokenizer: Tokenizer? = nil, onText: ((Int, String) -> Void)? = nil,
                         onToken: ((Int, Int32) -> Void)? = nil) -> [Output] {
        precondition(requests.allSatisfy { !$0.prompt.isEmpty }, "empty prompt")
        precondition(tokenizer != nil || (onText == nil && requests.allSatisfy(\.stopStrings.isEmpty)),
                     "stop strings and streamed text need a tokenizer")
        let v = model.config.vocabSize
        let caches = requests.map { model.makeCache(capacity: $0.prompt.count + $0.maxNewTokens) }
        var generators = requests.map { RandomGenerator(seed: $0.sampling.seed) }
        var outputs = requests.map { _ in Output(tokens: [], finishReason: .length) }
        var texts = tokenizer.map { t in requests.map { GeneratedText(tokenizer: t, stopStrings: $0.stopStrings) } }
        var active = requests.indices.filter { requests[$0].maxNewTokens > 0 }
        var inputs = requests.map(\.prompt)
        /// Request s is over: flush its held-back text.
        func finish(_ s: Int) {
            guard texts != nil else { return }
            let rest = texts![s].finish()
            outputs[s].text = texts![s].text
            if !rest.isEmpty { onText?(s, rest) }
        }
        for s in requests.indices where requests[s].maxNewTokens <= 0 { finish(s) }
        while !active.isEmpty {
            let logits = model.logits(lastHiddenStates(active, inputs: inputs, caches: caches))
            var stillActive: [Int] = []
            for (r, s) in active.enumerated() {
                let token = requests[s].sampling.choose(logits.row(r), vocabulary: v, generator: &generators[s])
                if requests[s].stopTokens.contains(token) {
                    outputs[s].finishReason = .stopToken
                    finish(s)
                    continue
                }
                outputs[s].tokens.append(token)
                onToken?(s, token)
                if texts != nil {
                    let piece = texts![s].append(token)
                    if !piece.isEmpty { onText?(s, piece) }
                    if texts![s].stopped {
                        outputs[s].finishReason = .stopString
                        finish(s)
                        continue
                    }
                }
                if outputs[s].tokens.count >= requests[s].maxNewTokens {
                    finish(s)
                    continue
                }
                inputs[s] = [token]
                stillActive.append(s)
            }
            active = stillActive
        }
        return outputs
    }

    /// Runs the new tokens of `sequences` (`inputs[s]`, after what `caches[s]` holds) through the model, in groups of
    /// at most `prefillTokenBudget` tokens, and returns each sequence's final hidden state at its last new token (only
    /// those need logits): (sequences.count, C).
    private func lastHiddenStates(_ sequences: [Int], inputs: [[Int32]], caches: [KVCache]) -> Tensor {
        let last = Tensor(uninitializedShape: [sequences.count, model.config.hiddenSize])
        var start = 0
        while start < sequences.count {
            var end = start + 1, tokens = inputs[sequences[start]].count
            while end < sequences.count, tokens + inputs[sequences[end]].count <= prefillTokenBudget {
                tokens += inputs[sequences[end]].count
                end += 1
            }
            let group = sequences[start..<end]
            let layout = PackedSequences(lengths: group.map { inputs[$0].count })
            let hidden = model.forward(group.flatMap { inputs[$0] }, layout: layout, caches: group.map { caches[$0] })
            for r in 0..<group.count {
                last.row(start + r).update(from: hidden.row(layout.offsets[r] + layout.lengths[r] - 1), count: hidden.columns)
            }
            start = end
        }
        return last
    }
}
