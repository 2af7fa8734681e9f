import Foundation
import GRDB
import ModelFormats

/// Vectors an encoder has already produced, by the SHA-256 of their text: one SQLite file per encoder identity, so a
/// second command over the same texts (the quick start embeds the GSM8K train questions for `embed`, `nearest` and
/// `index build`) reads them back instead of running the encoder again. A vector is stored as its Float32 bits, so
/// a hit is bitwise the vector the encoder returned; the file records the identity and the dimension it was made
/// for and refuses any other, and an entry of the wrong size is an error, never a vector.
public final class EmbeddingCache {
    public let path: String
    public let identity: String
    public let dimension: Int
    private let database: DatabaseQueue

    /// Opens (or creates) the cache of `identity` in `directory`: `<sha256(identity) prefix>.sqlite`.
    public init(directory: URL, identity: String, dimension: Int) throws {
        precondition(dimension > 0, "embedding dimension must be positive")
        let file = directory.appendingPathComponent("\(SHA256.hex(identity).prefix(24)).sqlite")
        path = file.path
        self.identity = identity
        self.dimension = dimension
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw EmbeddingCacheError(path: directory.path, reason: "cannot create the cache directory (\(error.localizedDescription))")
        }
        let path = file.path
        database = try Self.wrapping(path) {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)  // another process writing the same cache
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.write { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS cache_identity (identity TEXT NOT NULL, dimension INTEGER NOT NULL)")
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS vectors (text_sha256 TEXT PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID")
                let rows = try Row.fetchAll(db, sql: "SELECT identity, dimension FROM cache_identity")
                if rows.isEmpty {
                    try db.execute(sql: "INSERT INTO cache_identity (identity, dimension) VALUES (?, ?)", arguments: [identity, dimension])
                } else if rows.count > 1 || rows[0]["identity"] as String? != identity || rows[0]["dimension"] as Int? != dimension {
                    throw EmbeddingCacheError(path: path, reason: "holds the vectors of another encoder or dimension; delete it")
                }
            }
            return queue
        }
    }

    /// Hex SHA-256 of a text's UTF-8 bytes: the key of its vector.
    public static func key(_ text: String) -> String { SHA256.hex(text) }

    /// The cached vectors among `keys`, by key.
    public func vectors(for keys: [String]) throws -> [String: [Float]] {
        var found: [String: [Float]] = [:]
        let bytes = dimension * MemoryLayout<Float>.size
        try Self.wrapping(path) {
            try database.read { db in
                for start in stride(from: 0, to: keys.count, by: 500) {
                    let chunk = Array(keys[start..<min(start + 500, keys.count)])
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    let rows = try Row.fetchCursor(db, sql: "SELECT text_sha256, vector FROM vectors WHERE text_sha256 IN (\(marks))",
                                                   arguments: StatementArguments(chunk))
                    while let row = try rows.next() {
                        let key: String = row["text_sha256"], blob: Data = row["vector"]
                        guard blob.count == bytes else {
                            throw EmbeddingCacheError(path: path, reason: "entry \(key) has \(blob.count) bytes, expected \(bytes); delete the file")
                        }
                        found[key] = blob.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                    }
                }
            }
        }
        return found
    }

    /// Stores vectors (each `dimension` floats) under their keys, in one transaction.
    public func store(_ entries: [(key: String, vector: UnsafeBufferPointer<Float>)]) throws {
        guard !entries.isEmpty else { return }
        try Self.wrapping(path) {
            try database.write { db in
                let statement = try db.makeStatement(sql: "INSERT OR REPLACE INTO vectors (text_sha256, vector) VALUES (?, ?)")
                for (key, vector) in entries {
                    precondition(vector.count == dimension, "vector of \(vector.count) floats for a \(dimension)-dim cache")
                    try statement.execute(arguments: [key, Data(buffer: vector)])
                }
            }
        }
    }

    /// Number of cached vectors.
    public func count() throws -> Int {
        try Self.wrapping(path) { try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM vectors") ?? 0 } }
    }

    /// SQLite's errors (a file that is not a database, a full disk) as errors naming the cache file.
    private static func wrapping<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as EmbeddingCacheError { throw error } catch {
            throw EmbeddingCacheError(path: path, reason: "\(error); delete it or run without the embedding cache")
        }
    }
}
