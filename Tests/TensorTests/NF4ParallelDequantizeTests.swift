import Foundation
import XCTest
@testable import Tensor

/// The split of NF4 dequantisation over the cores (it runs for every frozen projection in every QLoRA step) gives
/// exactly the serial values. Its speed is `exemplar bench nf4-dequantize`: tests never time anything.
final class NF4ParallelDequantizeTests: XCTestCase {
    func testSplitOverTheCoresGivesTheSerialValues() {
        // MiniLM's MLP projection: 9216 blocks, enough for the work to be split (below 4096 blocks it runs inline).
        let (rows, cols) = (1536, 384)
        let n = rows * cols, blocks = n / 64
        let q = NF4Tensor(shape: [rows, cols], packed: NF4Fixture.lcg(n / 2, seed: 1).map { UInt8($0 >> 24) },
                          quantizedAbsmax: NF4Fixture.lcg(blocks, seed: 2).map { UInt8($0 >> 24) },
                          absmaxScales: [Float](repeating: 0.1, count: (blocks + 255) / 256), offset: 0.05)
        let serial = UnsafeMutablePointer<Float>.allocate(capacity: n), parallel = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { serial.deallocate(); parallel.deallocate() }
        let workers = Parallel.workers
        defer { Parallel.workers = workers }
        Parallel.workers = 1
        q.dequantizeElements(0..<n, into: serial)
        // Two workers, and three (chunk boundaries that do not halve the matrix), whatever this machine has.
        for split in [2, 3] {
            Parallel.workers = split
            parallel.update(repeating: .nan, count: n)
            q.dequantizeElements(0..<n, into: parallel)
            XCTAssertEqual(memcmp(serial, parallel, n * 4), 0, "\(split) workers")
        }
    }
}
