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
        let keys = texts.map(EmbeddingCache.key), d = dimension
        let cached = try cache.vectors(for: Array(Set(keys)))
        // Texts the cache lacks, each distinct one once, by the row the encoder gives it.
        var missing: [String] = [], missingKeys: [String] = [], computedRow: [String: Int] = [:]
        for (text, key) in zip(texts, keys) where cached[key] == nil && computedRow[key] == nil {
            computedRow[key] = missing.count
            missing.append(text)
            missingKeys.append(key)
        }
        let hits = keys.reduce(0) { $0 + (cached[$1] == nil ? 0 : 1) }
        if hits > 0 { progress?(hits) }
        let computed = missing.isEmpty ? nil : try base.embed(missing) { progress?(min(texts.count, hits + $0)) }
        let out = Tensor(uninitializedShape: [texts.count, d])
        try withExtendedLifetime(computed) {
            if let computed {
                precondition(computed.rows == missing.count && computed.columns == d, "encoder returned \(computed.shape)")
                try cache.store(missingKeys.enumerated().map { ($0.element, UnsafeBufferPointer(start: computed.row($0.offset), count: d)) })
            }
            for (r, key) in keys.enumerated() {
                if let vector = cached[key] {
                    vector.withUnsafeBufferPointer { out.row(r).update(from: $0.baseAddress!, count: d) }
                } else {
                    out.row(r).update(from: computed!.row(computedRow[key]!), count: d)
                }
            }
        }
        lastHits = hits
        lastMisses = texts.count - hits
        return out
    }
}
