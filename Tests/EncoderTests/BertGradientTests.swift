import XCTest
import NN
import Tensor
import TestSupport
@testable import Encoder

/// The whole encoder's backward (layers, attention, pooling, normalisation) against finite differences on a tiny
/// random BERT, with every parameter trainable.
final class BertGradientTests: XCTestCase {
    func tinyModel(dropout: Float = 0) -> BertModel {
        let config = BertConfig(vocabSize: 17, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2,
                                intermediateSize: 12, maxPositionEmbeddings: 10, layerNormEps: 1e-5,
                                hiddenDropoutProb: dropout, attentionProbsDropoutProb: dropout)
        let model = BertModel(config: config)
        for (i, (_, p)) in model.namedParameters.enumerated() {
            p.value.assign(GradientCheck.random(p.value.shape, scale: 0.5, seed: UInt64(100 + i)))
            p.requiresGrad = true
        }
        return model
    }

    func testFullModelGradientsMatchFiniteDifferences() {
        let model = tinyModel()
        let pooling = MeanPooling(normalize: true)
        let ids: [Int32] = [1, 5, 9, 2, 0, 16, 3, 7, 7]
        let layout = PackedSequences(lengths: [4, 2, 3])
        let r = GradientCheck.random([3, 8], seed: 7)
        let loss = { GradientCheck.weightedSum(pooling.forward(model.forward(ids, layout: layout), layout: layout), r) }
        _ = pooling.forward(model.forward(ids, layout: layout, training: true), layout: layout, training: true)
        model.backward(pooling.backward(r))
        let fd = GradientCheck()
        for (name, p) in model.namedParameters {
            fd.check(name, p.value, analytic: p.grad!, maxEntries: 24, loss: loss)
        }
    }

    /// With BERT's dropout active (embeddings, attention probabilities, attention output, FFN output), the gradients
    /// of the training forward match finite differences of the same training forward: the per-token seeds fix the masks.
    func testGradientsWithDropoutMatchFiniteDifferences() {
        let model = tinyModel(dropout: 0.2)
        let pooling = MeanPooling(normalize: true)
        let ids: [Int32] = [1, 5, 9, 2, 0, 16, 3, 7, 7]
        let layout = PackedSequences(lengths: [4, 2, 3])
        model.dropoutSeeds.seeds = (0..<ids.count).map { UInt64(1_000 + $0 * 7) }
        let r = GradientCheck.random([3, 8], seed: 7)
        func embed(training: Bool) -> Tensor {
            pooling.forward(model.forward(ids, layout: layout, training: training), layout: layout, training: training)
        }
        let loss = { GradientCheck.weightedSum(embed(training: true), r) }
        let dropped = embed(training: true)
        model.backward(pooling.backward(r))
        XCTAssertNotEqual(dropped.array, embed(training: false).array, "dropout changes the training forward")
        let fd = GradientCheck()
        for (name, p) in model.namedParameters {
            fd.check(name, p.value, analytic: p.grad!, maxEntries: 24, loss: loss)
        }
    }
}
