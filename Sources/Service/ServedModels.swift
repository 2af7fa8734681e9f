import Encoder
import Foundation
import Retrieval
import SemanticSearch
import Tensor

/// Everything the routes compute with, loaded once: the encoder (its id as clients name it) and the indexes by name,
/// each with the encoder that embeds its queries (the served one when the index was built with it).
final class ServedModels: @unchecked Sendable {
    let encoder: SentenceEncoder
    let modelID: String
    let searchers: [String: IndexSearcher]
    /// The encoder's (and every index's) work, one call at a time.
    let queue: ModelQueue
    /// When loading finished (the `created` of /v1/models).
    let loadedAt: Date

    /// Loads the encoder and opens the indexes (`IndexSearcher`'s checks), then runs one forward so the first
    /// request does not pay for first-touch page faults and lazy hashing.
    init(_ configuration: ServiceConfiguration, queue: ModelQueue) throws {
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
        self.encoder = encoder
        self.modelID = section.name.isEmpty ? URL(fileURLWithPath: section.model).standardized.lastPathComponent : section.name
        self.searchers = searchers
        self.queue = queue
        loadedAt = Date()
    }
}
