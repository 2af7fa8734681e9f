import ArgumentParser
import Foundation
import ModelFormats
import Retrieval
import SemanticSearch
import Tensor

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "The solved problems nearest to a question in an index, with scores, solutions and final answers.",
        discussion: """
            Embeds the question with the index's encoder (or --model, which must have the same fingerprint). With \
            --query-vectors, searches precomputed query vectors instead (a float32 .npy matrix, e.g. from `exemplar \
            embed`) and prints the ids and scores of every row as JSON, for comparisons with other FAISS clients.
            """)

    @Option(help: "Index name (built by `exemplar index build`).")
    var index: String

    @Option(name: .short, help: "Number of solved problems to show.")
    var k = 5

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Directory of the indexes.")
    var indexDir = "indexes"

    @Option(help: "Model directory (default: the one the index was built with).")
    var model: String?

    @Option(help: "PEFT LoRA adapter directory applied to the model (must match the one the index was built with).")
    var adapter: String?

    @Option(help: "Search these query vectors (.npy, float32, one row per query) instead of a question.")
    var queryVectors: String?

    @Argument(help: "The question.")
    var question: String?

    func validate() throws {
        guard k > 0 else { throw ValidationError("-k must be positive") }
        guard (question == nil) != (queryVectors == nil) else { throw ValidationError("give either a question or --query-vectors") }
    }

    func run() throws {
        try reportingErrors {
            let vectorIndex = try VectorIndex.open(index, in: URL(fileURLWithPath: indexDir))
            if let queryVectors { return try searchVectors(vectorIndex, path: queryVectors) }
            let question = question!
            let searcher = try IndexSearcher(index: vectorIndex, model: model, adapter: adapter)
            let answer = try searcher.search([question], k: k)[0]
            if json {
                printJSON(answer.jsonObject)
                return
            }
            print("Query: \(question)\n")
            for (rank, hit) in answer.hits.enumerated() {
                let d = hit.document
                print(String(format: "%d. [%.4f] ", rank + 1, hit.score) + "\(d.source)/\(d.split) #\(d.id)")
                print("   Question: \(d.question)")
                let solution = d.solution.split(separator: "\n", omittingEmptySubsequences: false)
                print("   Solution: " + solution.joined(separator: "\n             "))
                print("   Final answer: \(d.finalAnswer ?? "—")\n")
            }
        }
    }

    /// Every row's neighbours as JSON: {"results": [[{"id", "score"}, …k], …rows]}.
    private func searchVectors(_ vectorIndex: VectorIndex, path: String) throws {
        let array = try NPYArray(path: path)
        guard array.shape.count == 2, array.shape[1] == vectorIndex.dimension else {
            throw VectorIndexError.vectorShape(expected: "[Q, \(vectorIndex.dimension)] in \(path)", got: array.shape)
        }
        let results = try vectorIndex.search(Tensor(shape: array.shape, values: array.values), k: k)
        printJSON([
            "index": index, "k": k, "vectors": vectorIndex.count, "queries": results.count,
            "results": (0..<results.count).map { q in
                (0..<k).map { j in ["id": results.ids[q * k + j], "score": Double(results.scores[q * k + j])] }
            },
        ])
    }
}
