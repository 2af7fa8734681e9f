import XCTest
@testable import Tensor

/// Partial dequantisation (row ranges, odd element ranges, the parallel split) against the whole-tensor result, and
/// the quantisation error bound that follows from the format.
final class NF4DequantizeTests: XCTestCase {
    /// Every row range of a matrix whose 64-blocks straddle rows and whose last block is partial.
    func testEveryRowRangeMatchesTheWholeTensor() throws {
        let fixture = try NF4Fixture.load()
        let q = NF4Tensor(quantizing: try fixture.input(of: try fixture.namedCase("edge")))
        let whole = q.dequantize().array, cols = q.columns
        for lo in 0..<q.rows {
            for hi in (lo + 1)...q.rows {
                var part = [Float](repeating: .nan, count: (hi - lo) * cols)
                part.withUnsafeMutableBufferPointer { q.dequantizeRows(lo..<hi, into: $0.baseAddress!) }
                XCTAssertEqual(part.map(\.bitPattern), whole[(lo * cols)..<(hi * cols)].map(\.bitPattern), "rows \(lo)..<\(hi)")
            }
        }
        for range in [1..<2, 3..<70, 63..<65, 64..<128, 5..<864, 831..<864, 863..<864] {
            var part = [Float](repeating: .nan, count: range.count)
            part.withUnsafeMutableBufferPointer { q.dequantizeElements(range, into: $0.baseAddress!) }
            XCTAssertEqual(part.map(\.bitPattern), whole[range].map(\.bitPattern), "elements \(range)")
        }
    }

    /// A matrix large enough to be split over the workers gives the same values as one row at a time (inline).
    func testParallelSplitMatchesRowByRow() {
        let rows = 1536, cols = 384
        let q = NF4Tensor(quantizing: Tensor(shape: [rows, cols], values: NF4Fixture.lcgNormal(rows: rows, cols: cols, seed: 3)))
        let whole = q.dequantize()
        var byRow = [Float](repeating: .nan, count: rows * cols)
        byRow.withUnsafeMutableBufferPointer { out in
            for r in 0..<rows { q.dequantizeRows(r..<(r + 1), into: out.baseAddress! + r * cols) }
        }
        XCTAssertEqual(whole.array.map(\.bitPattern), byRow.map(\.bitPattern))
    }

    /// An odd element count pads the last byte's low nibble with the code of 0.0 (7), as bitsandbytes does.
    func testOddCountPadsWithTheZeroCode() {
        let x = Tensor(shape: [5, 13], values: (0..<65).map { Float($0 % 7) - 3 })
        let q = NF4Tensor(quantizing: x)
        XCTAssertEqual(q.packed.count, 33)
        XCTAssertEqual(q.packed[32] & 0xF, 7)
        XCTAssertEqual(q.blockCount, 2)
        XCTAssertEqual(q.dequantize().shape, [5, 13])
    }

    /// Each value is rounded to the nearest NF4 level of its block, so |x − x̂| is at most half the widest gap between
    /// levels (0.1385 of the block absmax) plus the error of the 8-bit stored absmax times the level (|level| ≤ 1).
    /// That second error is absolute (a fraction of the largest |absmax − mean| per 256 blocks), so blocks far smaller
    /// than their neighbours lose relative precision.
    func testRoundTripErrorIsWithinHalfAGap() {
        let rows = 96, cols = 200
        let values = NF4Fixture.lcgNormal(rows: rows, cols: cols, seed: 11)
        let q = NF4Tensor(quantizing: Tensor(shape: [rows, cols], values: values))
        let dense = q.dequantize().array, decoded = q.blockAbsmax()
        let codes = NF4Codebook.nf4
        let halfGap = zip(codes.dropFirst(), codes).map { ($0 - $1) / 2 }.max()!
        for b in 0..<q.blockCount {
            let block = (b * 64)..<min(b * 64 + 64, values.count)
            let absmax = block.map { abs(values[$0]) }.max()!
            let bound = halfGap * absmax + abs(decoded[b] - absmax) + 1e-6
            for i in block {
                let err = abs(values[i] - dense[i])
                XCTAssertLessThanOrEqual(err, bound, "element \(i)")
            }
        }
        // The stored scales are close to the true absmax (8-bit dynamic codes of absmax − mean).
        for b in 0..<q.blockCount {
            let absmax = ((b * 64)..<min(b * 64 + 64, values.count)).map { abs(values[$0]) }.max()!
            XCTAssertEqual(decoded[b], absmax, accuracy: 0.02 * q.absmaxScales[b / 256] + 1e-6, "block \(b)")
        }
    }

    func testByteCountIsAboutHalfAByteAWeight() {
        let q = NF4Tensor(quantizing: Tensor(zeros: [384, 1536]))
        let n = 384 * 1536
        XCTAssertEqual(q.byteCount, n / 2 + n / 64 + 4 * (n / 64 / 256) + 4)
        XCTAssertEqual(q.dequantize().array.allSatisfy { $0 == 0 }, true)
    }
}
