import Foundation
import Retrieval
import Tensor

/// Retrieved few-shot examples: for each question, the `k` solved problems of an index nearest to it, found with the
/// encoder that built the index (its fingerprint must match, or the vectors would not be comparable).
public final class ShotRetriever {
    public let index: VectorIndex
    public let embedder: TextEmbedder

    public init(index: VectorIndex, embedder: TextEmbedder) throws {
        try index.requireEncoder(embedder.fingerprint)
        self.index = index
        self.embedder = embedder
    }

    /// The shots of each question, ordered nearest LAST (closest to the question in the prompt). A solved problem
    /// whose question is the question asked is dropped and the next nearest taken, so a test question that is also
    /// in the index never answers itself. Fewer than `k` only when the index holds fewer other problems.
    public func shots(for questions: [String], k: Int, progress: ((Int) -> Void)? = nil) throws -> [[GSM8KProblem]] {
        try scoredShots(for: questions, k: k, progress: progress).map { $0.map(\.problem) }
    }

    /// A retrieved shot and its similarity to the question (the index's metric).
    public struct Shot: Sendable {
        public var problem: GSM8KProblem
        public var score: Float
    }

    /// `shots(for:k:)` with each shot's score.
    public func scoredShots(for questions: [String], k: Int, progress: ((Int) -> Void)? = nil) throws -> [[Shot]] {
        guard k > 0, !questions.isEmpty else { return questions.map { _ in [] } }
        let vectors = try embedder.embed(questions, progress: progress)
        // One extra neighbour covers the usual case (the question itself is in the index) in a single search.
        let width = min(k + 1, index.count)
        let results = try index.search(vectors, k: width)
        var shots: [[Shot]] = []
        for (q, question) in questions.enumerated() {
            var kept = try nearest(results, query: q, excluding: question, k: k)
            // Several copies of the question in the index: search this one query wider until k others are found.
            var queryWidth = width
            while kept.count < k && queryWidth < index.count {
                queryWidth = min(queryWidth * 2, index.count)
                let row = withExtendedLifetime(vectors) {
                    Tensor(shape: [1, vectors.columns], values: Array(UnsafeBufferPointer(start: vectors.row(q), count: vectors.columns)))
                }
                kept = try nearest(try index.search(row, k: queryWidth), query: 0, excluding: question, k: k)
            }
            shots.append(kept.reversed())
        }
        return shots
    }

    /// The first `k` hits of query `q`, best first, without the question itself.
    private func nearest(_ results: SearchResults, query q: Int, excluding question: String, k: Int) throws -> [Shot] {
        let kept = try index.hits(results, query: q)
            .filter { !ShotSelector.sameQuestion($0.document.question, question) }
            .prefix(k)
        return kept.map {
            Shot(problem: GSM8KProblem(line: Int($0.document.id), question: $0.document.question, answer: $0.document.solution),
                 score: $0.score)
        }
    }
}
