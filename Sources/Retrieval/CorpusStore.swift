import Foundation
import GRDB

/// The SQLite half of an index: the documents (id = FAISS id) and the index metadata, readable with `sqlite3`.
///
/// The schema evolves through named GRDB migrations, applied in order: `create` runs them all; `open` upgrades an
/// older file in place and refuses one written by a newer Exemplar (it would not know that schema).
public final class CorpusStore {
    public let path: String
    private let database: DatabaseQueue

    private init(path: String, database: DatabaseQueue) {
        self.path = path
        self.database = database
    }

    /// The schema, oldest migration first. Never edit a registered migration: add a new one.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("documents") { db in
            try db.create(table: CorpusDocument.databaseTableName) { t in
                t.primaryKey("id", .integer)
                t.column("source", .text).notNull()
                t.column("split", .text).notNull()
                t.column("question", .text).notNull()
                t.column("solution", .text).notNull()
                t.column("final_answer", .text)
                t.column("extra", .text).notNull().defaults(to: "{}").check(sql: "json_valid(extra)")
            }
            try db.create(index: "document_source_split", on: CorpusDocument.databaseTableName, columns: ["source", "split"])
        }
        migrator.registerMigration("index-metadata") { db in
            try db.create(table: IndexMetadata.databaseTableName) { t in
                // One row: the metadata of the build that wrote this file.
                t.column("id", .integer).primaryKey().check(sql: "id = 1").defaults(to: 1)
                t.column("build_id", .text).notNull()
                t.column("faiss_file", .text).notNull()
                t.column("faiss_file_size", .integer).notNull()
                t.column("encoder_fingerprint", .text).notNull()
                t.column("model_path", .text).notNull()
                t.column("factory", .text).notNull()
                t.column("metric", .text).notNull()
                t.column("dimension", .integer).notNull()
                t.column("document_count", .integer).notNull()
                t.column("embedded", .text).notNull()
                t.column("corpus", .text).notNull()
                t.column("faiss_version", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
        }
        return migrator
    }

    /// A new database at `path` (which must not exist) with the whole schema.
    public static func create(at path: String) throws -> CorpusStore {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw CorpusStoreError(path: path, reason: "already exists")
        }
        return try wrapping(path) {
            let queue = try DatabaseQueue(path: path)
            try migrator.migrate(queue)
            return CorpusStore(path: path, database: queue)
        }
    }

    /// An existing database. Read-only stores are opened with SQLite's read-only flag (several processes may
    /// search one index); an older schema is upgraded first all the same.
    public static func open(at path: String, readOnly: Bool = true) throws -> CorpusStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CorpusStoreError(path: path, reason: "file not found")
        }
        return try wrapping(path) {
            var configuration = Configuration()
            configuration.readonly = true
            let reader = try DatabaseQueue(path: path, configuration: configuration)
            let (applied, superseded, complete) = try reader.read { db in
                (try migrator.appliedIdentifiers(db), try migrator.hasBeenSuperseded(db), try migrator.hasCompletedMigrations(db))
            }
            if applied.isEmpty {
                throw CorpusStoreError(path: path, reason: "not an Exemplar corpus database (no schema migrations recorded)")
            }
            if superseded {
                throw CorpusStoreError(path: path, reason: "written by a newer version of Exemplar (unknown schema migrations)")
            }
            if readOnly && complete { return CorpusStore(path: path, database: reader) }
            try reader.close()
            let writer = try DatabaseQueue(path: path)
            try migrator.migrate(writer)
            guard readOnly else { return CorpusStore(path: path, database: writer) }
            try writer.close()
            return CorpusStore(path: path, database: try DatabaseQueue(path: path, configuration: configuration))
        }
    }

    /// Identifiers of the migrations applied to this file, oldest first.
    public func appliedMigrations() throws -> [String] {
        try wrapping { try database.read { try Self.migrator.appliedMigrations($0) } }
    }

    /// Inserts documents in one transaction (all or none).
    public func insert(_ documents: [CorpusDocument]) throws {
        try wrapping { try database.write { db in for document in documents { try document.insert(db) } } }
    }

    public func documentCount() throws -> Int {
        try wrapping { try database.read { try CorpusDocument.fetchCount($0) } }
    }

    public func document(id: Int64) throws -> CorpusDocument? {
        try wrapping { try database.read { try CorpusDocument.fetchOne($0, key: id) } }
    }

    /// The documents with these ids that exist, by id.
    public func documents(ids: [Int64]) throws -> [Int64: CorpusDocument] {
        try wrapping {
            try database.read { db in
                Dictionary(uniqueKeysWithValues: try CorpusDocument.fetchAll(db, keys: Set(ids)).map { ($0.id, $0) })
            }
        }
    }

    /// Every document, by id.
    public func allDocuments() throws -> [CorpusDocument] {
        try wrapping { try database.read { try CorpusDocument.order(Column("id")).fetchAll($0) } }
    }

    /// Replaces the metadata row.
    public func setMetadata(_ metadata: IndexMetadata) throws {
        try wrapping {
            try database.write { db in
                try IndexMetadata.deleteAll(db)
                try metadata.insert(db)
            }
        }
    }

    /// The metadata row, nil when none was written.
    public func metadata() throws -> IndexMetadata? {
        try wrapping { try database.read { try IndexMetadata.fetchOne($0) } }
    }

    /// Closes the database; further calls fail. Builders close before renaming the file into place, so no
    /// connection or journal refers to the temporary name.
    public func close() throws {
        try wrapping { try database.close() }
    }

    private func wrapping<T>(_ body: () throws -> T) throws -> T { try Self.wrapping(path, body) }

    /// GRDB's errors (e.g. "file is not a database"), prefixed with the file's path.
    private static func wrapping<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CorpusStoreError {
            throw error
        } catch let error as DatabaseError {
            throw CorpusStoreError(path: path, reason: "SQLite: \(error.message ?? "\(error.resultCode)")")
        } catch {
            throw CorpusStoreError(path: path, reason: "\(error)")
        }
    }
}
