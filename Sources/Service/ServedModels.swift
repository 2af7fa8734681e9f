import Encoder
import Foundation
import MathTasks
import Retrieval
import SemanticSearch
import Tensor

/// Everything the routes compute with, loaded once: the encoder (its id as clients name it), the indexes by name,
/// each with the encoder that embeds its queries (the served one when the index was built with it) and the shot
/// retriever of chat requests' `retrieval`, and the decoder if one is served.
final class ServedModels: @unchecked Sendable {
    let encoder: SentenceEncoder
    let modelID: String
    let searchers: [String: IndexSearcher]
    /// Retrieved few-shot turns from each index, as `eval gsm8k --shot-selection retrieved` picks them.
    let retrievers: [String: ShotRetriever]
    let decoder: ServedDecoder?
    /// The encoder's (and every index's) work, one call at a time.
    let queue: ModelQueue
    /// When loading finished (the `created` of /v1/models).
    let loadedAt: Date

    /// Loads the encoder and opens the indexes (`IndexSearcher`'s checks), then runs one forward so the first
    /// request does not pay for first-touch page faults and lazy hashing.
    init(_ configuration: ServiceConfiguration, queue: ModelQueue, metrics: ServiceMetrics) throws {
        let section = configuration.encoder
        let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: section.model),
                                          adapter: section.adapter.isEmpty ? nil : URL(fileURLWithPath: section.adapter))
        var searchers: [String: IndexSearcher] = [:]
        for name in configuration.indexes {
            let index = try VectorIndex.open(name, in: URL(fileURLWithPath: configuration.indexDir))
            searchers[name] = index.metadata.encoder.isCompatible(with: encoder.fingerprint)
                ? try IndexSearcher(index: index, encoder: encoder) : try IndexSearcher(index: index)
        }
        _ = try encoder.embed(["warm-up"])
        retrievers = try searchers.mapValues { try ShotRetriever(index: $0.index, embedder: $0.encoder) }
        decoder = configuration.decoder.model.isEmpty ? nil : try ServedDecoder(configuration.decoder, metrics: metrics)
        self.encoder = encoder
        self.modelID = section.servedID
        self.searchers = searchers
        self.queue = queue
        loadedAt = Date()
    }

    /// The decoder, or 404 when none is served.
    func requireDecoder() throws -> ServedDecoder {
        guard let decoder else {
            throw APIError(.notFound, "this server has no decoder (start it with a decoder.model to generate)", code: "model_not_found")
        }
        return decoder
    }
}
