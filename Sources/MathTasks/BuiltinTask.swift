import Foundation
import ModelFormats
import Retrieval

/// The retrieval evaluations Exemplar ships, built from GSM8K and GSM-Symbolic files under a data directory
/// (`scripts/fetch-data.sh` puts them in `data/`). Ids are 0-based line numbers; the corpus keeps file order.
/// They live in MathTasks, not Retrieval, because one of them is made by `VariantGenerator`.
public enum BuiltinTask: String, CaseIterable, Sendable {
    /// The 1319 GSM8K test questions → each one's own solution among the 1319 test solutions.
    case gsm8kQA = "gsm8k-qa"
    /// The 1250 GSM-Symbolic P2 dev variants → the GSM8K test question each was made from (`original_id`), among
    /// the 1319 test questions: "find the nearest solved problem", the index's job for few-shot prompting.
    case gsmSymbolicSimilar = "gsm-symbolic-similar"
    /// The `GSM8KTrainSplit` held-out train questions → their solutions among the held-out solutions: the
    /// validation set of encoder training, which never trains on these lines.
    case gsm8kTrainHoldout = "gsm8k-train-holdout"
    /// Perturbed variants (`VariantGenerator` with `variantSettings`, seed `variantSeed`) of the `GSM8KTrainSplit`
    /// held-out train questions → the question each was made from, among all 7473 train questions: the dev set for
    /// tuning similar-problem retrieval (issue 13) on train data alone. Every variant has one or two sentences of
    /// another held-out problem inserted, as GSM-Symbolic's P2 adds clauses (names and numbers alone leave the task
    /// saturated: the base encoder's R@1 was 0.992). Mining and training never use these problems; held-out problems
    /// that give no variant (`VariantGenerator.Rejection`) give no query.
    case gsm8kVariantsHoldout = "gsm8k-variants-holdout"

    /// The seed of gsm8k-variants-holdout's variants (fixed: the task is the same everywhere).
    public static let variantSeed: UInt64 = 13

    /// The generator settings of gsm8k-variants-holdout: the defaults, with extra clauses in every variant.
    public static var variantSettings: VariantGenerator.Settings {
        var settings = VariantGenerator.Settings()
        settings.extraClauseRate = 1
        return settings
    }

    /// Files read, relative to the data directory.
    public var files: [String] {
        switch self {
        case .gsm8kQA: return ["gsm8k/test.jsonl"]
        case .gsmSymbolicSimilar: return ["gsm-symbolic/p2-dev.jsonl", "gsm8k/test.jsonl"]
        case .gsm8kTrainHoldout, .gsm8kVariantsHoldout: return ["gsm8k/train.jsonl"]
        }
    }

    public func load(dataDirectory: URL) throws -> RetrievalTask {
        let url = { (file: String) in dataDirectory.appendingPathComponent(file) }
        switch self {
        case .gsm8kQA:
            return Self.questionToSolution(name: rawValue, try GSM8KProblem.load(url("gsm8k/test.jsonl")))
        case .gsm8kTrainHoldout:
            let (_, holdout) = GSM8KTrainSplit.split(try GSM8KProblem.load(url("gsm8k/train.jsonl")))
            return Self.questionToSolution(name: rawValue, holdout)
        case .gsm8kVariantsHoldout:
            let train = try GSM8KProblem.load(url("gsm8k/train.jsonl"))
            let generator = VariantGenerator(settings: Self.variantSettings, seed: Self.variantSeed)
            let holdout = GSM8KTrainSplit.split(train).holdout
            var queryIDs: [String] = [], queries: [String] = [], relevant: [Set<Int64>] = []
            for source in holdout {
                guard case .success(let variants) = generator.variants(of: AnalyzedProblem(source), donors: holdout) else { continue }
                for (k, variant) in variants.enumerated() {
                    queryIDs.append("\(source.line)-\(k)")
                    queries.append(variant.question)
                    relevant.append([Int64(source.line)])  // corpus row = train line
                }
            }
            return RetrievalTask(name: rawValue, queryIDs: queryIDs, queries: queries,
                                 corpusIDs: train.map { String($0.line) }, corpus: train.map(\.question), relevant: relevant)
        case .gsmSymbolicSimilar:
            let test = try GSM8KProblem.load(url("gsm8k/test.jsonl"))
            let variantsURL = url("gsm-symbolic/p2-dev.jsonl")
            let records: [JSONLines.Record]
            do { records = try JSONLines.read(variantsURL) } catch let error as JSONLines.Error {
                throw RetrievalError.file(path: error.path, line: error.line, reason: error.reason)
            }
            var queryIDs: [String] = [], queries: [String] = [], relevant: [Set<Int64>] = []
            for record in records {
                guard let question = record.fields["question"] as? String else {
                    throw RetrievalError.file(path: variantsURL.path, line: record.line, reason: "no string field 'question'")
                }
                guard let original = record.fields["original_id"] as? Int, test.indices.contains(original) else {
                    throw RetrievalError.file(path: variantsURL.path, line: record.line,
                                              reason: "'original_id' is not a line number of \(url("gsm8k/test.jsonl").path) (0..<\(test.count))")
                }
                // GSM-Symbolic ids a variant by template `id` and `instance`.
                let id = "\(record.fields["id"].map { "\($0)" } ?? "?")-\(record.fields["instance"].map { "\($0)" } ?? "?")"
                queryIDs.append(id)
                queries.append(question)
                relevant.append([Int64(original)])
            }
            return RetrievalTask(name: rawValue, queryIDs: queryIDs, queries: queries,
                                 corpusIDs: test.map { String($0.line) }, corpus: test.map(\.question), relevant: relevant)
        }
    }

    /// Question i → solution i; corpus rows are the problems' positions, ids their line numbers.
    private static func questionToSolution(name: String, _ problems: [GSM8KProblem]) -> RetrievalTask {
        RetrievalTask(name: name, queryIDs: problems.map { String($0.line) }, queries: problems.map(\.question),
                      corpusIDs: problems.map { String($0.line) }, corpus: problems.map(\.answer),
                      relevant: problems.indices.map { [Int64($0)] })
    }
}
