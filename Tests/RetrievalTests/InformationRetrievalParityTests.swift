import Foundation
import XCTest
import Tensor
import TestSupport
@testable import Retrieval

/// The synthetic BEIR dataset of scripts/reference/retrieval_metrics_fixtures.py: our loader, ranking and metrics
/// against sentence-transformers' InformationRetrievalEvaluator on a precomputed score matrix full of ties.
final class InformationRetrievalParityTests: XCTestCase {
    struct Fixture: Decodable {
        let query_ids: [String]
        let corpus_ids: [String]
        let scores_shape: [Int]
        let scores_f32_b64: String
        let document_texts: [String: String]
        let relevant: [String: [String]]
        let evaluated_query_ids: [String]
        let rankings: [String: [String]]
        let metrics: [String: Double]
    }

    static let fixture: Fixture = {
        let data = try! Data(contentsOf: Repository.fixture("ir_synthetic_metrics.json"))
        return try! JSONDecoder().decode(Fixture.self, from: data)
    }()

    static func loadTask() throws -> RetrievalTask {
        let dir = Repository.fixture("ir_synthetic")
        return try BEIR.load(corpus: dir.appendingPathComponent("corpus.jsonl"),
                             queries: dir.appendingPathComponent("queries.jsonl"),
                             qrels: dir.appendingPathComponent("qrels.tsv"))
    }

    /// A searcher over the fixture's score matrix: query "vectors" hold the fixture row of each query, stored ids are
    /// the task's corpus rows (sorted by id), so ranking goes through `TopK` as `ExactSearch`'s does.
    final class PrecomputedSearcher: VectorSearcher {
        let scores: [Float]  // (Q, N) in fixture order
        let columns: [Int]  // task corpus row → fixture column
        init(task: RetrievalTask) {
            let f = InformationRetrievalParityTests.fixture
            scores = Repository.floats(base64: f.scores_f32_b64)
            let column = Dictionary(uniqueKeysWithValues: f.corpus_ids.enumerated().map { ($1, $0) })
            columns = task.corpusIDs.map { column[$0]! }
        }
        func search(_ queries: Tensor, k: Int) throws -> SearchResults {
            let n = columns.count, width = InformationRetrievalParityTests.fixture.scores_shape[1]
            var ids = [Int64](repeating: 0, count: queries.rows * k), out = [Float](repeating: 0, count: queries.rows * k)
            for q in 0..<queries.rows {
                let fixtureRow = Int(queries[q])
                let row = columns.map { scores[fixtureRow * width + $0] }
                row.withUnsafeBufferPointer { r in
                    ids.withUnsafeMutableBufferPointer { i in
                        out.withUnsafeMutableBufferPointer { o in
                            TopK.select(r.baseAddress!, count: n, k: k, ids: i.baseAddress! + q * k, outScores: o.baseAddress! + q * k)
                        }
                    }
                }
            }
            return SearchResults(ids: ids, scores: out, k: k, count: queries.rows)
        }
    }

    func testLoaderBuildsTheDocumentsAndJudgementsTheEvaluatorWasGiven() throws {
        let task = try Self.loadTask(), f = Self.fixture
        XCTAssertEqual(task.corpus.count, f.corpus_ids.count)
        XCTAssertEqual(task.corpusIDs, f.corpus_ids.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) })
        for (id, text) in zip(task.corpusIDs, task.corpus) { XCTAssertEqual(text, f.document_texts[id], "document \(id)") }
        XCTAssertEqual(task.queryIDs, f.query_ids)
        XCTAssertEqual(Set(task.evaluatedQueries.map { task.queryIDs[$0] }), Set(f.evaluated_query_ids))
        for (q, id) in task.queryIDs.enumerated() {
            let names = Set(task.relevant[q].map { $0 < task.corpus.count ? task.corpusIDs[Int($0)] : "missing-doc" })
            XCTAssertEqual(names, Set(f.relevant[id] ?? []), "relevant documents of \(id)")
        }
        XCTAssertEqual(task.warnings.count, 2, "\(task.warnings)")
        XCTAssertTrue(task.warnings.contains { $0.contains("'missing-doc'") }, "\(task.warnings)")
    }

    func testRankingsMatchTheEvaluatorTieForTie() throws {
        let task = try Self.loadTask(), f = Self.fixture
        let searcher = PrecomputedSearcher(task: task)
        let rows = Dictionary(uniqueKeysWithValues: f.query_ids.enumerated().map { ($1, $0) })
        let evaluated = task.evaluatedQueries
        let queries = Tensor(shape: [evaluated.count, 1], values: evaluated.map { Float(rows[task.queryIDs[$0]]!) })
        let results = try searcher.search(queries, k: RetrievalMetrics.depth)
        for (i, q) in evaluated.enumerated() {
            let ranked = results.ids(forQuery: i).map { task.corpusIDs[Int($0)] }
            XCTAssertEqual(ranked, f.rankings[task.queryIDs[q]], "ranking of \(task.queryIDs[q])")
        }
    }

    func testEveryMetricMatchesTheEvaluator() throws {
        let task = try Self.loadTask(), f = Self.fixture
        let rows = Dictionary(uniqueKeysWithValues: f.query_ids.enumerated().map { ($1, $0) })
        let queryVectors = Tensor(shape: [task.queries.count, 1], values: task.queryIDs.map { Float(rows[$0]!) })
        let report = try RetrievalEvaluator.evaluate(task, searcher: PrecomputedSearcher(task: task), queryVectors: queryVectors)
        XCTAssertEqual(report.queries, 14)
        XCTAssertEqual(report.skippedQueries, 2)
        XCTAssertEqual(report.metrics.queries, f.evaluated_query_ids.count)
        XCTAssertEqual(report.metrics.named.count, f.metrics.count)
        for (name, value) in report.metrics.named {
            let expected = try XCTUnwrap(f.metrics[name], "fixture has \(name)")
            XCTAssertEqual(value, expected, accuracy: 1e-6, name)
            print("\(name): ours \(value), sentence-transformers \(expected), difference \(abs(value - expected))")
        }
    }
}
