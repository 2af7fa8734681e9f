import ArgumentParser
import Foundation
import Tensor

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print JSON (build with -c release for meaningful figures).",
        subcommands: [BenchGemm.self, BenchEncode.self, BenchSearch.self, BenchDecode.self, BenchNF4Dequantize.self,
                      BenchGGUFDequantize.self])
}

/// Wall-clock seconds of `body`.
func timed(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

func printJSON(_ object: Any) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

struct BenchGemm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "sgemm GFLOP/s at the encoder's shapes and at 2048³ (the machine's practical peak).")

    @Option(help: "Rows of the activation matrix (tokens per batch) for the encoder shapes.")
    var tokens = 4096

    @Option(help: "Seconds to spend on each shape.")
    var seconds = 1.0

    @Option(help: "Use OpenBLAS's own threads (this many) instead of Exemplar's row split over single-threaded calls.")
    var threads: Int?

    func run() throws {
        if let threads { BLAS.setThreads(threads) }
        let rowSplit = threads == nil
        // (M, N, K, transB): y = x·Wᵀ for Linear layers, as the encoder runs them.
        let shapes: [(String, Int, Int, Int, Bool)] = [
            ("qkv/out 384x384", tokens, 384, 384, true),
            ("intermediate 384->1536", tokens, 1536, 384, true),
            ("output 1536->384", tokens, 384, 1536, true),
            ("square 2048", 2048, 2048, 2048, false),
        ]
        var results: [[String: Any]] = []
        for (name, m, n, k, transB) in shapes {
            let a = Tensor(zeros: [m, k]), b = Tensor(zeros: [transB ? n : k, transB ? k : n]), c = Tensor(zeros: [m, n])
            a.fill(0.01); b.fill(0.02)
            let run = rowSplit ? { BLAS.parallelGemm(transB: transB, m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: transB ? k : n, c: c.data, ldc: n) } : { BLAS.gemm(transB: transB, m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: transB ? k : n, c: c.data, ldc: n) }
            run()
            var reps = 0
            let t = timed { repeat { run(); reps += 1 } while reps < 3 }
            let target = max(3, Int(seconds / (t / 3)))
            let total = timed { for _ in 0..<target { run() } }
            let gflops = 2.0 * Double(m) * Double(n) * Double(k) * Double(target) / total / 1e9
            results.append(["shape": name, "m": m, "n": n, "k": k, "gflops": (gflops * 10).rounded() / 10])
        }
        printJSON(["benchmark": "gemm", "mode": rowSplit ? "row split over \(Parallel.workers) cores, 1 OpenBLAS thread each" : "OpenBLAS with \(BLAS.threads) threads", "blas_core": BLAS.coreName, "results": results])
    }
}
