/// A retrieval evaluation: queries, a corpus, and which corpus entries are relevant to each query.
///
/// Corpus row r has search id r, and the row order is the tie-break order: equal scores rank the lower row first,
/// which is how sentence-transformers ranks ties (by ascending corpus id). BEIR corpora are therefore stored sorted
/// by `_id`; the built-in GSM8K tasks keep file order (their ids are line numbers).
public struct RetrievalTask: Sendable {
    public var name: String
    public var queryIDs: [String]
    /// Query texts, as embedded.
    public var queries: [String]
    public var corpusIDs: [String]
    /// Document texts, as embedded.
    public var corpus: [String]
    /// Per query, the relevant corpus rows. Rows ≥ `corpus.count` stand for judged documents that are missing from
    /// the corpus: relevant, never retrieved (they lower recall, as in sentence-transformers).
    public var relevant: [Set<Int64>]
    /// Problems noticed while loading that did not stop it (e.g. judgements naming unknown documents).
    public var warnings: [String]

    public init(name: String, queryIDs: [String], queries: [String], corpusIDs: [String], corpus: [String],
                relevant: [Set<Int64>], warnings: [String] = []) {
        precondition(queryIDs.count == queries.count && relevant.count == queries.count,
                     "\(name): \(queryIDs.count) query ids, \(queries.count) queries, \(relevant.count) relevance sets")
        precondition(corpusIDs.count == corpus.count, "\(name): \(corpusIDs.count) corpus ids for \(corpus.count) documents")
        self.name = name
        self.queryIDs = queryIDs
        self.queries = queries
        self.corpusIDs = corpusIDs
        self.corpus = corpus
        self.relevant = relevant
        self.warnings = warnings
    }

    /// Indices of the queries that have at least one relevant document: the only ones the metrics average over.
    public var evaluatedQueries: [Int] { relevant.indices.filter { !relevant[$0].isEmpty } }
}
