import Foundation
import GRDB
import XCTest
@testable import Retrieval

/// Build → open → search on a small corpus with the hashing embedder, the checks `open` makes, and builds interrupted
/// after every step.
final class VectorIndexTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    static let animals = ["cats", "dogs", "hens", "cows", "goats", "ducks", "sheep", "geese", "pigs", "bees"]

    /// `n` distinct problems (ids 0…n−1) whose questions share few words.
    static func corpus(_ n: Int, tag: String = "") -> [CorpusDocument] {
        (0..<n).map { i in
            let a = animals[i % animals.count], b = animals[(i / animals.count) % animals.count]
            return CorpusDocument(id: Int64(i), source: "test", split: "train",
                                  question: "Farm \(i)\(tag): how many \(a) and \(b) live on farm number \(i)?",
                                  solution: "Count them.\n#### \(i * 3)", finalAnswer: "\(i * 3)")
        }
    }

    func options(_ factory: String = "Flat") -> IndexBuildOptions {
        IndexBuildOptions(factory: factory, embedded: .question, modelPath: "models/hashing", corpus: "corpus.jsonl", addBatchSize: 16)
    }

    @discardableResult
    func build(_ name: String = "t", documents: [CorpusDocument] = corpus(60), factory: String = "Flat",
               embedder: HashingEmbedder = HashingEmbedder(), afterStep: ((IndexBuildStep) throws -> Void)? = nil) throws -> IndexBuildReport {
        let builder = VectorIndexBuilder(embedder: embedder)
        builder.afterStep = afterStep
        builder.now = { Date(timeIntervalSince1970: 1_800_000_000) }
        return try builder.build(name: name, in: scratch, documents: documents, options: options(factory))
    }

    func files() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() }

    func testBuildOpenSearch() throws {
        let embedder = HashingEmbedder()
        var phases: [IndexBuildPhase: Int] = [:]
        let builder = VectorIndexBuilder(embedder: embedder)
        builder.progress = { phase, done, total in
            XCTAssertLessThanOrEqual(done, total)
            phases[phase] = done
        }
        let report = try builder.build(name: "farm", in: scratch, documents: Self.corpus(60), options: options())
        XCTAssertEqual(phases, [.embed: 60, .add: 60])
        XCTAssertEqual(report.metadata.documentCount, 60)
        XCTAssertEqual(report.vectors.shape, [60, 32])

        let buildID = report.metadata.buildID
        XCTAssertEqual(Set(try files()), [".farm.lock", "farm.\(buildID).faiss", "farm.faiss", "farm.sqlite"])
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.appendingPathComponent("farm.faiss").path),
                       "farm.\(buildID).faiss")

        let index = try VectorIndex.open("farm", in: scratch, encoder: embedder.fingerprint)
        XCTAssertEqual(index.count, 60)
        XCTAssertEqual(index.metadata, report.metadata)
        XCTAssertEqual(index.metadata.encoder, embedder.fingerprint)
        XCTAssertEqual(index.metadata.faissVersion, FaissIndex.libraryVersion)

        let questions = [Self.corpus(60)[17].question, Self.corpus(60)[42].question]
        let results = try index.search(questions, encoder: embedder, k: 3)
        XCTAssertEqual(results.count, 2)
        XCTAssertEqual(results.ids[0], 17)
        XCTAssertEqual(results.ids[3], 42)
        XCTAssertEqual(results.scores[0], 1, accuracy: 1e-5)
        XCTAssertEqual(try index.search(try embedder.embed(questions, progress: nil), k: 3), results)
        let hits = try index.hits(results, query: 1)
        XCTAssertEqual(hits.map(\.document.id), Array(results.ids[3..<6]))
        XCTAssertEqual(hits[0].document.finalAnswer, "126")

        // The FAISS file through the link is the same index.
        let linked = try FaissIndex.read(path: scratch.appendingPathComponent("farm.faiss").path)
        XCTAssertEqual(try linked.search(try embedder.embed(questions, progress: nil), k: 3), results)
    }

    func testRebuildReplacesTheIndexAndRemovesOldFiles() throws {
        let first = try build(documents: Self.corpus(30))
        let second = try build(documents: Self.corpus(45, tag: "b"))
        XCTAssertNotEqual(first.metadata.buildID, second.metadata.buildID)
        let index = try VectorIndex.open("t", in: scratch)
        XCTAssertEqual(index.metadata.buildID, second.metadata.buildID)
        XCTAssertEqual(index.count, 45)
        XCTAssertEqual(Set(try files()), [".t.lock", "t.\(second.metadata.buildID).faiss", "t.faiss", "t.sqlite"])
    }

    func testApproximateFactoriesAndRecall() throws {
        for factory in ["HNSW16", "IVF4,Flat"] {
            let report = try build("a\(factory.count)", documents: Self.corpus(200), factory: factory)
            let index = try VectorIndex.open("a\(factory.count)", in: scratch)
            XCTAssertEqual(index.count, 200)
            XCTAssertEqual(index.metadata.factory, factory)
            let queries = ApproximateRecall.sample(report.vectors, count: 50)
            XCTAssertEqual(queries.rows, 50)
            let recall = try ApproximateRecall.measure(approximate: index.faiss, vectors: report.vectors, ids: report.ids, queries: queries)
            XCTAssertGreaterThan(recall, 0.3, factory)
            XCTAssertLessThanOrEqual(recall, 1, factory)
        }
        let flat = try build("exact", documents: Self.corpus(100))
        XCTAssertEqual(try ApproximateRecall.measure(approximate: flat.index, vectors: flat.vectors, ids: flat.ids,
                                                     queries: ApproximateRecall.sample(flat.vectors, count: 20)), 1)
        XCTAssertTrue(options("Flat").isExact)
        XCTAssertFalse(options("HNSW32").isExact)
    }

    func testMismatchedEncoderNamesIndexAndBothFingerprints() throws {
        try build()
        let other = HashingEmbedder(weights: "other-weights")
        XCTAssertThrowsError(try VectorIndex.open("t", in: scratch, encoder: other.fingerprint)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("index 't'") && text.contains("t.sqlite"), text)
            XCTAssertTrue(text.contains("hashing-v1") && text.contains("other-weight"), text)  // fingerprints show 12 characters of the hash
        }
        let index = try VectorIndex.open("t", in: scratch)
        XCTAssertThrowsError(try index.search(["farm"], encoder: other, k: 1)) { XCTAssertTrue("\($0)".contains("other-weight"), "\($0)") }
        XCTAssertThrowsError(try index.search(try HashingEmbedder(dimension: 16).embed(["farm"], progress: nil), k: 1)) {
            XCTAssertTrue("\($0)".contains("32"), "\($0)")
        }
    }

    func testMissingIndexAndMissingOrCorruptFAISSFile() throws {
        XCTAssertThrowsError(try VectorIndex.open("nothing", in: scratch)) {
            XCTAssertTrue("\($0)".contains("nothing.sqlite") && "\($0)".contains("not found"), "\($0)")
        }
        XCTAssertThrowsError(try VectorIndex.open("../escape", in: scratch)) { XCTAssertTrue("\($0)".contains("invalid index name"), "\($0)") }

        let report = try build()
        let faiss = report.faissPath
        let bytes = try Data(contentsOf: URL(fileURLWithPath: faiss))

        // Same size, garbage inside: FAISS's own error, naming the file.
        try Data(repeating: 0x5A, count: bytes.count).write(to: URL(fileURLWithPath: faiss))
        XCTAssertThrowsError(try VectorIndex.open("t", in: scratch)) { XCTAssertTrue("\($0)".contains(faiss), "\($0)") }

        // Truncated: caught by the size the build recorded.
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: faiss))
        XCTAssertThrowsError(try VectorIndex.open("t", in: scratch)) {
            XCTAssertTrue("\($0)".contains(faiss) && "\($0)".contains("bytes"), "\($0)")
        }

        try FileManager.default.removeItem(atPath: faiss)
        XCTAssertThrowsError(try VectorIndex.open("t", in: scratch)) {
            XCTAssertTrue("\($0)".contains(faiss) && "\($0)".contains("missing"), "\($0)")
        }
    }

    func testCountMismatchBetweenFAISSAndDatabase() throws {
        let report = try build()
        try DatabaseQueue(path: report.databasePath).write { try $0.execute(sql: "DELETE FROM document WHERE id = 3") }
        XCTAssertThrowsError(try VectorIndex.open("t", in: scratch)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("60 vectors") && text.contains("59 documents"), text)
            XCTAssertTrue(text.contains(report.faissPath) && text.contains(report.databasePath), text)
        }
    }

    /// The database of one build paired with the FAISS file of another build (copied over it by hand) is caught.
    func testFAISSFileOfAnotherBuildIsCaught() throws {
        let first = try build("one", documents: Self.corpus(40))
        let second = try build("two", documents: Self.corpus(41))
        try FileManager.default.removeItem(atPath: first.faissPath)
        try FileManager.default.copyItem(atPath: second.faissPath, toPath: first.faissPath)
        XCTAssertThrowsError(try VectorIndex.open("one", in: scratch)) { XCTAssertTrue("\($0)".contains(first.faissPath), "\($0)") }
    }

    func testEmptyCorpusAndInvalidNameAreErrors() throws {
        XCTAssertThrowsError(try build(documents: [])) {
            XCTAssertTrue("\($0)".contains("corpus.jsonl") && "\($0)".contains("no documents"), "\($0)")
        }
        XCTAssertThrowsError(try build(documents: Self.corpus(3) + [Self.corpus(3)[1]])) {
            XCTAssertTrue("\($0)".contains("document id 1 appears more than once"), "\($0)")
        }
        XCTAssertThrowsError(try build("a.b")) { XCTAssertTrue("\($0)".contains("invalid index name 'a.b'"), "\($0)") }
        XCTAssertThrowsError(try build(factory: "Bogus9")) { XCTAssertTrue("\($0)".contains("Bogus9"), "\($0)") }
        XCTAssertEqual(try files().filter { !$0.hasSuffix(".lock") }, [], "failed builds leave no files")
    }

    func testConcurrentBuildOfTheSameNameIsRefused() throws {
        let lock = try BuildLock(path: scratch.appendingPathComponent(".t.lock").path, name: "t")
        XCTAssertThrowsError(try build()) { XCTAssertTrue("\($0)".contains("another build"), "\($0)") }
        lock.release()
        try build()
    }

    struct Interrupted: Error {}

    /// A build stopped after any step leaves an index that opens and searches: the previous one before the commit,
    /// the new one from the commit on. The next build then completes and removes the leftovers.
    func testInterruptedBuildLeavesAUsableIndex() throws {
        let embedder = HashingEmbedder()
        let previous = try build(documents: Self.corpus(30), embedder: embedder)
        let query = try embedder.embed([Self.corpus(30)[5].question], progress: nil)
        for step in IndexBuildStep.allCases {
            let before = try VectorIndex.open("t", in: scratch).metadata.buildID
            XCTAssertThrowsError(try build(documents: Self.corpus(50, tag: step.rawValue), embedder: embedder) {
                if $0 == step { throw Interrupted() }
            }, "\(step)")
            let index = try VectorIndex.open("t", in: scratch, encoder: embedder.fingerprint)
            let committed = IndexBuildStep.allCases.firstIndex(of: step)! >= IndexBuildStep.allCases.firstIndex(of: .committed)!
            if committed {
                XCTAssertNotEqual(index.metadata.buildID, before, "\(step): the new build is in place")
                XCTAssertEqual(index.count, 50, "\(step)")
            } else {
                XCTAssertEqual(index.metadata.buildID, before, "\(step): the previous build is still in place")
                XCTAssertEqual(index.count, before == previous.metadata.buildID ? 30 : 50, "\(step)")
            }
            XCTAssertEqual(try index.search(query, k: 1).ids.count, 1, "\(step)")
        }
        let final = try build(documents: Self.corpus(20), embedder: embedder)
        XCTAssertEqual(Set(try files()), [".t.lock", "t.\(final.metadata.buildID).faiss", "t.faiss", "t.sqlite"])
    }
}
