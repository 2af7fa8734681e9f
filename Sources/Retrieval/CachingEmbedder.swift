import Foundation
import Tensor

/// An encoder behind an `EmbeddingCache`: texts the cache holds come from it, the others (each distinct text once)
/// from the encoder, and are added to it. The vectors are those the encoder gave when each text was first embedded,
/// bit for bit; the identity the cache is keyed by covers everything that changes them (weights, adapter, pooling,
/// normalisation, dimension, and `configuration`: e.g. the maximum sequence length).
public final class CachingEmbedder: TextEmbedder {
    public let base: TextEmbedder
    public let cache: EmbeddingCache
    /// Texts of the last `embed` call answered from the cache, and embedded.
    public private(set) var lastHits = 0, lastMisses = 0

    public var dimension: Int { base.dimension }
    public var fingerprint: EncoderFingerprint { base.fingerprint }

    public init(_ base: TextEmbedder, cacheDirectory: URL, configuration: String) throws {
        self.base = base
        cache = try EmbeddingCache(directory: cacheDirectory, identity: "\(base.fingerprint.identity);\(configuration)",
                                   dimension: base.dimension)
    }

    public func embed(_ texts: [String], progress: ((Int) -> Void)?) throws -> Tensor {
        let keys = texts.map(EmbeddingCache.key)
        var found = try cache.vectors(for: Array(Set(keys)))
        let d = dimension
        var missing: [String] = [], missingKeys: [String] = [], queued = Set<String>()
        for (text, key) in zip(texts, keys) where found[key] == nil && queued.insert(key).inserted {
            missing.append(text)
            missingKeys.append(key)
        }
        let hits = keys.reduce(0) { $0 + (found[$1] == nil ? 0 : 1) }
        if hits > 0 { progress?(hits) }
        if !missing.isEmpty {
            let computed = try base.embed(missing) { progress?(min(texts.count, hits + $0)) }
            precondition(computed.rows == missing.count && computed.columns == d, "encoder returned \(computed.shape)")
            try withExtendedLifetime(computed) {
                try cache.store(missingKeys.enumerated().map { ($0.element, UnsafeBufferPointer(start: computed.row($0.offset), count: d)) })
            }
            for (i, key) in missingKeys.enumerated() { found[key] = Array(UnsafeBufferPointer(start: computed.row(i), count: d)) }
        }
        lastHits = hits
        lastMisses = texts.count - hits
        let out = Tensor(uninitializedShape: [texts.count, d])
        for (r, key) in keys.enumerated() { found[key]!.withUnsafeBufferPointer { out.row(r).update(from: $0.baseAddress!, count: d) } }
        return out
    }
}
