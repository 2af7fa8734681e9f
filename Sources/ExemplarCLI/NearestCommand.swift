import ArgumentParser
import Encoder
import Foundation
import Retrieval
import ModelFormats
import Tensor

struct NearestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nearest",
        abstract: "Exact cosine nearest neighbours: for each query, the k most similar corpus texts.",
        discussion: "Embeds both files' field with the model and ranks the corpus by cosine similarity (one sgemm).")

    @Option(help: "Model directory.")
    var model = "models/all-MiniLM-L6-v2"

    @Option(help: "PEFT LoRA adapter directory to apply on top of the model.")
    var adapter: String?

    @Option(help: "Corpus JSON Lines file.")
    var corpus: String

    @Option(help: "Queries JSON Lines file.")
    var queries: String

    @Option(help: "Field to embed in both files.")
    var field = "question"

    @Option(help: "Use only the first N queries.")
    var limit: Int?

    @Option(name: .short, help: "Neighbours per query.")
    var k = 3

    @OptionGroup var cache: EmbeddingCacheOptions

    func run() throws {
        try reportingErrors {
            guard k > 0 else { throw ValidationError("-k must be positive") }
            let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model), adapter: adapter.map { URL(fileURLWithPath: $0) })
            let corpusTexts = try JSONLines.readStrings(URL(fileURLWithPath: corpus), field: field)
            var queryTexts = try JSONLines.readStrings(URL(fileURLWithPath: queries), field: field)
            if let limit { queryTexts = Array(queryTexts.prefix(limit)) }
            let embedder = try cache.embedder(encoder)
            let docs = try embedWithProgress(embedder, corpusTexts, label: "corpus")
            let qs = try embedWithProgress(embedder, queryTexts, label: "queries")
            let scores = Tensor(uninitializedShape: [qs.rows, docs.rows])
            withExtendedLifetime((docs, qs)) {
                BLAS.gemm(transB: true, m: qs.rows, n: docs.rows, k: docs.columns, a: qs.data, lda: qs.columns,
                          b: docs.data, ldb: docs.columns, c: scores.data, ldc: docs.rows)
            }
            for (i, query) in queryTexts.enumerated() {
                let row = UnsafeBufferPointer(start: scores.row(i), count: docs.rows)
                let top = row.indices.sorted { row[$0] > row[$1] }.prefix(k)
                print("Query \(i + 1): \(query)")
                for (rank, j) in top.enumerated() {
                    print(String(format: "  %d. [%.4f] #%d ", rank + 1, row[j], j) + corpusTexts[j])
                }
                print("")
            }
        }
    }
}
