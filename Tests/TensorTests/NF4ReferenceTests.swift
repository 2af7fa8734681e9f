import XCTest
@testable import Tensor

/// NF4 quantisation against bitsandbytes 0.50.2 itself (quantize_4bit / dequantize_4bit run on the CPU, see
/// scripts/reference/nf4_fixtures.py): every packed byte, scale code, statistics scale, the offset and every
/// dequantised value must be bit-identical.
final class NF4ReferenceTests: XCTestCase {
    func testCodeTablesAreBitsandbytes() throws {
        let fixture = try NF4Fixture.load()
        assertSame(NF4Codebook.nf4.map(\.bitPattern), try fixture.floats(bitsKey: "nf4_code_f32_bits").map(\.bitPattern),
                   "NF4 codes")
        let dynamic = NF4Codebook.dynamic.map(\.bitPattern)
        assertSame(dynamic, try fixture.floats(bitsKey: "dynamic_map_f32_bits").map(\.bitPattern), "create_dynamic_map")
        assertSame(dynamic, try fixture.floats(bitsKey: "dynamic_map_used_f32_bits").map(\.bitPattern), "state2.code")
    }

    /// The offset is torch's float32 mean; its summation order is pinned on lengths around every branch of it.
    func testMeanIsTorchsFloat32Mean() throws {
        let fixture = try NF4Fixture.load()
        let cases = try XCTUnwrap(fixture.json["torch_mean_cases"] as? [[String: Int]])
        XCTAssertGreaterThan(cases.count, 20)
        for c in cases {
            let n = c["count"]!, x = NF4Fixture.lcgUniform(n, seed: UInt32(c["seed"]!))
            let mean = x.withUnsafeBufferPointer { NF4Tensor.torchMean($0.baseAddress!, count: n) }
            XCTAssertEqual(mean.bitPattern, UInt32(c["mean_f32_bits"]!), "mean of \(n)")
        }
    }

    /// The statistics' 8-bit step around every midpoint of the dynamic map, where bitsandbytes' CPU lookup table
    /// often picks the farther code: reproduced, not "corrected".
    func testStatisticsCodesFollowTheCPULookupTable() throws {
        let fixture = try NF4Fixture.load()
        let c = try XCTUnwrap(fixture.json["statistics_case"] as? [String: Any])
        let x = try NF4Fixture.floats(base64: c["input_f32_b64"] as! String)
        let (codes, scales) = NF4Tensor.quantizeStatistics(x)
        assertSame(codes, try NF4Fixture.bytes(base64: c["codes_b64"] as! String), "8-bit codes")
        assertSame(scales.map(\.bitPattern), try NF4Fixture.floats(base64: c["absmax_f32_b64"] as! String).map(\.bitPattern),
                   "absmax")
        XCTAssertGreaterThan(c["codes_not_nearest"] as! Int, 100, "the case exercises the table's rounding")
    }

    func testEdgeCases() throws { try checkCase("edge") }
    func testConstantMatrixHasZeroStatistics() throws { try checkCase("constant") }
    func testRandomMatrixWithPartialStatisticsBlock() throws { try checkCase("random") }
    func testMiniLMQueryWeight() throws { try checkCase("minilm") }

    /// Dequantising bitsandbytes' own stored state (not ours) gives its dequantised values.
    func testDequantizesBitsandbytesState() throws {
        let fixture = try NF4Fixture.load()
        for c in fixture.cases {
            let name = c["name"] as! String
            let stored = try storedState(c)
            XCTAssertEqual(NF4Fixture.fnv1a64(stored.dequantize().array), c["dequantized_fnv1a64"] as? String, name)
        }
    }

    private func storedState(_ c: [String: Any]) throws -> NF4Tensor {
        NF4Tensor(shape: try XCTUnwrap(c["shape"] as? [Int]),
                  packed: try NF4Fixture.bytes(base64: try XCTUnwrap(c["packed_b64"] as? String)),
                  quantizedAbsmax: try NF4Fixture.bytes(base64: try XCTUnwrap(c["quantized_absmax_b64"] as? String)),
                  absmaxScales: try NF4Fixture.floats(base64: try XCTUnwrap(c["absmax_scales_f32_b64"] as? String)),
                  offset: Float(bitPattern: UInt32(try XCTUnwrap(c["offset_f32_bits"] as? Int))))
    }

    private func checkCase(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let fixture = try NF4Fixture.load()
        let c = try fixture.namedCase(name)
        let input = try fixture.input(of: c)
        let q = NF4Tensor(quantizing: input)
        let reference = try storedState(c)

        // First level: codes and the float32 absmax per 64-block.
        assertSame(q.packed, reference.packed, "\(name): packed codes", file: file, line: line)
        let absmax = (0..<q.blockCount).map { b in
            input.data.withMemoryRebound(to: Float.self, capacity: input.count) { x -> Float in
                var scratch = [UInt8](repeating: 0, count: q.packed.count)
                return scratch.withUnsafeMutableBufferPointer {
                    NF4Tensor.quantizeBlock(x, count: input.count, block: b, into: $0.baseAddress!)
                }
            }
        }
        assertSame(absmax.map(\.bitPattern), try NF4Fixture.floats(base64: c["absmax_f32_b64"] as! String).map(\.bitPattern),
                   "\(name): first-level absmax", file: file, line: line)

        // Double quantisation of the absmax values.
        XCTAssertEqual(q.offset.bitPattern, reference.offset.bitPattern, "\(name): offset \(q.offset) vs \(reference.offset)",
                       file: file, line: line)
        assertSame(q.quantizedAbsmax, reference.quantizedAbsmax, "\(name): 8-bit scale codes", file: file, line: line)
        assertSame(q.absmaxScales.map(\.bitPattern), reference.absmaxScales.map(\.bitPattern),
                   "\(name): statistics scales", file: file, line: line)
        assertSame(q.blockAbsmax().map(\.bitPattern),
                   try NF4Fixture.floats(base64: c["dequantized_absmax_f32_b64"] as! String).map(\.bitPattern),
                   "\(name): decoded block absmax", file: file, line: line)

        // Dequantised values.
        let dense = q.dequantize()
        XCTAssertEqual(dense.shape, input.shape, file: file, line: line)
        if let stored = c["dequantized_f32_b64"] as? String {
            assertSame(dense.array.map(\.bitPattern), try NF4Fixture.floats(base64: stored).map(\.bitPattern),
                       "\(name): dequantised values", file: file, line: line)
        }
        XCTAssertEqual(NF4Fixture.fnv1a64(dense.array), c["dequantized_fnv1a64"] as? String,
                       "\(name): dequantised checksum", file: file, line: line)
        let head = try XCTUnwrap(c["dequantized_head"] as? [Int]).map { UInt32($0) }
        XCTAssertEqual(dense.array.prefix(head.count).map(\.bitPattern), head, "\(name): first values", file: file, line: line)
    }

    /// Equal arrays, or a failure naming how many entries differ and the first one (not two whole arrays).
    private func assertSame<T: Equatable>(_ got: [T], _ want: [T], _ what: String,
                                          file: StaticString = #filePath, line: UInt = #line) {
        guard got.count == want.count else {
            return XCTFail("\(what): \(got.count) entries, expected \(want.count)", file: file, line: line)
        }
        let differing = zip(got, want).enumerated().filter { $0.element.0 != $0.element.1 }
        if let first = differing.first {
            XCTFail("\(what): \(differing.count) of \(got.count) differ, first at \(first.offset): \(first.element.0) vs \(first.element.1)",
                    file: file, line: line)
        }
    }
}
