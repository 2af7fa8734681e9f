import XCTest
import NN
import Tensor
@testable import Encoder
import ModelFormats

/// The useful-work count behind the GFLOP/s that train-encoder reports, against a hand count for a small BERT.
final class TrainingFLOPsTests: XCTestCase {
    func testCountsForwardInputGradientsAndLoRAWork() throws {
        // C = 8, intermediate 12, 2 layers; LoRA r = 2 on every projection; embeddings frozen.
        let config = BertConfig(vocabSize: 11, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 12)
        let model = BertModel(config: config)
        var g = RandomGenerator(seed: 1)
        try model.applyLoRA(LoRAConfig(r: 2, loraAlpha: 4, loraDropout: 0,
                                       targetModules: .pattern(#".*encoder\.layer\.\d+\..*(query|key|value|dense)$"#)),
                            generator: &g)
        let lengths = [3, 5], t = 8.0, squares = 34.0, r = 2.0
        // (in, out) of q, k, v, attention output, intermediate, output.
        let projections: [(Double, Double)] = [(8, 8), (8, 8), (8, 8), (8, 8), (8, 12), (12, 8)]
        var expected = 0.0
        for layer in 0..<2 {
            for (p, (n, m)) in projections.enumerated() {
                let inputGradient = layer > 0 || p >= 3   // layer 0's q, k, v feed only the frozen embeddings
                expected += 2 * t * n * m + (inputGradient ? 2 * t * n * m : 0)          // base: forward, dx
                expected += 2 * t * r * (n + m) + 2 * t * r * (2 * m + n)                // adapter forward, dB, dh, dA
                expected += inputGradient ? 2 * t * r * n : 0                            // adapter dx
            }
            expected += 4 * squares * 8 + 8 * squares * 8                                // attention forward, backward
        }
        XCTAssertEqual(model.trainingFLOPs(lengths: lengths), expected)

        // Full fine-tuning (every weight trainable, embeddings too): dense weight gradients and every dx count.
        let dense = BertModel(config: config)
        for (_, p) in dense.namedParameters { p.requiresGrad = true }
        var full = 0.0
        for _ in 0..<2 {
            for (n, m) in projections { full += 3 * 2 * t * n * m }
            full += 12 * squares * 8
        }
        XCTAssertEqual(dense.trainingFLOPs(lengths: lengths), full)
    }
}
