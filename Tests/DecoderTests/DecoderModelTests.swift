import XCTest
import NN
import Tensor
import TestSupport
@testable import Decoder

final class DecoderModelTests: XCTestCase {
    func tinyModel(_ type: String = "qwen2", tied: Bool = true) -> DecoderModel {
        let config = DecoderConfig(modelType: type, vocabSize: 19, hiddenSize: 8, intermediateSize: 12, numHiddenLayers: 2,
                                   numAttentionHeads: 4, numKeyValueHeads: 2, rmsNormEps: 1e-5, ropeTheta: 100,
                                   tieWordEmbeddings: tied)
        let model = DecoderModel(config: config)
        for (i, (_, p)) in model.namedParameters.enumerated() {
            p.value.assign(GradientCheck.random(p.value.shape, scale: 0.5, seed: 300 + UInt64(i)))
            p.requiresGrad = true
        }
        return model
    }

    func testFullModelGradients() {
        for type in ["qwen2", "llama"] {
            let model = tinyModel(type)
            let ids: [Int32] = [1, 5, 9, 2, 0, 16, 3]
            let layout = PackedSequences(lengths: [4, 3])
            let r = GradientCheck.random([7, 8], seed: 9)
            _ = model.forward(ids, layout: layout, training: true)
            model.backward(r)
            let loss = { GradientCheck.weightedSum(model.forward(ids, layout: layout), r) }
            let fd = GradientCheck()
            for (name, p) in model.namedParameters where name != "model.embed_tokens.weight" {
                fd.check("\(type) \(name)", p.value, analytic: p.grad!, maxEntries: 16, loss: loss)
            }
        }
    }

    /// Prefill then token-by-token decoding with KV caches gives the hidden states of one full forward,
    /// for a batch of sequences of different lengths.
    func testCachedDecodingEqualsFullForward() {
        let model = tinyModel(tied: false)
        let sequences: [[Int32]] = [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10], [11, 12, 13, 14, 15]]
        let prefill = [3, 1, 4]
        let caches = sequences.map { _ in model.makeCache(capacity: 2) }  // small: exercises growth
        var incremental: [[Float]] = sequences.map { _ in [] }
        let first = model.forward(sequences.enumerated().flatMap { Array($1.prefix(prefill[$0])) },
                                  layout: PackedSequences(lengths: prefill), caches: caches)
        var row = 0
        for (s, n) in prefill.enumerated() {
            for _ in 0..<n { incremental[s] += Array(UnsafeBufferPointer(start: first.row(row), count: 8)); row += 1 }
        }
        for step in 0..<3 {
            let active = sequences.indices.filter { prefill[$0] + step < sequences[$0].count }
            let h = model.forward(active.map { sequences[$0][prefill[$0] + step] }, layout: PackedSequences(lengths: active.map { _ in 1 }),
                                  caches: active.map { caches[$0] })
            for (r, s) in active.enumerated() { incremental[s] += Array(UnsafeBufferPointer(start: h.row(r), count: 8)) }
        }
        for (s, seq) in sequences.enumerated() {
            let full = model.forward(seq, layout: PackedSequences(lengths: [seq.count])).array
            XCTAssertEqual(incremental[s].count, full.count)
            for (a, b) in zip(incremental[s], full) { XCTAssertEqual(a, b, accuracy: 1e-5, "sequence \(s)") }
            XCTAssertEqual(caches[s].length, seq.count)
        }
    }

    func testTiedAndUntiedLogits() {
        let tied = tinyModel(tied: true)
        let h = GradientCheck.random([2, 8], seed: 4)
        let logits = tied.logits(h)
        XCTAssertEqual(logits.shape, [2, 19])
        var expected: Float = 0
        for c in 0..<8 { expected += h[c] * tied.embedTokens!.weight.value[5 * 8 + c] }
        XCTAssertEqual(logits[5], expected, accuracy: 1e-5)
        XCTAssertEqual(tinyModel(tied: false).logits(h).shape, [2, 19])
    }
}

extension DecoderModelTests {
    /// Batched greedy generation equals generating each prompt alone, and equals argmax over full forwards.
    func testBatchedGreedyGenerationMatchesSingleAndFullForward() {
        let model = tinyModel(tied: false)
        let generator = TextGenerator(model: model)
        let prompts: [[Int32]] = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10]]
        let batched = generator.generate(prompts.map { .init(prompt: $0, maxNewTokens: 5) })
        for (i, prompt) in prompts.enumerated() {
            let alone = generator.generate([.init(prompt: prompt, maxNewTokens: 5)])[0]
            XCTAssertEqual(batched[i].tokens, alone.tokens)
            // Reference: recompute the whole sequence each step and take the argmax of the last position.
            var sequence = prompt
            for _ in 0..<5 {
                let h = model.forward(sequence, layout: PackedSequences(lengths: [sequence.count]))
                let last = Tensor(shape: [1, 8], values: Array(UnsafeBufferPointer(start: h.row(sequence.count - 1), count: 8)))
                let logits = model.logits(last).array
                sequence.append(Int32(logits.indices.max { logits[$0] < logits[$1] }!))
            }
            XCTAssertEqual(batched[i].tokens, Array(sequence.dropFirst(prompt.count)))
        }
    }

    /// Prefilling the prompts in groups (each alone, two then one, all together) changes nothing in what is generated,
    /// greedy or sampled: a sequence's tokens take the same path in any group.
    func testPrefillGroupsDoNotChangeTheOutput() {
        let model = tinyModel(tied: false)
        let prompts: [[Int32]] = [(0..<30).map { Int32($0 % 19) }, (0..<12).map { Int32(($0 * 7) % 19) },
                                  (0..<50).map { Int32(($0 * 5 + 3) % 19) }]
        func run(budget: Int, sampling: Sampling) -> [[Int32]] {
            let generator = TextGenerator(model: model)
            generator.prefillTokenBudget = budget
            return generator.generate(prompts.map { .init(prompt: $0, maxNewTokens: 8, sampling: sampling) }).map(\.tokens)
        }
        for sampling in [Sampling.greedy, Sampling(temperature: 0.9, topK: 0, topP: 0.9, seed: 5)] {
            let together = run(budget: 10_000, sampling: sampling)
            XCTAssertEqual(together.map(\.count), [8, 8, 8])
            XCTAssertEqual(run(budget: 1, sampling: sampling), together)
            XCTAssertEqual(run(budget: 45, sampling: sampling), together)
        }
    }

    func testStopTokensAndSamplingReproducibility() {
        let model = tinyModel()
        let generator = TextGenerator(model: model)
        let greedy = generator.generate([.init(prompt: [1, 2], maxNewTokens: 6)])[0]
        let stopped = generator.generate([.init(prompt: [1, 2], maxNewTokens: 6, stopTokens: [greedy.tokens[2]])])[0]
        XCTAssertEqual(stopped.tokens, Array(greedy.tokens.prefix(2)))
        XCTAssertEqual(stopped.finishReason, .stopToken)
        let sampling = Sampling(temperature: 0.8, topK: 5, topP: 0.9, seed: 11)
        let a = generator.generate([.init(prompt: [1, 2], maxNewTokens: 8, sampling: sampling)])[0]
        let b = generator.generate([.init(prompt: [1, 2], maxNewTokens: 8, sampling: sampling)])[0]
        XCTAssertEqual(a.tokens, b.tokens)
    }

    func testTopKOneIsGreedy() {
        let logits: [Float] = [0.1, 2, 1.9, -1]
        var g = RandomGenerator(seed: 1)
        logits.withUnsafeBufferPointer { p in
            XCTAssertEqual(Sampling(temperature: 1, topK: 1).choose(p.baseAddress!, vocabulary: 4, generator: &g), 1)
            XCTAssertEqual(Sampling.greedy.choose(p.baseAddress!, vocabulary: 4, generator: &g), 1)
        }
    }
}
