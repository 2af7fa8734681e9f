import NN
import Tensor

/// word + position + token-type embeddings, then LayerNorm and (in training) dropout: BERT's input layer.
/// Single-segment inputs: type id 0.
public final class BertEmbeddings {
    public let wordEmbeddings: Embedding
    public let positionEmbeddings: Embedding
    public let tokenTypeEmbeddings: Embedding
    public let layerNorm: LayerNorm
    public let dropout: Dropout   // hidden_dropout_prob

    init(_ config: BertConfig) {
        wordEmbeddings = Embedding(count: config.vocabSize, dim: config.hiddenSize)
        positionEmbeddings = Embedding(count: config.maxPositionEmbeddings, dim: config.hiddenSize)
        tokenTypeEmbeddings = Embedding(count: config.typeVocabSize, dim: config.hiddenSize)
        layerNorm = LayerNorm(dim: config.hiddenSize, eps: config.layerNormEps)
        dropout = Dropout(p: config.hiddenDropoutProb)
    }

    /// ids (N) packed by `layout` → (N, C)
    func forward(_ ids: [Int32], layout: PackedSequences, training: Bool) -> Tensor {
        let x = wordEmbeddings.forward(ids, training: training)
        x.add(positionEmbeddings.forward(layout.positions, training: training))
        x.add(tokenTypeEmbeddings.forward([Int32](repeating: 0, count: ids.count), training: training))
        let y = layerNorm.forward(x, training: training)
        dropout.forwardInPlace(y, training: training)
        return y
    }

    func backward(_ dy: Tensor) {
        let dx = layerNorm.backward(dropout.backward(dy))
        wordEmbeddings.backward(dx)
        positionEmbeddings.backward(dx)
        tokenTypeEmbeddings.backward(dx)
    }

    var parameters: [(String, Parameter)] {
        [("word_embeddings.weight", wordEmbeddings.weight), ("position_embeddings.weight", positionEmbeddings.weight),
         ("token_type_embeddings.weight", tokenTypeEmbeddings.weight),
         ("LayerNorm.weight", layerNorm.weight), ("LayerNorm.bias", layerNorm.bias)]
    }
}
