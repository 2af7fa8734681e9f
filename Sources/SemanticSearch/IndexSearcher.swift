import Encoder
import Foundation
import Retrieval

/// A built index opened together with the encoder that embeds its queries: what `exemplar search`, retrieved
/// few-shot prompts and the server's search route all start from, so they open and check an index the same way.
///
/// The encoder is the model directory the index was built with unless another is named; either way its
/// fingerprint must match the index's, or the query vectors would not be comparable with the stored ones.
public final class IndexSearcher {
    public let index: VectorIndex
    public let encoder: SentenceEncoder

    /// Opens index `name` in `directory` (`VectorIndex.open`'s checks), then loads the query encoder.
    public convenience init(index name: String, in directory: URL, model: String? = nil, adapter: String? = nil) throws {
        try self.init(index: try VectorIndex.open(name, in: directory), model: model, adapter: adapter)
    }

    /// Loads the query encoder of an opened index: `model` (nil: the index's own model directory) with the PEFT
    /// LoRA adapter `adapter`, and checks that it makes the index's vectors.
    public convenience init(index: VectorIndex, model: String? = nil, adapter: String? = nil) throws {
        try self.init(index: index, encoder: try SentenceEncoder(directory: URL(fileURLWithPath: model ?? index.metadata.modelPath),
                                                                 adapter: adapter.map { URL(fileURLWithPath: $0) }))
    }

    /// An opened index with an encoder already loaded (a server shares one encoder between its routes), checked the
    /// same way.
    public init(index: VectorIndex, encoder: SentenceEncoder) throws {
        try index.requireEncoder(encoder.fingerprint)
        self.index = index
        self.encoder = encoder
    }

    /// The `k` nearest documents of each query, best first. Each query is embedded on its own, so its results are
    /// those of searching it alone, whatever else is asked in the same call.
    public func search(_ queries: [String], k: Int) throws -> [SearchAnswer] {
        try queries.map { query in
            let results = try index.search([query], encoder: encoder, k: k)
            let hits = try index.hits(results, query: 0)
            return SearchAnswer(index: index.name, query: query, k: k, metric: index.metadata.metric,
                                hits: hits.map { SearchAnswer.Hit(document: $0.document, score: $0.score) })
        }
    }
}
