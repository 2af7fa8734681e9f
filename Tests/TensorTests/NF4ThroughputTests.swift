import Foundation
import XCTest
@testable import Tensor

/// Dequantisation speed, printed as JSON lines (output GB/s, float32 written), one core and all cores. It runs for
/// every frozen projection in every QLoRA step. Asserts only that the split over the cores gives the same values:
/// tests never assert wall-clock time.
final class NF4ThroughputTests: XCTestCase {
    func testDequantizeThroughput() {
        // MiniLM's attention and MLP projections, and a 32 MB one that does not fit in cache.
        for (rows, cols) in [(384, 384), (1536, 384), (4096, 2048)] {
            let n = rows * cols, blocks = n / 64
            let q = NF4Tensor(shape: [rows, cols], packed: NF4Fixture.lcg(n / 2, seed: 1).map { UInt8($0 >> 24) },
                              quantizedAbsmax: NF4Fixture.lcg(blocks, seed: 2).map { UInt8($0 >> 24) },
                              absmaxScales: [Float](repeating: 0.1, count: (blocks + 255) / 256), offset: 0.05)
            let serial = UnsafeMutablePointer<Float>.allocate(capacity: n), parallel = UnsafeMutablePointer<Float>.allocate(capacity: n)
            defer { serial.deallocate(); parallel.deallocate() }
            let workers = Parallel.workers
            Parallel.workers = 1
            let one = bestSeconds { q.dequantizeElements(0..<n, into: serial) }
            Parallel.workers = workers
            let all = bestSeconds { q.dequantizeElements(0..<n, into: parallel) }
            XCTAssertEqual(memcmp(serial, parallel, n * 4), 0)
            let gb = Double(n * 4) / 1e9
            print(#"{"benchmark": "nf4_dequantize", "rows": \#(rows), "cols": \#(cols), "workers": \#(workers), "#
                + String(format: #""GBps_1_core": %.2f, "GBps_all_cores": %.2f, "ms_all_cores": %.3f}"#, gb / one, gb / all, all * 1e3))
        }
    }

    /// Best wall time of repeated runs (at least 20 and about 0.3 s), after one warm-up.
    private func bestSeconds(_ body: () -> Void) -> Double {
        body()
        var best = Double.infinity, total = 0.0, runs = 0
        while runs < 20 || total < 0.3 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            best = min(best, dt); total += dt; runs += 1
        }
        return best
    }
}
