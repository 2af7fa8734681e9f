import ArgumentParser
import Encoder
import Foundation
import ModelFormats
import Retrieval
import Tensor

struct BenchSearch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "FAISS build time and queries/s (Flat, HNSW32; 1 and 2 threads) and single-query latency, as JSON.",
        discussion: """
            FAISS part, the protocol of ../shared/peers/encoder/bench_faiss.py: the GSM8K train questions (corpus) and \
            test questions (queries) embedded with the model; per index kind and thread count, the median of 3 builds \
            (create + add) and, after a 100-query warm-up, the median of 5 searches of all test questions (k = 10). \
            Latency part: one query at a time through the index --index (tokenize + embed + search, and fetching the \
            documents from SQLite), p50/p99 over --latency-queries test questions after a warm-up.
            """)

    @Option(help: "Model directory.")
    var model = "models/all-MiniLM-L6-v2"

    @Option(help: "Directory with GSM8K train.jsonl and test.jsonl.")
    var data = "data/gsm8k"

    @Option(help: "Index used for the latency part.")
    var index = "gsm8k-train"

    @Option(help: "Directory of the indexes.")
    var indexDir = "indexes"

    @Option(help: "Single queries timed for the latency part.")
    var latencyQueries = 1000

    @Option(name: .short, help: "Neighbours per query.")
    var k = 10

    @Option(help: "Corpus vectors (.npy from `exemplar embed` of the train questions) instead of embedding them here.")
    var corpusVectors: String?

    @Option(help: "Query vectors (.npy from `exemplar embed` of the test questions) instead of embedding them here.")
    var queryVectors: String?

    func run() throws {
        try reportingErrors {
            let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
            let train = try JSONLines.readStrings(URL(fileURLWithPath: "\(data)/train.jsonl"), field: "question")
            let test = try JSONLines.readStrings(URL(fileURLWithPath: "\(data)/test.jsonl"), field: "question")
            let xb = try corpusVectors.map(loadNPY) ?? embedWithProgress(encoder, train, label: "corpus")
            let xq = try queryVectors.map(loadNPY) ?? embedWithProgress(encoder, test, label: "queries")
            let ids = (0..<Int64(xb.rows)).map { $0 }
            let warmup = Tensor(shape: [100, xq.columns], values: Array(UnsafeBufferPointer(start: xq.data, count: 100 * xq.columns)))
            let defaultThreads = FaissIndex.threads

            var faiss: [String: Any] = [:]
            for (label, factory) in [("Flat", "Flat"), ("HNSW32", "HNSW32")] {
                for threads in [1, 2] {
                    FaissIndex.threads = threads
                    var builds: [Double] = [], index: FaissIndex!
                    for _ in 0..<3 {
                        builds.append(try timed {
                            index = try FaissIndex(dimension: xb.columns, factory: factory)
                            try index.add(xb, ids: ids)
                        })
                    }
                    _ = try index.search(warmup, k: k)
                    var searches: [Double] = []
                    for _ in 0..<5 { searches.append(try timed { _ = try index.search(xq, k: k) }) }
                    faiss["\(label) threads=\(threads)"] = [
                        "build_ms": (median(builds) * 1e5).rounded() / 100,
                        "qps": (Double(xq.rows) / median(searches)).rounded(),
                    ]
                    FileHandle.standardError.write(Data("\(label) threads=\(threads): \(faiss["\(label) threads=\(threads)"]!)\n".utf8))
                }
            }
            FaissIndex.threads = defaultThreads

            let latency = try measureLatency(encoder: encoder, queries: test)
            printJSON([
                "benchmark": "search", "model": model, "faiss_version": FaissIndex.libraryVersion, "faiss_simd_kernels": FaissIndex.usesSIMDKernels, "blas_core": BLAS.coreName,
                "cores": Parallel.workers, "corpus": xb.rows, "queries": xq.rows, "dims": xb.columns, "k": k,
                "faiss": faiss, "single_query_latency": latency,
            ])
        }
    }

    /// One query at a time through the on-disk index, as `exemplar search` and the service run it.
    private func measureLatency(encoder: SentenceEncoder, queries: [String]) throws -> [String: Any] {
        let vectorIndex = try VectorIndex.open(index, in: URL(fileURLWithPath: indexDir), encoder: encoder.fingerprint)
        let n = latencyQueries
        var tokenize: [Double] = [], embed: [Double] = [], search: [Double] = [], fetch: [Double] = []
        for i in -20..<n {
            let text = queries[(i + queries.count) % queries.count]
            var ids: [[Int32]] = [], vector: Tensor!, results: SearchResults!
            let t1 = try timed { ids = try encoder.tokenize([text]) }
            let t2 = timed { vector = encoder.embed(tokenized: ids) }
            let t3 = try timed { results = try vectorIndex.search(vector, k: k) }
            let t4 = try timed { _ = try vectorIndex.hits(results, query: 0) }
            guard i >= 0 else { continue }  // warm-up
            tokenize.append(t1); embed.append(t2); search.append(t3); fetch.append(t4)
        }
        let total = (0..<n).map { tokenize[$0] + embed[$0] + search[$0] }
        let withDocuments = (0..<n).map { total[$0] + fetch[$0] }
        func stats(_ values: [Double]) -> [String: Double] {
            ["p50_ms": percentile(values, 0.5) * 1000, "p99_ms": percentile(values, 0.99) * 1000].mapValues { ($0 * 1000).rounded() / 1000 }
        }
        return [
            "index": index, "factory": vectorIndex.metadata.factory, "vectors": vectorIndex.count, "queries": n,
            "end_to_end": stats(total), "end_to_end_with_documents": stats(withDocuments),
            "tokenize": stats(tokenize), "embed": stats(embed), "search": stats(search), "fetch_documents": stats(fetch),
        ]
    }
}

func loadNPY(_ path: String) throws -> Tensor {
    let array = try NPYArray(path: path)
    guard array.shape.count == 2 else { throw ValidationError("\(path): expected a 2-D array, got shape \(array.shape)") }
    return Tensor(shape: array.shape, values: array.values)
}

func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

/// Nearest-rank percentile.
func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
}
