import Foundation
import TestSupport
import XCTest
@testable import ModelFormats

/// Dequantisation and open speed, printed as JSON lines; asserts nothing about time. Runs only with
/// EXEMPLAR_BENCH_GGUF=1 (`EXEMPLAR_BENCH_GGUF=1 swift test --skip-build --filter GGUFDequantiseBenchmark`), since a
/// shared machine makes timings noise inside the normal test run. The ModelFormats code under test is optimised in
/// debug builds too, so the numbers hold for either configuration.
final class GGUFDequantiseBenchmark: XCTestCase {
    override func setUpWithError() throws {
        guard ProcessInfo.processInfo.environment["EXEMPLAR_BENCH_GGUF"] == "1" else {
            throw XCTSkip("set EXEMPLAR_BENCH_GGUF=1 to run the GGUF benchmarks")
        }
    }

    private func best(of runs: Int, _ body: () throws -> Void) rethrows -> Double {
        var fastest = Double.infinity
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return fastest
    }

    private func emit(_ fields: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// 16M elements of random blocks per type (f16 scales kept finite and small), 1 and 2 threads.
    func testDequantiseSpeedPerType() throws {
        let elements = 1 << 24
        var generator = SystemRandomNumberGenerator()
        for type in GGUFTensorType.allCases where type.isDequantisable {
            let blocks = elements / type.blockSize
            var bytes = [UInt8](repeating: 0, count: blocks * type.bytesPerBlock)
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
            let scaleOffsets: [Int] = switch type {
            case .q4_0, .q5_0, .q8_0: [0]
            case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
            case .q6_K: [208]
            default: []
            }
            for b in 0..<blocks {
                for offset in scaleOffsets {
                    let bits = Float16(Float.random(in: -0.01...0.01)).bitPattern
                    bytes[b * type.bytesPerBlock + offset] = UInt8(bits & 0xFF)
                    bytes[b * type.bytesPerBlock + offset + 1] = UInt8(bits >> 8)
                }
            }
            var output = [Float](repeating: 0, count: elements)
            for threads in [1, 2] {
                let seconds = bytes.withUnsafeBytes { source in
                    output.withUnsafeMutableBufferPointer { out in
                        best(of: 5) {
                            GGUFDequantiser.dequantise(type, blocks: source.baseAddress!, count: blocks,
                                                       into: out.baseAddress!, threads: threads)
                        }
                    }
                }
                emit(["bench": "gguf_dequantise", "type": type.description, "threads": threads, "elements": elements,
                      "ms": (seconds * 1e5).rounded() / 100,
                      "input_MB_per_s": (Double(bytes.count) / seconds / 1e6).rounded(),
                      "output_MB_per_s": (Double(4 * elements) / seconds / 1e6).rounded(),
                      "Melements_per_s": (Double(elements) / seconds / 1e6).rounded()])
            }
        }
    }

    /// Opening (header, 300k tokenizer strings) and dequantising every tensor of the proxy files.
    func testProxyFiles() throws {
        for expected in try GGUFFixture.load().files {
            let path = try Repository.model(expected.label)
                .appendingPathComponent((expected.path as NSString).lastPathComponent).path
            let open = try best(of: 5) { _ = try GGUFFile(path: path) }
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
            emit(["bench": "gguf_file", "file": expected.label, "open_ms": (open * 1e5).rounded() / 100,
                  "dequantise_all_s": (all * 1000).rounded() / 1000, "elements": total,
                  "output_MB_per_s": (Double(4 * total) / all / 1e6).rounded(),
                  "sha256_MB_per_s": (Double(4 * largest) / sha / 1e6).rounded()])
        }
    }
}
