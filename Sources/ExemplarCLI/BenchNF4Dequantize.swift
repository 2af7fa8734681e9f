import ArgumentParser
import Foundation
import Tensor

/// NF4 dequantisation speed: it runs for every frozen projection in every QLoRA training step. A program rather than
/// a test, since tests never assert wall-clock time (TensorTests checks that the split over the cores gives the
/// serial values).
struct BenchNF4Dequantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nf4-dequantize",
        abstract: "NF4 dequantisation GB/s (float32 written) on one core and on all cores, as JSON.",
        discussion: """
            Matrices of random NF4 codes and 8-bit block scales at MiniLM's attention (384x384) and MLP (1536x384) \
            shapes and a 4096x2048 one (32 MB of output, beyond the caches), dequantised whole with \
            NF4Tensor.dequantizeElements as QLoRA does. Each figure is the best of repeated runs (at least --runs and \
            about --seconds), after one warm-up run.
            """)

    @Option(help: "Shapes to time, as ROWSxCOLS, comma-separated (columns a multiple of 64).")
    var shapes = "384x384,1536x384,4096x2048"

    @Option(help: "Minimum timed runs per figure (the best is reported).")
    var runs = 20

    @Option(help: "Minimum seconds spent per figure.")
    var seconds = 0.3

    func validate() throws {
        guard runs >= 1, seconds >= 0 else { throw ValidationError("--runs must be positive and --seconds ≥ 0") }
        _ = try parsedShapes()
    }

    func run() throws {
        let workers = Parallel.workers
        var results: [[String: Any]] = []
        for (rows, cols) in try parsedShapes() {
            let n = rows * cols, blocks = n / NF4Tensor.blockSize
            let q = NF4Tensor(shape: [rows, cols], packed: Self.randomBytes(n / 2, seed: 1),
                              quantizedAbsmax: Self.randomBytes(blocks, seed: 2),
                              absmaxScales: [Float](repeating: 0.1, count: (blocks + NF4Tensor.statisticsBlockSize - 1) / NF4Tensor.statisticsBlockSize),
                              offset: 0.05)
            let out = UnsafeMutablePointer<Float>.allocate(capacity: n)
            defer { out.deallocate() }
            Parallel.workers = 1
            let one = best { q.dequantizeElements(0..<(rows * cols), into: out) }
            Parallel.workers = workers
            let all = best { q.dequantizeElements(0..<(rows * cols), into: out) }
            let gb = Double(n * 4) / 1e9
            results.append(["rows": rows, "cols": cols, "GBps_1_core": round(gb / one, 2), "GBps_all_cores": round(gb / all, 2),
                            "ms_1_core": round(one * 1e3, 3), "ms_all_cores": round(all * 1e3, 3)])
        }
        printJSON(["benchmark": "nf4-dequantize", "workers": workers, "results": results])
    }

    private func parsedShapes() throws -> [(Int, Int)] {
        try shapes.split(separator: ",").map { part in
            let sides = part.split(separator: "x").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard sides.count == 2, sides[0] > 0, sides[1] > 0, sides[1] % NF4Tensor.blockSize == 0 else {
                throw ValidationError("--shapes: '\(part)' is not ROWSxCOLS with COLS a multiple of \(NF4Tensor.blockSize)")
            }
            return (sides[0], sides[1])
        }
    }

    /// Best wall time of at least `runs` runs and about `seconds`, after one warm-up run.
    private func best(_ body: () -> Void) -> Double {
        body()
        var fastest = Double.infinity, total = 0.0, count = 0
        while count < runs || total < seconds {
            let t = timed(body)
            fastest = min(fastest, t); total += t; count += 1
        }
        return fastest
    }

    /// The top bytes of a linear congruential sequence: every code and scale index occurs, reproducibly.
    static func randomBytes(_ count: Int, seed: UInt32) -> [UInt8] {
        var s = seed
        return (0..<count).map { _ in
            s = 1_664_525 &* s &+ 1_013_904_223
            return UInt8(s >> 24)
        }
    }
}
