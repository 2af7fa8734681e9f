import XCTest
@testable import ModelFormats

final class SafeTensorsReaderTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory = nil }

    /// A file whose header length is odd, so every tensor in the data section sits at an unaligned address.
    private func unalignedFile() throws -> SafeTensorsFile {
        let f32: [Float] = [1.5, -2.25, 0, 3.4028235e38, -0x1p-149]
        let f16: [UInt16] = [0x3C00, 0xC100, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0x3555, 0x0400, 0xFC00]  // 9: SIMD + tail
        let bf16: [UInt16] = [0x3F80, 0xC000, 0x7F7F, 0x0001, 0x8000, 0xFF80, 0x3E20, 0x4049, 0x3F81, 0x0080]
        let f64: [Double] = [0.1, -2.5, 1e300, 3]
        let i64: [Int64] = [0, 1, -7]
        var data: [UInt8] = []
        func add<T>(_ values: [T]) -> (Int, Int) {
            let begin = data.count
            data += values.withUnsafeBytes { Array($0) }
            return (begin, data.count)
        }
        let a = add(f32), b = add(f16), c = add(bf16), d = add(f64), e = add(i64)
        let u8 = (data.count, data.count + 3)
        data += [7, 8, 9]
        var header = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"é\\n\"},"
        header += "\"f32\":\(entry("F32", [5], a.0, a.1)),\"f16\":\(entry("F16", [3, 3], b.0, b.1)),"
        header += "\"bf16\":\(entry("BF16", [10], c.0, c.1)),\"f64\":\(entry("F64", [2, 2], d.0, d.1)),"
        header += "\"i64\":\(entry("I64", [3], e.0, e.1)),\"u8\":\(entry("U8", [3], u8.0, u8.1))}"
        if header.utf8.count % 2 == 0 { header += " " }
        return try SafeTensorsFile(path: directory.write(safetensorsBytes(header: header, data: data), to: "mixed.safetensors"))
    }

    func testInfoMetadataAndNames() throws {
        let file = try unalignedFile()
        XCTAssertEqual(file.metadata, ["format": "pt", "note": "é\n"])
        XCTAssertEqual(file.tensorNames, ["f32", "f16", "bf16", "f64", "i64", "u8"])
        XCTAssertEqual(file.dataStart % 2, 1)
        let f16 = try file.info("f16")
        XCTAssertEqual(f16.dtype, .f16)
        XCTAssertEqual(f16.shape, [3, 3])
        XCTAssertEqual(f16.elementCount, 9)
        XCTAssertEqual(f16.dataOffsets, 20..<38)
        XCTAssertEqual(f16.fileOffsets, (file.dataStart + 20)..<(file.dataStart + 38))
        XCTAssertEqual(f16.byteCount, 18)
        XCTAssertTrue(file.contains("u8"))
        XCTAssertFalse(file.contains("U8"))
        XCTAssertThrowsError(try file.info("nope")) { error in
            XCTAssertEqual(error as? SafeTensorsError, .tensorNotFound(path: file.path, tensor: "nope"))
            XCTAssertTrue("\(error)".contains(file.path) && "\(error)".contains("'nope'"))
        }
    }

    func testFloatConversionsAreExact() throws {
        let file = try unalignedFile()
        XCTAssertEqual(try file.floats("f32").map(\.bitPattern), [Float](arrayLiteral: 1.5, -2.25, 0, 3.4028235e38, -0x1p-149).map(\.bitPattern))
        XCTAssertEqual(try file.floats("f16"), [1, -2.5, 65504, 0x1p-24, -0.0, .infinity, 0.333251953125, 0x1p-14, -.infinity])
        XCTAssertEqual(try file.floats("f16")[4].sign, .minus)
        XCTAssertEqual(try file.floats("bf16"),
                       [1, -2, Float(bitPattern: 0x7F7F_0000), Float(bitPattern: 0x0001_0000), -0.0, -.infinity, 0.15625, 3.140625,
                        1.0078125, 0x1p-126])
        XCTAssertEqual(try file.floats("f64"), [Float(0.1), -2.5, .infinity, 3])
    }

    func testCopyFloatsIntoCallerBuffer() throws {
        let file = try unalignedFile()
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 10)
        defer { buffer.deallocate() }
        try file.copyFloats("bf16", into: buffer, count: 10)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: buffer, count: 10)), try file.floats("bf16"))
        try file.copyFloats("f32", into: buffer, count: 5)
        XCTAssertEqual(buffer[1], -2.25)
        XCTAssertThrowsError(try file.copyFloats("f16", into: buffer, count: 10)) { error in
            XCTAssertEqual(error as? SafeTensorsError, .elementCountMismatch(path: file.path, tensor: "f16", expected: 9, given: 10))
        }
    }

    func testNonFloatTensorsAreAClearError() throws {
        let file = try unalignedFile()
        for (name, dtype) in [("i64", SafeTensorsDType.i64), ("u8", .u8)] {
            XCTAssertThrowsError(try file.floats(name)) { error in
                XCTAssertEqual(error as? SafeTensorsError, .notConvertibleToFloat(path: file.path, tensor: name, dtype: dtype))
                XCTAssertTrue("\(error)".contains(file.path) && "\(error)".contains("'\(name)'"), "\(error)")
            }
        }
    }

    func testRawBytes() throws {
        let file = try unalignedFile()
        let values: [Int64] = try file.withUnsafeRawBytes(of: "i64") { raw in
            (0..<3).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self) }
        }
        XCTAssertEqual(values, [0, 1, -7])
        XCTAssertEqual(try file.withUnsafeRawBytes(of: "u8") { Array($0) }, [7, 8, 9])
    }

    /// Every binary16 bit pattern, read through a file (SIMD body and scalar tail, unaligned), against Swift's Float16.
    func testAllHalfPrecisionPatternsThroughAFile() throws {
        let patterns = (0...0xFFFF).map { UInt16($0) } + [0x3C00, 0x0001, 0x8001]  // odd count: exercises the tail
        let data = patterns.withUnsafeBytes { Array($0) }
        var header = "{\"h\":\(entry("F16", [patterns.count], 0, data.count)),\"b\":\(entry("BF16", [patterns.count], data.count, 2 * data.count))}"
        if header.utf8.count % 2 == 0 { header += " " }
        let file = try SafeTensorsFile(path: directory.write(safetensorsBytes(header: header, data: data + data), to: "all.safetensors"))
        XCTAssertEqual(file.dataStart % 2, 1)
        let halves = try file.floats("h")
        let brains = try file.floats("b")
        for (k, pattern) in patterns.enumerated() {
            let expected = Float(Float16(bitPattern: pattern))
            if expected.isNaN {
                XCTAssertTrue(halves[k].isNaN, "\(pattern)")
                // Sign and payload carried over, quiet bit included, as hardware conversions do.
                XCTAssertEqual(halves[k].bitPattern, UInt32(pattern & 0x8000) << 16 | 0x7F80_0000 | UInt32(pattern & 0x03FF) << 13)
            } else {
                XCTAssertEqual(halves[k].bitPattern, expected.bitPattern, "F16 \(String(pattern, radix: 16))")
            }
            XCTAssertEqual(brains[k].bitPattern, UInt32(pattern) << 16, "BF16 \(String(pattern, radix: 16))")
        }
    }

    func testReadsFilesWrittenByTheReferenceLibrary() throws {
        for reference in try ReferenceFixture.load().safetensors {
            let path = try directory.write(reference.bytes, to: "\(reference.label).safetensors")
            let file = try SafeTensorsFile(path: path)
            XCTAssertEqual(file.metadata, reference.metadata, reference.label)
            XCTAssertEqual(Set(file.tensorNames), Set(reference.tensors.map(\.name)))
            for tensor in reference.tensors {
                let info = try file.info(tensor.name)
                XCTAssertEqual(info.dtype.rawValue, tensor.dtype)
                XCTAssertEqual(info.shape, tensor.shape)
                let expected: [Float]
                switch info.dtype {
                case .f16: expected = tensor.values.map { Float(Float16($0)) }
                case .bf16: expected = tensor.values  // the fixture's BF16 values are exactly representable
                default: expected = tensor.values
                }
                XCTAssertEqual(try file.floats(tensor.name).map(\.bitPattern), expected.map(\.bitPattern), "\(reference.label) \(tensor.name)")
            }
        }
    }
}

final class HalfPrecisionTests: XCTestCase {
    func testScalarAndBulkWideningAgreeOnEveryPattern() {
        let patterns = (0...0xFFFF).map { UInt16($0) }
        var bulk = [Float](repeating: 0, count: patterns.count)
        patterns.withUnsafeBytes { raw in
            bulk.withUnsafeMutableBufferPointer { HalfPrecision.f16ToF32(raw.baseAddress!, $0.baseAddress!, count: patterns.count) }
        }
        for pattern in patterns {
            let scalar = HalfPrecision.f16ToF32(pattern)
            XCTAssertEqual(scalar.bitPattern, bulk[Int(pattern)].bitPattern)
            let swift = Float(Float16(bitPattern: pattern))
            if !swift.isNaN { XCTAssertEqual(scalar.bitPattern, swift.bitPattern) } else { XCTAssertTrue(scalar.isNaN) }
        }
    }

    func testBF16Widening() {
        XCTAssertEqual(HalfPrecision.bf16ToF32(0x3F80), 1)
        XCTAssertEqual(HalfPrecision.bf16ToF32(0xC040), -3)
        XCTAssertEqual(HalfPrecision.bf16ToF32(0x7F80), .infinity)
        XCTAssertEqual(HalfPrecision.bf16ToF32(0x0001), Float(bitPattern: 0x0001_0000))
        XCTAssertTrue(HalfPrecision.bf16ToF32(0x7FC0).isNaN)
    }

    func testBF16NarrowingRoundsToNearestEven() {
        let cases: [(UInt32, UInt16)] = [
            (0x3F80_0000, 0x3F80),  // 1
            (0x3F80_8000, 0x3F80),  // 1 + 2^-8: tie, stays even
            (0x3F81_8000, 0x3F82),  // 1 + 3·2^-8: tie, rounds up to even
            (0x3F80_8001, 0x3F81),  // just above the tie
            (0x3F80_7FFF, 0x3F80),  // just below
            (0xBF80_C000, 0xBF81),  // negative, above the tie
            (0x7F7F_FFFF, 0x7F80),  // largest float rounds to infinity
            (0xFF80_0000, 0xFF80),  // -inf
            (0x0000_0001, 0x0000),  // tiny subnormal
        ]
        for (bits, expected) in cases {
            XCTAssertEqual(HalfPrecision.f32ToBF16(Float(bitPattern: bits)), expected, String(bits, radix: 16))
        }
        let nan = HalfPrecision.f32ToBF16(Float(bitPattern: 0x7F80_0001))  // signalling NaN with payload below bit 16
        XCTAssertTrue(HalfPrecision.bf16ToF32(nan).isNaN)
    }

    func testF16NarrowingRoundsToNearestEven() {
        let values: [Float] = [1, 1.0 / 3, 65504, 65519, 65520, 0x1p-25, 3 * 0x1p-25, 6e-8, -0.0, .infinity]
        let expected: [UInt16] = [0x3C00, 0x3555, 0x7BFF, 0x7BFF, 0x7C00, 0x0000, 0x0002, 0x0001, 0x8000, 0x7C00]
        var out = [UInt16](repeating: 0xFFFF, count: values.count)
        values.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBytes { HalfPrecision.f32ToF16(source.baseAddress!, $0.baseAddress!, count: values.count) }
        }
        XCTAssertEqual(out, expected)
    }
}
