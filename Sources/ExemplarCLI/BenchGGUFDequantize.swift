import ArgumentParser
import Foundation
import ModelFormats
import Tensor

/// GGUF dequantisation and open speed: every decoder load runs through it. A program rather than a test, since tests
/// never assert wall-clock time (ModelFormatsTests checks the values against gguf-py).
struct BenchGGUFDequantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gguf-dequantize",
        abstract: "GGUF dequantisation MB/s per block type (1 and 2 threads) and the open and full-dequantise time of GGUF files, as JSON.",
        discussion: """
            Per type: --elements elements of random blocks (the f16 scales kept finite and small), dequantised with \
            GGUFDequantiser as a model load does; the best of --runs runs per thread count. Per file (--model, \
            repeatable; skipped with --types-only): opening it (header, tokenizer strings), dequantising every \
            tensor with 2 threads, and SHA-256 over the largest tensor's floats.
            """)

    @Option(help: "Elements per block type (a multiple of 256).")
    var elements = 1 << 24

    @Option(help: "Thread counts to time, comma-separated.")
    var threads = "1,2"

    @Option(help: "Timed runs per figure (the best is reported).")
    var runs = 5

    @Option(help: "A .gguf file or a directory holding one. Repeatable.")
    var model: [String] = ["models/SmolLM2-135M-Instruct", "models/Qwen2.5-Coder-0.5B-Instruct"]

    @Flag(help: "Time the block types only, no files.")
    var typesOnly = false

    func validate() throws {
        guard elements > 0, elements % GGUFTensorType.superBlock == 0 else {
            throw ValidationError("--elements must be a positive multiple of \(GGUFTensorType.superBlock)")
        }
        guard runs >= 1 else { throw ValidationError("--runs must be positive") }
        _ = try threadCounts()
    }

    func run() throws {
        try reportingErrors {
            let counts = try threadCounts()
            let paths = typesOnly ? [] : try model.map(Self.ggufPath)
            var types: [[String: Any]] = []
            for type in GGUFTensorType.allCases where type.isDequantisable {
                let blocks = elements / type.blockSize
                let bytes = Self.randomBlocks(type, count: blocks)
                var output = [Float](repeating: 0, count: elements)
                for threads in counts {
                    let seconds = bytes.withUnsafeBytes { source in
                        output.withUnsafeMutableBufferPointer { out in
                            best(of: runs) {
                                GGUFDequantiser.dequantise(type, blocks: source.baseAddress!, count: blocks,
                                                           into: out.baseAddress!, threads: threads)
                            }
                        }
                    }
                    types.append(["type": type.description, "threads": threads, "elements": elements,
                                  "ms": round(seconds * 1e3, 2),
                                  "input_MB_per_s": round(Double(bytes.count) / seconds / 1e6, 0),
                                  "output_MB_per_s": round(Double(4 * elements) / seconds / 1e6, 0),
                                  "Melements_per_s": round(Double(elements) / seconds / 1e6, 0)])
                }
            }
            var files: [[String: Any]] = []
            for path in paths { files.append(try Self.timeFile(path, runs: runs)) }
            printJSON(["benchmark": "gguf-dequantize", "types": types, "files": files])
        }
    }

    private func threadCounts() throws -> [Int] {
        try threads.split(separator: ",").map { part in
            guard let t = Int(part.trimmingCharacters(in: .whitespaces)), t > 0 else {
                throw ValidationError("--threads: '\(part)' is not a positive integer")
            }
            return t
        }
    }

    /// Opening `path` (best of `runs`), dequantising all of its tensors (best of 2) and hashing the largest.
    private static func timeFile(_ path: String, runs: Int) throws -> [String: Any] {
        let open = try best(of: runs) { _ = try GGUFFile(path: path) }
        let file = try GGUFFile(path: path)
        let largest = file.tensors.map(\.elementCount).max() ?? 0
        var buffer = [Float](repeating: 0, count: largest)
        var total = 0
        let all = try best(of: 2) {
            total = 0
            try buffer.withUnsafeMutableBufferPointer { out in
                for info in file.tensors {
                    try file.dequantise(info.name, into: out.baseAddress!, count: info.elementCount, threads: 2)
                    total += info.elementCount
                }
            }
        }
        var hash = SHA256()
        let sha = best(of: 1) { buffer.withUnsafeBytes { hash.update($0) } }
        return ["file": path, "open_ms": round(open * 1e3, 2), "dequantise_all_s": round(all, 3), "elements": total,
                "output_MB_per_s": round(Double(4 * total) / all / 1e6, 0),
                "sha256_MB_per_s": round(Double(4 * largest) / sha / 1e6, 0)]
    }

    /// The GGUF file of a --model argument: the file itself, or the one .gguf in a directory.
    private static func ggufPath(_ path: String) throws -> String {
        let weights = try DecoderFiles(path).weights
        guard weights.hasSuffix(".gguf") else { throw ValidationError("--model \(path): not a .gguf file or a directory holding one") }
        return weights
    }

    /// `count` blocks of random bytes with the f16 scales of the type replaced by small finite values (random
    /// scales would include infinities and NaNs, which no real file has), from a fixed seed.
    private static func randomBlocks(_ type: GGUFTensorType, count: Int) -> [UInt8] {
        var generator = RandomGenerator(seed: 42)
        var bytes = [UInt8](repeating: 0, count: count * type.bytesPerBlock)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: generator.next()) }
        let scaleOffsets: [Int] = switch type {
        case .q4_0, .q5_0, .q8_0: [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
        case .q6_K: [208]
        default: []
        }
        for b in 0..<count {
            for offset in scaleOffsets {
                let bits = Float16(Float.random(in: -0.01...0.01, using: &generator)).bitPattern
                bytes[b * type.bytesPerBlock + offset] = UInt8(bits & 0xFF)
                bytes[b * type.bytesPerBlock + offset + 1] = UInt8(bits >> 8)
            }
        }
        return bytes
    }
}

/// Best wall time of `runs` runs.
private func best(of runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<runs { fastest = min(fastest, try timed(body)) }
    return fastest
}
