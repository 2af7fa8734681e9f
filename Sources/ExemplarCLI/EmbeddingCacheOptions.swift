import ArgumentParser
import Encoder
import Foundation
import Retrieval
import SemanticSearch

/// `--no-embedding-cache` / `--embedding-cache DIR` on the commands that embed texts: vectors this encoder already
/// made for the same texts are read back from the cache (`CachingEmbedder`) instead of computed again.
struct EmbeddingCacheOptions: ParsableArguments {
    @Flag(help: "Embed every text with the encoder, neither reading nor adding to the embedding cache.")
    var noEmbeddingCache = false

    @Option(help: ArgumentHelp("Embedding cache directory (default: $EXEMPLAR_EMBEDDING_CACHE, else ~/.cache/exemplar/embeddings; EXEMPLAR_EMBEDDING_CACHE=off turns the cache off).",
                               valueName: "dir"))
    var embeddingCache: String?

    /// The cache directory, nil when the cache is off.
    var directory: URL? {
        if noEmbeddingCache { return nil }
        if let embeddingCache { return URL(fileURLWithPath: embeddingCache) }
        let environment = ProcessInfo.processInfo.environment
        if let value = environment["EXEMPLAR_EMBEDDING_CACHE"], !value.isEmpty {
            return value == "off" ? nil : URL(fileURLWithPath: value)
        }
        let base = environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("exemplar/embeddings")
    }

    /// `encoder`, behind the cache when it is on.
    func embedder(_ encoder: SentenceEncoder) throws -> TextEmbedder {
        guard let directory else { return encoder }
        return try CachingEmbedder(encoder, cacheDirectory: directory)
    }
}
