import Encoder
import Retrieval
import Tensor

/// The encoder as retrieval sees it: mean pooling, normalised when the model's sentence-transformers config says so.
extension SentenceEncoder: TextEmbedder {
    public var fingerprint: EncoderFingerprint {
        EncoderFingerprint(model: directory.lastPathComponent, weightsSHA256: weightsSHA256, adapterSHA256: adapterSHA256,
                           dimension: dimension, pooling: "mean", normalized: sentenceConfig.normalize)
    }

    public func embed(_ texts: [String], progress: ((Int) -> Void)?) throws -> Tensor {
        try embed(texts, batchTokens: batchTokens, progress: progress)
    }
}
