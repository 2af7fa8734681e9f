import Foundation

/// The outcome of evaluating one task: its size and metrics, printable as a Markdown table or encodable as JSON
/// ({"task", "queries", "skipped_queries", "corpus", "metrics": {"queries", "accuracy@1", …}}).
public struct RetrievalReport: Codable, Equatable, Sendable {
    public var task: String
    /// Queries in the task, evaluated or not.
    public var queries: Int
    /// Queries without a relevant document, left out of the metrics.
    public var skippedQueries: Int
    /// Documents searched.
    public var corpus: Int
    public var metrics: RetrievalMetrics

    public init(task: String, queries: Int, skippedQueries: Int, corpus: Int, metrics: RetrievalMetrics) {
        self.task = task
        self.queries = queries
        self.skippedQueries = skippedQueries
        self.corpus = corpus
        self.metrics = metrics
    }

    enum CodingKeys: String, CodingKey {
        case task, queries, corpus, metrics
        case skippedQueries = "skipped_queries"
    }

    /// One column per report, one row per metric (values to 4 decimals), preceded by the query and corpus counts.
    public static func markdownTable(_ reports: [RetrievalReport]) -> String {
        var lines = ["| metric | " + reports.map(\.task).joined(separator: " | ") + " |",
                     "|---|" + String(repeating: "---:|", count: reports.count)]
        func row(_ name: String, _ cells: [String]) { lines.append("| \(name) | " + cells.joined(separator: " | ") + " |") }
        row("queries", reports.map { $0.skippedQueries > 0 ? "\($0.metrics.queries) (+\($0.skippedQueries) skipped)" : "\($0.metrics.queries)" })
        row("corpus", reports.map { "\($0.corpus)" })
        for (index, entry) in (reports.first?.metrics.named ?? []).enumerated() {
            row(entry.name, reports.map { String(format: "%.4f", $0.metrics.named[index].value) })
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
