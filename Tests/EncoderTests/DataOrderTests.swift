import Foundation
import XCTest
import TestSupport
import Tensor
@testable import Encoder
import ModelFormats

/// The trainer visits pairs in the order of the Python peer (sentence-transformers' trainer, same seed): the same
/// batches, the last partial one kept.
final class DataOrderTests: XCTestCase {
    /// The C++ standard's check of std::mt19937: the 10000th output for the default seed 5489 is 4123659995.
    func testTenThousandthOutputOfTheDefaultSeed() {
        var g = MersenneTwister(seed: 5489)
        for _ in 0..<9_999 { _ = g.next() }
        XCTAssertEqual(g.next(), 4_123_659_995)
    }

    struct Fixture: Decodable {
        struct Case: Decodable { let seed: UInt64; let n: Int; let permutations: [[Int]] }
        struct Batches: Decodable { let pairs: Int; let batch_size: Int; let seed: UInt64; let count: Int; let first: [[Int]]; let last: [Int]; let warmup_steps: Int }
        let cases: [Case]
        let trainer_batches: Batches
    }

    /// torch.randperm with a seeded generator, successive permutations from one generator (scripts/reference/
    /// torch_randperm_fixtures.py), and the batches sentence-transformers' trainer forms from the first one, which
    /// are EncoderTrainer's batches.
    func testPermutationsEqualTorchRandpermAndTheTrainersBatches() throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Repository.fixture("torch_randperm.json")))
        for c in fixture.cases {
            var g = MersenneTwister(seed: c.seed)
            for (i, expected) in c.permutations.enumerated() {
                XCTAssertEqual(g.permutation(c.n), expected, "seed \(c.seed) n \(c.n) permutation \(i)")
            }
        }
        let t = fixture.trainer_batches
        var g = MersenneTwister(seed: t.seed)
        let order = g.permutation(t.pairs)
        let batches = stride(from: 0, to: t.pairs, by: t.batch_size).map { Array(order[$0..<min($0 + t.batch_size, t.pairs)]) }
        XCTAssertEqual(batches.count, t.count)
        XCTAssertEqual(Array(batches.prefix(3)), t.first)
        XCTAssertEqual(batches.last, t.last)

        let pairs = (0..<t.pairs).map { TrainingPair(anchor: [1], positive: [2], duplicateKey: $0) }
        var settings = EncoderTrainingSettings()
        settings.batchSize = t.batch_size
        settings.seed = t.seed
        let config = BertConfig(vocabSize: 5, hiddenSize: 4, numHiddenLayers: 1, numAttentionHeads: 1, intermediateSize: 4)
        let model = BertModel(config: config)
        var rng = RandomGenerator(seed: 1)
        let lora = LoRAConfig(r: 1, loraAlpha: 1, loraDropout: 0, targetModules: .names(["query"]))
        try model.applyLoRA(lora, generator: &rng)
        let trainer = try EncoderTrainer(model: model, pooling: MeanPooling(normalize: true), loraConfig: lora,
                                         settings: settings, pairs: pairs, validation: [],
                                         runDirectory: FileManager.default.temporaryDirectory)
        XCTAssertEqual(trainer.batchesPerEpoch, t.count)
        XCTAssertEqual(trainer.schedule.warmupSteps, t.warmup_steps, "⌈0.1 · 234⌉ as transformers computes it")
        XCTAssertEqual((0..<3).map { trainer.batchIndices($0) }, t.first)
        XCTAssertEqual(trainer.batchIndices(t.count - 1), t.last)
        // The next epoch continues the same generator, as RandomSampler does.
        var h = MersenneTwister(seed: t.seed)
        _ = h.permutation(t.pairs)
        XCTAssertEqual(trainer.batchIndices(t.count), Array(h.permutation(t.pairs).prefix(t.batch_size)))
    }
}
