import XCTest
import NN
import Tensor
import TestSupport
@testable import Encoder

/// The whole encoder's backward (layers, attention, pooling, normalisation) against finite differences on a tiny
/// random BERT, with every parameter trainable.
final class BertGradientTests: XCTestCase {
    func tinyModel() -> BertModel {
        let config = BertConfig(vocabSize: 17, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2,
                                intermediateSize: 12, maxPositionEmbeddings: 10, layerNormEps: 1e-5)
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
}
