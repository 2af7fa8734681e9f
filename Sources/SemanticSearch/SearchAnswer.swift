import Foundation
import Retrieval

/// One query's ranked solved problems, and their one JSON form: `exemplar search --json` prints it and the
/// server's `/v1/search` returns it, so the two cannot drift apart.
public struct SearchAnswer {
    public struct Hit {
        public var document: CorpusDocument
        public var score: Float
    }

    public var index: String
    public var query: String
    public var k: Int
    public var metric: DistanceMetric
    /// Best first.
    public var hits: [Hit]

    /// {"index", "query", "k", "metric", "results": [{"rank", "id", "score", "source", "split", "question",
    /// "solution", "final_answer"}]}, scores rounded to 6 decimals (what a float32 similarity can be trusted to),
    /// a missing final answer as null. For `JSONSerialization`.
    public var jsonObject: [String: Any] {
        [
            "index": index, "query": query, "k": k, "metric": metric.rawValue,
            "results": hits.enumerated().map { rank, hit in
                [
                    "rank": rank + 1, "id": hit.document.id, "score": (Double(hit.score) * 1e6).rounded() / 1e6,
                    "source": hit.document.source, "split": hit.document.split, "question": hit.document.question,
                    "solution": hit.document.solution, "final_answer": hit.document.finalAnswer ?? NSNull(),
                ] as [String: Any]
            },
        ]
    }
}
