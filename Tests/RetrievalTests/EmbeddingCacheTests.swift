import Foundation
import GRDB
import XCTest
@testable import Retrieval

/// The embedding cache: a second call over the same texts reads the vectors back bit for bit without the encoder;
/// another encoder, adapter or configuration misses; a corrupt file or entry is an error naming the file.
final class EmbeddingCacheTests: XCTestCase {
    var directory: URL!
    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("embedding-cache-\(UUID().uuidString)")
    }
    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    let texts = ["Natalia sold clips to 48 friends.", "Weng earns $12 an hour.", "Natalia sold clips to 48 friends.",
                 "Betty is saving money for a new wallet."]

    func testSecondCallReadsTheSameVectorsFromTheCache() throws {
        let base = HashingEmbedder()
        let first = try CachingEmbedder(base, cacheDirectory: directory, configuration: "max_seq_length=256")
        let a = try first.embed(texts, progress: nil)
        XCTAssertEqual(base.embeddedTexts, 3, "the repeated text is embedded once")
        XCTAssertEqual(first.lastHits, 0)
        XCTAssertEqual(try first.cache.count(), 3)
        XCTAssertEqual(a.array, try base.embed(texts, progress: nil).array)

        // A new process: a new embedder over the same directory.
        let encoder = HashingEmbedder()
        let second = try CachingEmbedder(encoder, cacheDirectory: directory, configuration: "max_seq_length=256")
        var reported: [Int] = []
        let b = try second.embed(texts + ["A new question."], progress: { reported.append($0) })
        XCTAssertEqual(encoder.embeddedTexts, 1, "only the new text reaches the encoder")
        XCTAssertEqual(second.lastHits, 4)
        XCTAssertEqual(second.lastMisses, 1)
        XCTAssertEqual(Array(b.array.prefix(a.count)).map(\.bitPattern), a.array.map(\.bitPattern))
        XCTAssertEqual(reported.last, 5)
    }

    func testAnotherEncoderAdapterOrConfigurationMisses() throws {
        _ = try CachingEmbedder(HashingEmbedder(), cacheDirectory: directory, configuration: "max_seq_length=256").embed(texts, progress: nil)
        let others: [(HashingEmbedder, String)] = [(HashingEmbedder(weights: "hashing-v2"), "max_seq_length=256"),
                                                   (HashingEmbedder(), "max_seq_length=128")]
        for (encoder, configuration) in others {
            let cached = try CachingEmbedder(encoder, cacheDirectory: directory, configuration: configuration)
            _ = try cached.embed(texts, progress: nil)
            XCTAssertEqual(cached.lastHits, 0, configuration)
            XCTAssertEqual(encoder.embeddedTexts, 3)
        }
        let adapter = EncoderFingerprint(model: "hashing", weightsSHA256: "hashing-v1", adapterSHA256: "abc", dimension: 32,
                                         pooling: "words", normalized: true)
        XCTAssertNotEqual(adapter.identity, HashingEmbedder().fingerprint.identity)
    }

    func testCorruptFileOrEntryIsAnErrorNamingTheFile() throws {
        let cached = try CachingEmbedder(HashingEmbedder(), cacheDirectory: directory, configuration: "c")
        _ = try cached.embed(texts, progress: nil)
        let path = cached.cache.path

        // An entry of the wrong size: an error, never a vector.
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "UPDATE vectors SET vector = x'00010203'") }
        try queue.close()
        XCTAssertThrowsError(try CachingEmbedder(HashingEmbedder(), cacheDirectory: directory, configuration: "c").embed(texts, progress: nil)) {
            XCTAssertTrue("\($0)".contains(path) && "\($0)".contains("4 bytes, expected 128"), "\($0)")
        }

        // Not a database at all.
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try CachingEmbedder(HashingEmbedder(), cacheDirectory: directory, configuration: "c")) {
            XCTAssertTrue("\($0)".contains(path), "\($0)")
        }
    }

    func testAFileOfAnotherIdentityIsRefused() throws {
        let cache = try EmbeddingCache(directory: directory, identity: "a", dimension: 4)
        let queue = try DatabaseQueue(path: cache.path)
        try queue.write { try $0.execute(sql: "UPDATE cache_identity SET dimension = 8") }
        try queue.close()
        XCTAssertThrowsError(try EmbeddingCache(directory: directory, identity: "a", dimension: 4)) {
            XCTAssertTrue("\($0)".contains(cache.path) && "\($0)".contains("another encoder"), "\($0)")
        }
    }
}
