import Foundation
import GRDB
import XCTest
@testable import Retrieval

final class CorpusStoreTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    static let fingerprint = EncoderFingerprint(model: "m", weightsSHA256: "abc", adapterSHA256: "def", dimension: 4,
                                                pooling: "mean", normalized: true)

    static func metadata(count: Int = 2) -> IndexMetadata {
        IndexMetadata(buildID: "0123456789abcdef", faissFile: "x.0123456789abcdef.faiss", faissFileSize: 1234,
                      encoder: fingerprint, modelPath: "models/m", factory: "HNSW32", metric: .innerProduct,
                      dimension: 4, documentCount: count, embedded: .questionAndSolution, corpus: "data/c.jsonl",
                      faissVersion: "1.7.3", createdAt: Date(timeIntervalSince1970: 1_700_000_000.25))
    }

    static let documents = [
        CorpusDocument(id: 0, source: "gsm8k", split: "train", question: "How many?", solution: "2 + 2 = 4\n#### 4",
                       finalAnswer: "4", extra: "{\"line\":1}"),
        CorpusDocument(id: 7, source: "gsm8k", split: "train", question: "Naïve café €?", solution: "no marker",
                       finalAnswer: nil),
    ]

    func testCreateAppliesEveryMigrationAndRoundTrips() throws {
        let path = scratch.appendingPathComponent("a.sqlite").path
        let store = try CorpusStore.create(at: path)
        XCTAssertEqual(try store.appliedMigrations(), ["documents", "index-metadata"])
        XCTAssertNil(try store.metadata())
        try store.insert(Self.documents)
        try store.setMetadata(Self.metadata())
        try store.close()

        let reopened = try CorpusStore.open(at: path)
        XCTAssertEqual(try reopened.documentCount(), 2)
        XCTAssertEqual(try reopened.document(id: 7), Self.documents[1])
        XCTAssertEqual(try reopened.documents(ids: [7, 0, 99]), [0: Self.documents[0], 7: Self.documents[1]])
        XCTAssertEqual(try reopened.allDocuments(), Self.documents)
        XCTAssertEqual(try reopened.metadata(), Self.metadata())
        XCTAssertThrowsError(try reopened.insert([Self.documents[0]]), "read-only") { XCTAssertTrue("\($0)".contains(path), "\($0)") }
    }

    /// The metadata is plain SQL: the fingerprint is JSON text that sqlite3 (or Python) reads.
    func testMetadataIsReadableAsPlainSQL() throws {
        let path = scratch.appendingPathComponent("b.sqlite").path
        let store = try CorpusStore.create(at: path)
        try store.setMetadata(Self.metadata())
        try store.setMetadata(Self.metadata(count: 5))  // replaces the single row
        try store.close()
        let row = try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT build_id, document_count, json_extract(encoder_fingerprint, '$.weightsSHA256') AS sha, created_at, metric, embedded FROM index_metadata")
        }
        XCTAssertEqual(row.count, 1)
        XCTAssertEqual(row[0]["build_id"] as String?, "0123456789abcdef")
        XCTAssertEqual(row[0]["document_count"] as Int?, 5)
        XCTAssertEqual(row[0]["sha"] as String?, "abc")
        XCTAssertEqual(row[0]["created_at"] as String?, "2023-11-14 22:13:20.250")
        XCTAssertEqual(row[0]["metric"] as String?, "inner_product")
        XCTAssertEqual(row[0]["embedded"] as String?, "question+solution")
    }

    func testOlderSchemaIsUpgradedOnOpen() throws {
        let path = scratch.appendingPathComponent("old.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try CorpusStore.migrator.migrate(queue, upTo: "documents")
        try queue.close()
        let store = try CorpusStore.open(at: path)
        XCTAssertEqual(try store.appliedMigrations(), ["documents", "index-metadata"])
        XCTAssertNil(try store.metadata())
    }

    func testNewerSchemaAndForeignFilesAreErrors() throws {
        let newer = scratch.appendingPathComponent("newer.sqlite").path
        try CorpusStore.create(at: newer).close()
        try DatabaseQueue(path: newer).write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('from-the-future')") }
        XCTAssertThrowsError(try CorpusStore.open(at: newer)) {
            XCTAssertTrue("\($0)".contains(newer) && "\($0)".contains("newer"), "\($0)")
        }

        let foreign = scratch.appendingPathComponent("foreign.sqlite").path
        try DatabaseQueue(path: foreign).write { try $0.execute(sql: "CREATE TABLE t (x)") }
        XCTAssertThrowsError(try CorpusStore.open(at: foreign)) {
            XCTAssertTrue("\($0)".contains(foreign) && "\($0)".contains("not an Exemplar"), "\($0)")
        }

        let text = scratch.appendingPathComponent("text.sqlite")
        try Data(String(repeating: "not a database ", count: 100).utf8).write(to: text)
        XCTAssertThrowsError(try CorpusStore.open(at: text.path)) { XCTAssertTrue("\($0)".contains(text.path), "\($0)") }

        let missing = scratch.appendingPathComponent("missing.sqlite").path
        XCTAssertThrowsError(try CorpusStore.open(at: missing)) { XCTAssertTrue("\($0)".contains("\(missing): file not found"), "\($0)") }
        XCTAssertThrowsError(try CorpusStore.create(at: newer)) { XCTAssertTrue("\($0)".contains("already exists"), "\($0)") }
    }
}
