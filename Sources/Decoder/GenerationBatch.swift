import NN
import Tensor
import Tokenizers

/// Sequences generated together one step at a time, which join and leave between steps (continuous batching): a
/// server adds a request as it arrives and the next `step` prefills it beside the decode of the others; a finished or
/// removed sequence frees its KV cache at once. `TextGenerator.generate` is this with every request added up front.
///
/// What a sequence generates does not depend on which others share its steps: each forward path is chosen from the
/// sequence alone. A prompt of more than `fusedRowLimit` tokens prefills through sgemm (alone or packed with other
/// such prompts, up to `prefillTokenBudget` tokens: the per-row sums do not depend on the other rows), a shorter one
/// prefills alone (the fused few-row kernels); decode steps and logits run in groups of at most `fusedRowLimit` rows,
/// whose kernels sum every output in the same order for any row count.
public final class GenerationBatch {
    public typealias Handle = Int

    public enum Event: Sendable {
        /// A new token of the sequence (before its text).
        case token(Handle, Int32)
        /// Text that became safe to show: pieces concatenate to `Output.text`, a stop string never shows.
        case text(Handle, String)
        /// The sequence is over and has left the batch; its last text piece came before.
        case finished(Handle, TextGenerator.Output)
    }

    public let model: DecoderModel
    /// Decodes text as it grows (stop strings are matched on it); without it there are no `.text` events.
    public let tokenizer: Tokenizer?
    /// Prompts of more than `fusedRowLimit` tokens prefill in packed groups of at most this many tokens (a longer
    /// prompt goes alone): a packed forward's activations grow with its tokens, while a couple of thousand tokens
    /// already keep the products at full speed.
    public var prefillTokenBudget = 2048

    private struct Sequence {
        let handle: Handle
        let request: TextGenerator.Request
        let cache: KVCache
        var generator: RandomGenerator
        var text: GeneratedText?
        var output = TextGenerator.Output(tokens: [], finishReason: .length)
        /// Tokens not yet run through the model: the prompt, then each chosen token.
        var input: [Int32]
        var prefilled = false
    }

    private var sequences: [Sequence] = []
    private var nextHandle = 0

    public init(model: DecoderModel, tokenizer: Tokenizer? = nil) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Sequences in the batch (joined and not yet finished).
    public var count: Int { sequences.count }
    public var isEmpty: Bool { sequences.isEmpty }

    /// Adds a request; it prefills at the next `step`.
    @discardableResult
    public func add(_ request: TextGenerator.Request) -> Handle {
        precondition(!request.prompt.isEmpty, "empty prompt")
        precondition(tokenizer != nil || request.stopStrings.isEmpty, "stop strings need a tokenizer")
        defer { nextHandle += 1 }
        sequences.append(Sequence(handle: nextHandle, request: request,
                                  cache: model.makeCache(capacity: request.prompt.count + max(request.maxNewTokens, 0)),
                                  generator: RandomGenerator(seed: request.sampling.seed),
                                  text: tokenizer.map { GeneratedText(tokenizer: $0, stopStrings: request.stopStrings) },
                                  input: request.prompt))
        return nextHandle
    }

    /// Drops a sequence without a `.finished` event (a client that went away); unknown handles are ignored.
    public func remove(_ handle: Handle) {
        sequences.removeAll { $0.handle == handle }
    }

    /// One token for every sequence (prefilling those that joined since the last step), and the events that follow.
    public func step() -> [Event] {
        var events: [Event] = []
        var finished = Set<Handle>()
        for i in sequences.indices where sequences[i].request.maxNewTokens <= 0 {
            finish(i, into: &events)
            finished.insert(sequences[i].handle)
        }
        let working = sequences.indices.filter { !finished.contains(sequences[$0].handle) }
        let hidden = lastHiddenStates(working)
        let v = model.config.vocabSize
        for start in stride(from: 0, to: working.count, by: fusedRowLimit) {
            let rows = start..<min(start + fusedRowLimit, working.count)
            let slice = Tensor(uninitializedShape: [rows.count, hidden.columns])
            slice.data.update(from: hidden.row(rows.lowerBound), count: rows.count * hidden.columns)
            let logits = model.logits(slice)
            for (r, i) in working[rows].enumerated() {
                if choose(i, logits: logits.row(r), vocabulary: v, into: &events) { finished.insert(sequences[i].handle) }
            }
        }
        sequences.removeAll { finished.contains($0.handle) }
        return events
    }

    /// Picks sequence i's next token and reports it; true when that ends the sequence.
    private func choose(_ i: Int, logits: UnsafePointer<Float>, vocabulary v: Int, into events: inout [Event]) -> Bool {
        let request = sequences[i].request, handle = sequences[i].handle
        let token = request.sampling.choose(logits, vocabulary: v, generator: &sequences[i].generator)
        if request.stopTokens.contains(token) {
            sequences[i].output.finishReason = .stopToken
            finish(i, into: &events)
            return true
        }
        sequences[i].output.tokens.append(token)
        events.append(.token(handle, token))
        if sequences[i].text != nil {
            let piece = sequences[i].text!.append(token)
            if !piece.isEmpty { events.append(.text(handle, piece)) }
            if sequences[i].text!.stopped {
                sequences[i].output.finishReason = .stopString
                finish(i, into: &events)
                return true
            }
        }
        if sequences[i].output.tokens.count >= request.maxNewTokens {
            finish(i, into: &events)
            return true
        }
        sequences[i].input = [token]
        return false
    }

    /// Sequence i is over: flushes its held-back text and reports it.
    private func finish(_ i: Int, into events: inout [Event]) {
        let handle = sequences[i].handle
        if sequences[i].text != nil {
            let rest = sequences[i].text!.finish()
            sequences[i].output.text = sequences[i].text!.text
            if !rest.isEmpty { events.append(.text(handle, rest)) }
        }
        events.append(.finished(handle, sequences[i].output))
    }

    /// Runs the pending tokens of sequences `indices` through the model (the groups of the type comment) and returns
    /// each one's final hidden state at its last new token, in the order of `indices`: (indices.count, C).
    private func lastHiddenStates(_ indices: [Int]) -> Tensor {
        let last = Tensor(uninitializedShape: [indices.count, model.config.hiddenSize])
        let row = Dictionary(uniqueKeysWithValues: indices.enumerated().map { ($1, $0) })
        var groups: [[Int]] = []
        var packed: [Int] = [], packedTokens = 0
        for i in indices where !sequences[i].prefilled {
            let n = sequences[i].input.count
            guard n > fusedRowLimit else { groups.append([i]); continue }
            if !packed.isEmpty && packedTokens + n > prefillTokenBudget {
                groups.append(packed)
                packed = []
                packedTokens = 0
            }
            packed.append(i)
            packedTokens += n
        }
        if !packed.isEmpty { groups.append(packed) }
        let decoding = indices.filter { sequences[$0].prefilled }
        for start in stride(from: 0, to: decoding.count, by: fusedRowLimit) {
            groups.append(Array(decoding[start..<min(start + fusedRowLimit, decoding.count)]))
        }
        for group in groups {
            let layout = PackedSequences(lengths: group.map { sequences[$0].input.count })
            let hidden = model.forward(group.flatMap { sequences[$0].input }, layout: layout, caches: group.map { sequences[$0].cache })
            for (r, i) in group.enumerated() {
                last.row(row[i]!).update(from: hidden.row(layout.offsets[r] + layout.lengths[r] - 1), count: hidden.columns)
                sequences[i].prefilled = true
            }
        }
        return last
    }
}
