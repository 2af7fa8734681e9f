import Tensor

/// Runs retrieval tasks end to end the way sentence-transformers' `InformationRetrievalEvaluator` does: embed the
/// queries that have relevant documents and the whole corpus, rank the corpus by cosine similarity (top
/// `RetrievalMetrics.depth`, ties to the lower row), and score the rankings with `RetrievalMetrics`.
public enum RetrievalEvaluator {
    /// Evaluates `tasks` with `embedder`, searching each corpus exactly (`ExactSearch`).
    ///
    /// Every distinct text of all tasks is embedded once, in one call (tasks often share texts: the GSM8K test
    /// questions are both queries of `gsm8k-qa` and the corpus of `gsm-symbolic-similar`). `progress` receives
    /// (texts embedded, texts to embed), first with 0 before any work.
    public static func evaluate(_ tasks: [RetrievalTask], embedder: TextEmbedder,
                                progress: ((Int, Int) -> Void)? = nil) throws -> [RetrievalReport] {
        var unique: [String] = [], position: [String: Int] = [:]
        func rows(_ texts: [String]) -> [Int] {
            texts.map { text in
                if let row = position[text] { return row }
                position[text] = unique.count
                unique.append(text)
                return unique.count - 1
            }
        }
        for task in tasks where task.corpus.isEmpty { throw RetrievalError.invalid("task \(task.name): the corpus is empty") }
        let plan = tasks.map { task in
            (queries: rows(task.evaluatedQueries.map { task.queries[$0] }), corpus: rows(task.corpus))
        }
        let total = unique.count
        progress?(0, total)
        let vectors = try embedder.embed(unique) { progress?($0, total) }
        guard vectors.rows == unique.count else {
            throw RetrievalError.invalid("the embedder returned \(vectors.rows) vectors for \(unique.count) texts")
        }
        return try zip(tasks, plan).map { task, plan in
            let searcher = try ExactSearch(vectors: gather(vectors, plan.corpus))
            return try evaluate(task, searcher: searcher, evaluatedQueryVectors: gather(vectors, plan.queries))
        }
    }

    /// Evaluates `task` on an existing searcher, e.g. an index built earlier. The searcher's ids must be the task's
    /// corpus rows; `queryVectors` holds one row per task query, in task order.
    public static func evaluate(_ task: RetrievalTask, searcher: VectorSearcher, queryVectors: Tensor) throws -> RetrievalReport {
        guard queryVectors.rows == task.queries.count else {
            throw RetrievalError.invalid("task \(task.name): \(queryVectors.rows) query vectors for \(task.queries.count) queries")
        }
        return try evaluate(task, searcher: searcher, evaluatedQueryVectors: gather(queryVectors, task.evaluatedQueries))
    }

    /// `queryVectors` has one row per entry of `task.evaluatedQueries`.
    private static func evaluate(_ task: RetrievalTask, searcher: VectorSearcher, evaluatedQueryVectors: Tensor) throws -> RetrievalReport {
        let evaluated = task.evaluatedQueries
        guard !evaluated.isEmpty else {
            throw RetrievalError.invalid("task \(task.name): no query has a relevant document")
        }
        let results = try searcher.search(evaluatedQueryVectors, k: min(RetrievalMetrics.depth, task.corpus.count))
        guard results.count == evaluated.count else {
            throw RetrievalError.invalid("task \(task.name): the searcher returned \(results.count) rankings for \(evaluated.count) queries")
        }
        let metrics = RetrievalMetrics(results: results, relevant: evaluated.map { task.relevant[$0] })
        return RetrievalReport(task: task.name, queries: task.queries.count, skippedQueries: task.queries.count - evaluated.count,
                               corpus: task.corpus.count, metrics: metrics)
    }

    /// The given rows of `t`, in order, as a new (rows.count, C) tensor.
    private static func gather(_ t: Tensor, _ rows: [Int]) -> Tensor {
        let c = t.columns
        let out = Tensor(uninitializedShape: [rows.count, c])
        withExtendedLifetime(t) {
            for (i, r) in rows.enumerated() { out.row(i).update(from: t.row(r), count: c) }
        }
        return out
    }
}
