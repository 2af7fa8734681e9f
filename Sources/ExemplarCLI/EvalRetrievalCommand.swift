import ArgumentParser
import Encoder
import Foundation
import MathTasks
import Retrieval
import Tensor

struct EvalRetrievalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrieval",
        abstract: "Retrieval metrics of an encoder: accuracy/precision/recall@1,3,5,10, MRR@10, nDCG@10, MAP@100.",
        discussion: """
            Embeds each task's queries and corpus with the model, ranks the corpus by cosine similarity (exact search, \
            top 100, ties to the lower corpus id) and computes the metrics exactly as sentence-transformers' \
            InformationRetrievalEvaluator does (binary relevance; queries without relevant documents are skipped).

            Built-in tasks (files under --data, see scripts/fetch-data.sh):
              gsm8k-qa              1319 GSM8K test questions -> own solution
                                    among the 1319 test solutions
              gsm-symbolic-similar  1250 GSM-Symbolic P2 dev variants -> the
                                    GSM8K test question each was made from
              gsm8k-train-holdout   500 held-out train questions (seeded
                                    shuffle) -> own solution among theirs
              gsm8k-variants-holdout
                                    perturbed variants of those held-out
                                    questions -> the question each was made
                                    from, among all 7473 train questions

            Or a dataset in BEIR format: --corpus corpus.jsonl (_id, title, text; a document is "title text") \
            --queries queries.jsonl (_id, text) --qrels qrels.tsv (header, then query-id, corpus-id, score; \
            score > 0 is relevant).

            Prints a Markdown table (one column per task), or JSON with --json (keys sorted). Progress and \
            warnings go to stderr.
            """)

    @Option(help: "Model directory (Hugging Face / sentence-transformers layout).")
    var model = "models/all-MiniLM-L6-v2"

    @Option(help: "PEFT LoRA adapter directory applied to the model (with --index: the one the index was built with).")
    var adapter: String?

    @Option(help: "Built-in task: \(BuiltinTask.allCases.map(\.rawValue).joined(separator: ", ")), or all (the default without --corpus).")
    var task: String?

    @Option(help: "Directory holding gsm8k/ and gsm-symbolic/ for the built-in tasks.")
    var data = "data"

    @Option(help: "BEIR corpus.jsonl (with --queries and --qrels).")
    var corpus: String?

    @Option(help: "BEIR queries.jsonl.")
    var queries: String?

    @Option(help: "BEIR qrels TSV.")
    var qrels: String?

    @Option(help: "Search this built index (in --index-dir) instead of embedding the corpus: approximate factories are then scored as built. Its documents must be the task's corpus (e.g. an index of data/gsm8k/test.jsonl questions for gsm-symbolic-similar).")
    var index: String?

    @Option(help: "Directory of the indexes.")
    var indexDir = "indexes"

    @OptionGroup var cache: EmbeddingCacheOptions

    @Flag(help: "Print the results as JSON instead of a Markdown table.")
    var json = false

    func validate() throws {
        let beir = [corpus, queries, qrels].compactMap { $0 }.count
        if beir != 0 && beir != 3 { throw ValidationError("--corpus, --queries and --qrels go together") }
        if beir == 3 && task != nil { throw ValidationError("--task and a BEIR dataset (--corpus …) exclude each other") }
        if index != nil && (beir == 3 || task == nil || task == "all") {
            throw ValidationError("--index evaluates one built-in --task whose corpus the index holds")
        }
        if let task, task != "all", BuiltinTask(rawValue: task) == nil {
            throw ValidationError("unknown task '\(task)'; choose one of \(BuiltinTask.allCases.map(\.rawValue).joined(separator: ", ")), all")
        }
    }

    func run() throws {
        try reportingErrors {
            let tasks = try loadTasks()
            for warning in tasks.flatMap(\.warnings) { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model), adapter: adapter.map { URL(fileURLWithPath: $0) })
            let reports: [RetrievalReport]
            if let index {
                // A built index: its encoder fingerprint must match; only the queries are embedded.
                let vectorIndex = try VectorIndex.open(index, in: URL(fileURLWithPath: indexDir), encoder: encoder.fingerprint)
                try vectorIndex.checkHolds(tasks[0])
                let queryVectors = try embedWithProgress(try cache.embedder(encoder), tasks[0].queries, label: "queries")
                reports = [try RetrievalEvaluator.evaluate(tasks[0], searcher: vectorIndex, queryVectors: queryVectors)]
            } else {
                // Exact search in memory over the embedded corpus.
                var bar: ProgressBar?
                reports = try RetrievalEvaluator.evaluate(tasks, embedder: encoder) { done, total in
                    if bar == nil { bar = ProgressBar(total: total, label: "embed", unit: "texts") } else { bar?.update(done) }
                }
                bar?.finish()
            }
            if json {
                print(try renderJSON(reports, encoder: encoder.fingerprint))
            } else {
                print("Retrieval, \(encoder.fingerprint)\n")
                print(RetrievalReport.markdownTable(reports), terminator: "")
            }
        }
    }

    private func loadTasks() throws -> [RetrievalTask] {
        if let corpus, let queries, let qrels {
            return [try BEIR.load(corpus: URL(fileURLWithPath: corpus), queries: URL(fileURLWithPath: queries),
                                  qrels: URL(fileURLWithPath: qrels))]
        }
        let chosen = task.flatMap(BuiltinTask.init(rawValue:)).map { [$0] } ?? BuiltinTask.allCases
        let directory = URL(fileURLWithPath: data)
        return try chosen.map { try $0.load(dataDirectory: directory) }
    }

    /// {"encoder": fingerprint, "tasks": [report, …]} with keys sorted, so output is stable across runs.
    private func renderJSON(_ reports: [RetrievalReport], encoder: EncoderFingerprint) throws -> String {
        struct Output: Encodable {
            let encoder: EncoderFingerprint
            let tasks: [RetrievalReport]
        }
        let coder = JSONEncoder()
        coder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try coder.encode(Output(encoder: encoder, tasks: reports)), as: UTF8.self)
    }
}
