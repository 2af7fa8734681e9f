import Foundation
import XCTest
@testable import Retrieval

/// The metric definitions on a case small enough to compute by hand.
final class RetrievalMetricsTests: XCTestCase {
    func testHandComputedQuery() {
        // Ranking 5, 3, 9, 1 (then the searcher's −1 padding); relevant 3 and 1, and 42, which was never retrieved.
        // A second query without relevant documents is left out of every average.
        let metrics = RetrievalMetrics(rankings: [[5, 3, 9, 1, -1, -1], [3, 1]], relevant: [[3, 1, 42], []])
        XCTAssertEqual(metrics.queries, 1)
        XCTAssertEqual(metrics.accuracy, [1: 0, 3: 1, 5: 1, 10: 1])
        XCTAssertEqual(metrics.precision[1]!, 0)
        XCTAssertEqual(metrics.precision[3]!, 1.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(metrics.precision[5]!, 2.0 / 5, accuracy: 1e-15)
        XCTAssertEqual(metrics.precision[10]!, 2.0 / 10, accuracy: 1e-15)
        XCTAssertEqual(metrics.recall[3]!, 1.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(metrics.recall[10]!, 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(metrics.mrr[10]!, 1.0 / 2, accuracy: 1e-15)
        let dcg = 1 / log2(3.0) + 1 / log2(5.0), ideal = 1 + 1 / log2(3.0) + 1 / log2(4.0)
        XCTAssertEqual(metrics.ndcg[10]!, dcg / ideal, accuracy: 1e-15)
        XCTAssertEqual(metrics.map[100]!, (1.0 / 2 + 2.0 / 4) / 3, accuracy: 1e-15)
    }

    func testOnlyTheTopDepthRanksCount() {
        // The single relevant document at rank 101 is beyond MAP@100.
        let ranking = (0..<101).map { Int64($0) }
        let metrics = RetrievalMetrics(rankings: [ranking], relevant: [[100]])
        XCTAssertEqual(metrics.map[100], 0)
        XCTAssertEqual(RetrievalMetrics.depth, 100)
    }

    func testJSONUsesTheEvaluatorNamesAndRoundTrips() throws {
        let metrics = RetrievalMetrics(rankings: [[1, 2], [2, 1]], relevant: [[2], [2]])
        let report = RetrievalReport(task: "t", queries: 3, skippedQueries: 1, corpus: 2, metrics: metrics)
        let data = try JSONEncoder().encode(report)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(object["skipped_queries"] as? Int, 1)
        let flat = try XCTUnwrap(object["metrics"] as? [String: Any])
        XCTAssertEqual(Set(flat.keys), Set(["queries"] + metrics.named.map(\.name)))
        XCTAssertEqual(flat["mrr@10"] as? Double, 0.75)
        XCTAssertEqual(try JSONDecoder().decode(RetrievalReport.self, from: data), report)
        let table = RetrievalReport.markdownTable([report])
        XCTAssertTrue(table.contains("| queries | 2 (+1 skipped) |"), table)
        XCTAssertTrue(table.contains("| mrr@10 | 0.7500 |"), table)
    }
}
