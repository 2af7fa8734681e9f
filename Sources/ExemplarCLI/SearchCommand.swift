import ArgumentParser
import Encoder
import Foundation
import Retrieval

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "The solved problems nearest to a question in an index, with scores, solutions and final answers.",
        discussion: "Embeds the question with the index's encoder (or --model, which must have the same fingerprint).")

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

    @Argument(help: "The question.")
    var question: String

    func run() throws {
        try reportingErrors {
            guard k > 0 else { throw ValidationError("-k must be positive") }
            let vectorIndex = try VectorIndex.open(index, in: URL(fileURLWithPath: indexDir))
            let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model ?? vectorIndex.metadata.modelPath))
            let results = try vectorIndex.search([question], encoder: encoder, k: k)
            let hits = try vectorIndex.hits(results, query: 0)
            if json {
                printJSON([
                    "index": index, "query": question, "k": k, "metric": vectorIndex.metadata.metric.rawValue,
                    "results": hits.enumerated().map { rank, hit in
                        [
                            "rank": rank + 1, "id": hit.document.id, "score": (Double(hit.score) * 1e6).rounded() / 1e6,
                            "source": hit.document.source, "split": hit.document.split, "question": hit.document.question,
                            "solution": hit.document.solution, "final_answer": hit.document.finalAnswer ?? NSNull(),
                        ] as [String: Any]
                    },
                ])
                return
            }
            print("Query: \(question)\n")
            for (rank, hit) in hits.enumerated() {
                let d = hit.document
                print(String(format: "%d. [%.4f] ", rank + 1, hit.score) + "\(d.source)/\(d.split) #\(d.id)")
                print("   Question: \(d.question)")
                let solution = d.solution.split(separator: "\n", omittingEmptySubsequences: false)
                print("   Solution: " + solution.joined(separator: "\n             "))
                print("   Final answer: \(d.finalAnswer ?? "—")\n")
            }
        }
    }
}
