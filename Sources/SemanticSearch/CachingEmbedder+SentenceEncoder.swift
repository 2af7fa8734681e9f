import Encoder
import Foundation
import Retrieval

extension CachingEmbedder {
    /// `encoder` behind the embedding cache in `directory`. The maximum sequence length joins the identity: it
    /// changes the vectors of long texts without changing the weights.
    public convenience init(_ encoder: SentenceEncoder, cacheDirectory directory: URL) throws {
        try self.init(encoder as TextEmbedder, cacheDirectory: directory, configuration: "max_seq_length=\(encoder.maxSequenceLength)")
    }
}
