import ArgumentParser
import Encoder
import Foundation
import ModelFormats
import Tensor

struct BenchEncode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Sentences/s embedding the GSM8K train questions and answers (same protocol as the Python peer).",
        discussion: """
            Warm-up on 512 texts, then the median of 3 full runs per text set, as ../shared/peers/encoder/bench_encode.py \
            does. Also reports the useful GFLOP/s (matrix work of the unpadded tokens) and its fraction of this \
            machine's sgemm rate at 2048³ measured in the same run.
            """)

    @Option(help: "Model directory.")
    var model = "models/all-MiniLM-L6-v2"

    @Option(help: "PEFT LoRA adapter directory to apply on top of the model.")
    var adapter: String?

    @Option(help: "GSM8K train file.")
    var data = "data/gsm8k/train.jsonl"

    @Option(help: "Timed runs per text set (the median is reported).")
    var runs = 3

    @Option(help: "Tokens per packed batch.")
    var batchTokens = SentenceEncoder.defaultBatchTokens

    func run() throws {
        try reportingErrors {
            let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model), adapter: adapter.map { URL(fileURLWithPath: $0) })
            let records = try JSONLines.read(URL(fileURLWithPath: data))
            let peak = measurePeakGFLOPs()
            var results: [String: Any] = [:]
            for (name, field) in [("train questions", "question"), ("train answers", "answer")] {
                let texts = try records.map { try $0.string(field, in: data) }
                _ = try encoder.embed(Array(texts.prefix(512)), batchTokens: batchTokens)
                var times: [Double] = []
                for _ in 0..<runs { times.append(try timed { _ = try encoder.embed(texts, batchTokens: batchTokens) }) }
                let median = times.sorted()[times.count / 2]
                let lengths = try encoder.tokenize(texts).map(\.count)
                let flops = encoderFLOPs(encoder.config, lengths: lengths)
                let tokenizeSeconds = try timed { _ = try encoder.tokenize(texts) }
                results[name] = [
                    "n": texts.count, "runs_s": times.map { ($0 * 100).rounded() / 100 },
                    "sent_per_s": (Double(texts.count) / median * 10).rounded() / 10,
                    "tokens": lengths.reduce(0, +), "tokenize_s": (tokenizeSeconds * 1000).rounded() / 1000,
                    "useful_gflops": (flops / median / 1e9 * 10).rounded() / 10,
                    "fraction_of_sgemm_peak": (flops / median / 1e9 / peak * 1000).rounded() / 1000,
                ]
                FileHandle.standardError.write(Data("\(name): \(results[name]!)\n".utf8))
            }
            printJSON(["benchmark": "encode", "model": model, "blas_core": BLAS.coreName, "cores": Parallel.workers,
                       "sgemm_peak_gflops_2048": (peak * 10).rounded() / 10, "results": results])
        }
    }
}

/// Multiply-adds ×2 of a BERT forward over sequences of the given lengths: the projections and feed-forward
/// (per token) plus the two attention products (per sequence, L²·C each).
func encoderFLOPs(_ c: BertConfig, lengths: [Int]) -> Double {
    let h = Double(c.hiddenSize), i = Double(c.intermediateSize), layers = Double(c.numHiddenLayers)
    let tokens = Double(lengths.reduce(0, +)), squares = lengths.reduce(0.0) { $0 + Double($1 * $1) }
    return layers * (2 * tokens * (4 * h * h + 2 * h * i) + 4 * squares * h)
}

/// sgemm GFLOP/s at 2048³ over about a second.
func measurePeakGFLOPs() -> Double {
    let n = 2048
    let a = Tensor(zeros: [n, n]), b = Tensor(zeros: [n, n]), c = Tensor(zeros: [n, n])
    a.fill(0.01); b.fill(0.02)
    return withExtendedLifetime((a, b, c)) {
        let run = { BLAS.parallelGemm(m: n, n: n, k: n, a: a.data, lda: n, b: b.data, ldb: n, c: c.data, ldc: n) }
        run()
        var reps = 0
        let seconds = timed { repeat { run(); reps += 1 } while reps < 8 }
        return 2 * Double(n * n * n) * Double(reps) / seconds / 1e9
    }
}
