import Foundation

/// The retrieval metrics of sentence-transformers' `InformationRetrievalEvaluator` (v6.2), computed the same way
/// from the same inputs so numbers can be compared with the Python stack to float precision:
///
/// - Relevance is binary: a document is relevant or not (graded qrels are reduced to "grade > 0" when loaded).
/// - Queries without any relevant document are left out of every average (the evaluator drops them up front).
/// - Each query's ranking is its top `depth` (= 100) documents by score, ties broken by the lower corpus id.
/// - accuracy@k: share of queries with a relevant document in the top k.
/// - precision@k: relevant in top k / k (k, not the number retrieved); recall@k: relevant in top k / all relevant.
/// - mrr@10: mean of 1 / rank of the first relevant document in the top 10 (0 when none).
/// - ndcg@10: DCG of the binary gains of the top 10 over the DCG of min(10, #relevant) ones, log2(rank + 1).
/// - map@100: Σ precision at each relevant rank in the top 100, over min(100, #relevant).
/// Judged documents missing from the corpus count as relevant and are never retrieved, as in the evaluator.
public struct RetrievalMetrics: Equatable, Sendable {
    /// Cutoffs of the evaluator's defaults.
    public static let accuracyAtK = [1, 3, 5, 10]
    public static let precisionRecallAtK = [1, 3, 5, 10]
    public static let mrrAtK = [10]
    public static let ndcgAtK = [10]
    public static let mapAtK = [100]
    /// How many ranked documents per query the metrics look at (the largest cutoff).
    public static let depth = (accuracyAtK + precisionRecallAtK + mrrAtK + ndcgAtK + mapAtK).max()!

    /// Queries that entered the averages (those with at least one relevant document).
    public var queries: Int
    public var accuracy: [Int: Double]
    public var precision: [Int: Double]
    public var recall: [Int: Double]
    public var mrr: [Int: Double]
    public var ndcg: [Int: Double]
    public var map: [Int: Double]

    /// Scores rankings against relevance judgements.
    /// - Parameters:
    ///   - rankings: per query, corpus ids best first (at least `depth` of them when the corpus has that many);
    ///     negative ids (a searcher's padding) are ignored.
    ///   - relevant: per query, the relevant corpus ids; queries with none are skipped.
    public init<Ranking: Collection>(rankings: [Ranking], relevant: [Set<Int64>]) where Ranking.Element == Int64 {
        precondition(rankings.count == relevant.count, "\(rankings.count) rankings for \(relevant.count) queries")
        var hits = Self.zeros(Self.accuracyAtK), reciprocal = Self.zeros(Self.mrrAtK)
        var precisions = Self.lists(Self.precisionRecallAtK), recalls = Self.lists(Self.precisionRecallAtK)
        var ndcgs = Self.lists(Self.ndcgAtK), averagePrecisions = Self.lists(Self.mapAtK)
        var n = 0
        for (ranking, relevantIDs) in zip(rankings, relevant) where !relevantIDs.isEmpty {
            n += 1
            // isRelevant[i]: the document at rank i + 1 is relevant.
            let isRelevant = ranking.lazy.filter { $0 >= 0 }.prefix(Self.depth).map { relevantIDs.contains($0) }
            let flags = Array(isRelevant)
            func correct(_ k: Int) -> Int { flags.prefix(k).lazy.filter { $0 }.count }
            for k in Self.accuracyAtK where correct(k) > 0 { hits[k]! += 1 }
            for k in Self.precisionRecallAtK {
                precisions[k]!.append(Double(correct(k)) / Double(k))
                recalls[k]!.append(Double(correct(k)) / Double(relevantIDs.count))
            }
            for k in Self.mrrAtK {
                if let first = flags.prefix(k).firstIndex(of: true) { reciprocal[k]! += 1 / Double(first + 1) }
            }
            for k in Self.ndcgAtK {
                let dcg = Self.dcg(flags.prefix(k).map { $0 ? 1 : 0 }, k: k)
                let ideal = Self.dcg(Array(repeating: 1, count: relevantIDs.count), k: k)
                ndcgs[k]!.append(dcg / ideal)
            }
            for k in Self.mapAtK {
                var found = 0, sum = 0.0
                for (rank, hit) in flags.prefix(k).enumerated() where hit {
                    found += 1
                    sum += Double(found) / Double(rank + 1)
                }
                averagePrecisions[k]!.append(sum / Double(min(k, relevantIDs.count)))
            }
        }
        queries = n
        accuracy = hits.mapValues { $0 / Double(n) }
        mrr = reciprocal.mapValues { $0 / Double(n) }
        precision = precisions.mapValues(Self.mean)
        recall = recalls.mapValues(Self.mean)
        ndcg = ndcgs.mapValues(Self.mean)
        map = averagePrecisions.mapValues(Self.mean)
    }

    /// Scores the output of a `VectorSearcher` (one row per query).
    public init(results: SearchResults, relevant: [Set<Int64>]) {
        self.init(rankings: (0..<results.count).map { results.ids[$0 * results.k..<($0 + 1) * results.k] },
                  relevant: relevant)
    }

    /// Every value under the evaluator's names ("accuracy@1", …, "map@100"), in its order.
    public var named: [(name: String, value: Double)] {
        Self.accuracyAtK.map { ("accuracy@\($0)", accuracy[$0]!) }
            + Self.precisionRecallAtK.map { ("precision@\($0)", precision[$0]!) }
            + Self.precisionRecallAtK.map { ("recall@\($0)", recall[$0]!) }
            + Self.ndcgAtK.map { ("ndcg@\($0)", ndcg[$0]!) }
            + Self.mrrAtK.map { ("mrr@\($0)", mrr[$0]!) }
            + Self.mapAtK.map { ("map@\($0)", map[$0]!) }
    }

    /// Σ relevance_i / log2(i + 2) over the first k ranks (i from 0).
    private static func dcg(_ relevances: [Double], k: Int) -> Double {
        var sum = 0.0
        for i in 0..<min(relevances.count, k) { sum += relevances[i] / log2(Double(i + 2)) }
        return sum
    }

    private static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
    private static func zeros(_ ks: [Int]) -> [Int: Double] { Dictionary(uniqueKeysWithValues: ks.map { ($0, 0) }) }
    private static func lists(_ ks: [Int]) -> [Int: [Double]] { Dictionary(uniqueKeysWithValues: ks.map { ($0, []) }) }
}

extension RetrievalMetrics: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// A flat object: {"queries": n, "accuracy@1": …, …, "map@100": …}, the evaluator's metric names.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(queries, forKey: Key(stringValue: "queries"))
        for (name, value) in named { try container.encode(value, forKey: Key(stringValue: name)) }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        func values(_ metric: String, _ ks: [Int]) throws -> [Int: Double] {
            Dictionary(uniqueKeysWithValues: try ks.map { ($0, try container.decode(Double.self, forKey: Key(stringValue: "\(metric)@\($0)"))) })
        }
        queries = try container.decode(Int.self, forKey: Key(stringValue: "queries"))
        accuracy = try values("accuracy", Self.accuracyAtK)
        precision = try values("precision", Self.precisionRecallAtK)
        recall = try values("recall", Self.precisionRecallAtK)
        mrr = try values("mrr", Self.mrrAtK)
        ndcg = try values("ndcg", Self.ndcgAtK)
        map = try values("map", Self.mapAtK)
    }
}
