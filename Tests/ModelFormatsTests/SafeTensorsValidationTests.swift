import XCTest
@testable import ModelFormats

/// Every malformed header is rejected when the file is opened, with an error naming the file and the tensor; and
/// what the reference library accepts (checked against safetensors 0.8), we accept too.
final class SafeTensorsValidationTests: XCTestCase {
    private struct Accepted: Error {}
    private var directory: TemporaryDirectory!
    private var counter = 0

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory = nil }

    /// Writes `bytes` to a new file and returns the error opening it raises, after checking that the message names
    /// the file and, when given, the tensor.
    private func rejection(_ bytes: [UInt8], tensor: String? = nil,
                           file: StaticString = #filePath, line: UInt = #line) throws -> (SafeTensorsError, String) {
        counter += 1
        let path = try directory.write(bytes, to: "case\(counter).safetensors")
        do {
            _ = try SafeTensorsFile(path: path)
        } catch let error as SafeTensorsError {
            XCTAssertTrue(error.description.contains(path), "message does not name the file: \(error)", file: file, line: line)
            if let tensor {
                XCTAssertTrue(error.description.contains("'\(tensor)'"), "message does not name tensor \(tensor): \(error)",
                              file: file, line: line)
            }
            XCTAssertFalse(error.description.contains("\n"), "message is not one line: \(error)", file: file, line: line)
            return (error, path)
        }
        XCTFail("file was accepted: \(String(decoding: bytes.prefix(300), as: UTF8.self))", file: file, line: line)
        throw Accepted()
    }

    private func header(_ body: String, data: Int) -> [UInt8] {
        safetensorsBytes(header: body, data: [UInt8](repeating: 0, count: data))
    }

    // MARK: - Framing

    func testFileShorterThanTheHeaderLength() throws {
        for size in [0, 3, 7] {
            let (error, path) = try rejection([UInt8](repeating: 1, count: size))
            XCTAssertEqual(error, .fileTooShort(path: path, size: size))
        }
    }

    func testHeaderLengthPastTheEndOfTheFile() throws {
        var bytes = withUnsafeBytes(of: UInt64(100).littleEndian) { Array($0) }
        bytes += Array("{}".utf8) + [UInt8](repeating: 32, count: 18)
        let (error, path) = try rejection(bytes)
        XCTAssertEqual(error, .headerPastEnd(path: path, headerLength: 100, fileSize: 28))

        let limit = withUnsafeBytes(of: UInt64(SafeTensorsFile.maxHeaderLength).littleEndian) { Array($0) }
        let (atLimit, limitPath) = try rejection(limit + Array("{}".utf8))
        XCTAssertEqual(atLimit, .headerPastEnd(path: limitPath, headerLength: SafeTensorsFile.maxHeaderLength, fileSize: 10))
    }

    func testAbsurdHeaderLength() throws {
        for length in [UInt64(SafeTensorsFile.maxHeaderLength) + 1, UInt64(1) << 62, UInt64.max] {
            let bytes = withUnsafeBytes(of: length.littleEndian) { Array($0) } + Array("{}".utf8)
            let (error, path) = try rejection(bytes)
            XCTAssertEqual(error, .headerTooLarge(path: path, headerLength: length))
        }
    }

    func testHeaderNotUTF8() throws {
        let tail = Array("\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}".utf8)
        for bad: [UInt8] in [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82]] {
            let json = [UInt8(ascii: "{"), UInt8(ascii: "\"")] + bad + tail
            let bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + [0, 0, 0, 0]
            let (error, path) = try rejection(bytes)
            XCTAssertEqual(error, .headerNotUTF8(path: path))
        }
    }

    func testHeaderNotJSON() throws {
        let ok = entry("F32", [1], 0, 4)
        let cases: [(String, Int)] = [
            ("{\"a\":", 3),  // truncated
            ("{\"a\":\(ok)}x", 22),  // trailing characters
            ("{\"a\":\(ok)}\u{0}", 0),  // a NUL pad, which the reference rejects too
            ("{'a':\(ok)}", 1),  // single quotes
            ("{\"a\":\(ok),}", 0),  // trailing comma
            ("{\"a\":NaN}", 0),
            ("{\"a\":01}", 0),
            ("{\"a\":1.}", 0),
            ("{\"a\":-}", 0),
            ("{\"a\"\(ok)}", 0),  // missing colon
            ("{\"a\u{1}\":\(ok)}", 0),  // raw control character in a string
            ("{\"a\\x\":\(ok)}", 0),  // invalid escape
            ("{\"\\ud800\":\(ok)}", 0),  // lone high surrogate (the reference rejects it too)
            ("{\"\\udc00\":\(ok)}", 0),  // lone low surrogate
            ("{\"\\u12\":\(ok)}", 0),  // short \u escape
            ("{\"a\":[1,2}", 0),
            ("", 0),
            ("   ", 0),
        ]
        for (body, _) in cases {
            let (error, _) = try rejection(header(body, data: 4))
            guard case .invalidHeaderJSON = error else { return XCTFail("\(body): \(error)") }
        }
        let (error, path) = try rejection(header("{\"a\":\(ok)}x", data: 4))
        XCTAssertEqual(error, .invalidHeaderJSON(path: path, offset: 54, reason: "trailing characters after the JSON value"))
    }

    func testDeepNestingIsRefusedNotCrashed() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let (error, _) = try rejection(header("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":\(deep)}}", data: 4))
        guard case .invalidHeaderJSON(_, _, let reason) = error else { return XCTFail("\(error)") }
        XCTAssertTrue(reason.contains("nesting"), reason)
    }

    func testHeaderNotAnObject() throws {
        for body in ["[]", "\"x\"", "3", "null", "true", " [ ] "] {
            let (error, path) = try rejection(header(body, data: 0))
            XCTAssertEqual(error, .headerNotObject(path: path))
        }
    }

    // MARK: - Tensor entries

    func testUnknownDType() throws {
        for dtype in ["F31", "f32", "FLOAT32", "", "F8", "I4", "Q4_0"] {
            let (error, path) = try rejection(header("{\"w\":\(entry(dtype, [1], 0, 4))}", data: 4), tensor: "w")
            XCTAssertEqual(error, .unknownDType(path: path, tensor: "w", dtype: dtype))
        }
    }

    func testTensorEntryShapeErrors() throws {
        let cases: [(String, String)] = [
            ("[-2]", "dimension 0 is negative (-2)"),
            ("[1,-0]", "dimension 1 is negative (-0)"),
            ("[2.0]", "dimension 0 is not an integer (2.0)"),
            ("[2e0]", "dimension 0 is not an integer (2e0)"),
            ("[\"2\"]", "dimension 0 is not an integer (\"2\")"),
            ("[null]", "dimension 0 is not an integer (null)"),
            ("[99999999999999999999]", "dimension 0 is too large (99999999999999999999)"),
            ("[4294967296,4294967296]", "element count of [4294967296, 4294967296] overflows"),
            ("2", "expected an array of non-negative integers, found a number"),
            ("{}", "expected an array of non-negative integers, found an object"),
        ]
        for (shape, reason) in cases {
            let body = "{\"w\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[0,8]}}"
            let (error, path) = try rejection(header(body, data: 8), tensor: "w")
            XCTAssertEqual(error, .invalidShape(path: path, tensor: "w", reason: reason), shape)
        }
    }

    func testDataOffsetsNotTwoOrderedIntegers() throws {
        let cases: [(String, String)] = [
            ("[0,8,8]", "expected two integers [begin, end], found 3 values"),
            ("[0]", "expected two integers [begin, end], found 1 values"),
            ("[]", "expected two integers [begin, end], found 0 values"),
            ("[0.0,8]", "begin is not an integer (0.0)"),
            ("[0,8e0]", "end is not an integer (8e0)"),
            ("[-1,8]", "begin is negative (-1)"),
            ("[0,\"8\"]", "end is not an integer (\"8\")"),
            ("[8,0]", "begin 8 is after end 0"),
            ("[0,18446744073709551616]", "end is too large (18446744073709551616)"),
            ("\"0,8\"", "expected [begin, end], found a string"),
        ]
        for (offsets, reason) in cases {
            let body = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":\(offsets)}}"
            let (error, path) = try rejection(header(body, data: 8), tensor: "w")
            XCTAssertEqual(error, .invalidDataOffsets(path: path, tensor: "w", reason: reason), offsets)
        }
    }

    func testMalformedTensorEntry() throws {
        let cases: [(String, String)] = [
            ("5", "header entry is a number, expected an object with dtype, shape and data_offsets"),
            ("[]", "header entry is an array, expected an object with dtype, shape and data_offsets"),
            ("{\"shape\":[2],\"data_offsets\":[0,8]}", "missing field 'dtype'"),
            ("{\"dtype\":\"F32\",\"data_offsets\":[0,8]}", "missing field 'shape'"),
            ("{\"dtype\":\"F32\",\"shape\":[2]}", "missing field 'data_offsets'"),
            ("{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}", "dtype is a number, expected a string"),
            ("{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", "field 'dtype' appears more than once"),
        ]
        for (body, reason) in cases {
            let (error, path) = try rejection(header("{\"layer.0.w\":\(body)}", data: 8), tensor: "layer.0.w")
            XCTAssertEqual(error, .invalidTensorEntry(path: path, tensor: "layer.0.w", reason: reason), body)
        }
    }

    func testOffsetsOutsideTheDataSection() throws {
        let (error, path) = try rejection(header("{\"a\":\(entry("F32", [2], 0, 8)),\"b\":\(entry("F32", [2], 8, 16))}", data: 12),
                                          tensor: "b")
        XCTAssertEqual(error, .offsetsOutOfBounds(path: path, tensor: "b", begin: 8, end: 16, dataSize: 12))
    }

    func testOverlappingTensors() throws {
        let partial = "{\"a\":\(entry("F32", [2], 0, 8)),\"b\":\(entry("F32", [2], 4, 12))}"
        let (error, path) = try rejection(header(partial, data: 12), tensor: "b")
        XCTAssertEqual(error, .overlappingTensors(path: path, tensor: "b", other: "a"))

        let aliased = "{\"x\":\(entry("F32", [2], 0, 8)),\"y\":\(entry("I32", [2], 0, 8))}"
        let (same, samePath) = try rejection(header(aliased, data: 8), tensor: "y")
        XCTAssertEqual(same, .overlappingTensors(path: samePath, tensor: "y", other: "x"))

        let emptyInside = "{\"a\":\(entry("F32", [2], 0, 8)),\"z\":\(entry("F32", [0], 4, 4))}"
        let (inside, insidePath) = try rejection(header(emptyInside, data: 8), tensor: "z")
        XCTAssertEqual(inside, .overlappingTensors(path: insidePath, tensor: "z", other: "a"))
    }

    func testHolesInTheDataSection() throws {
        let gap = "{\"a\":\(entry("F32", [1], 0, 4)),\"b\":\(entry("F32", [1], 8, 12))}"
        let (error, path) = try rejection(header(gap, data: 12), tensor: "b")
        XCTAssertEqual(error, .uncoveredData(path: path, begin: 4, end: 8, before: "b"))

        let leading = "{\"a\":\(entry("F32", [1], 4, 8))}"
        let (lead, leadPath) = try rejection(header(leading, data: 8), tensor: "a")
        XCTAssertEqual(lead, .uncoveredData(path: leadPath, begin: 0, end: 4, before: "a"))

        let trailing = "{\"a\":\(entry("F32", [2], 0, 8))}"
        let (trail, trailPath) = try rejection(header(trailing, data: 12))
        XCTAssertEqual(trail, .uncoveredData(path: trailPath, begin: 8, end: 12, before: nil))

        let (none, nonePath) = try rejection(header("{}", data: 1))
        XCTAssertEqual(none, .uncoveredData(path: nonePath, begin: 0, end: 1, before: nil))
    }

    func testByteLengthMustMatchShapeTimesDType() throws {
        let cases: [(String, [Int], Int, Int?)] = [
            ("F32", [3], 8, 12),
            ("F16", [4], 4, 8),
            ("BF16", [2, 2], 6, 8),
            ("I64", [1], 4, 8),
            ("C64", [1], 4, 8),
            ("F32", [], 0, 4),
            ("F32", [0], 4, 0),
            ("F4", [3], 2, nil),  // 12 bits: not a whole number of bytes
            ("F6_E2M3", [3], 3, nil),  // 18 bits
            ("F6_E3M2", [4], 4, 3),
        ]
        for (dtype, shape, bytes, expected) in cases {
            let (error, path) = try rejection(header("{\"t\":\(entry(dtype, shape, 0, bytes))}", data: bytes), tensor: "t")
            XCTAssertEqual(error, .byteCountMismatch(path: path, tensor: "t", dtype: SafeTensorsDType(rawValue: dtype)!,
                                                     shape: shape, expected: expected, actual: bytes), "\(dtype) \(shape)")
        }
    }

    func testDuplicateTensorNames() throws {
        // Identical duplicates: the reference keeps one silently and accepts this file; we refuse it.
        let e = entry("F32", [2], 0, 8)
        let (error, path) = try rejection(header("{\"w\":\(e),\"w\":\(e)}", data: 8), tensor: "w")
        XCTAssertEqual(error, .duplicateTensor(path: path, tensor: "w"))

        // The same name spelled with an escape is still the same name.
        let (escaped, escapedPath) = try rejection(header("{\"w\":\(e),\"\\u0077\":\(e)}", data: 8), tensor: "w")
        XCTAssertEqual(escaped, .duplicateTensor(path: escapedPath, tensor: "w"))
    }

    func testMalformedMetadata() throws {
        let e = entry("F32", [2], 0, 8)
        let cases: [(String, String)] = [
            ("{\"__metadata__\":{\"format\":1},\"w\":\(e)}", "value of 'format' is a number, expected a string"),
            ("{\"__metadata__\":{\"format\":null},\"w\":\(e)}", "value of 'format' is null, expected a string"),
            ("{\"__metadata__\":[\"pt\"],\"w\":\(e)}", "expected an object of strings, found an array"),
            ("{\"__metadata__\":\"pt\",\"w\":\(e)}", "expected an object of strings, found a string"),
            ("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"},\"w\":\(e)}", "key 'k' appears more than once"),
            ("{\"__metadata__\":{},\"w\":\(e),\"__metadata__\":{}}", "__metadata__ appears more than once"),
        ]
        for (body, reason) in cases {
            let (error, path) = try rejection(header(body, data: 8))
            XCTAssertEqual(error, .invalidMetadata(path: path, reason: reason), body)
        }
    }

    func testDirectoryAndMissingFile() throws {
        XCTAssertThrowsError(try SafeTensorsFile(path: directory.url.path)) { error in
            XCTAssertEqual(error as? SafeTensorsError, .io(path: directory.url.path, operation: "open", message: "not a regular file"))
        }
        let missing = directory.path("missing.safetensors")
        XCTAssertThrowsError(try SafeTensorsFile(path: missing)) { error in
            guard case .io(let path, "open", _)? = error as? SafeTensorsError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missing)
            XCTAssertTrue("\(error)".contains(missing))
        }
    }

    // MARK: - What the reference accepts

    private func open(_ bytes: [UInt8]) throws -> SafeTensorsFile {
        counter += 1
        return try SafeTensorsFile(path: directory.write(bytes, to: "ok\(counter).safetensors"))
    }

    func testWhitespaceAroundTheHeaderObject() throws {
        let file = try open(header(" \n\t{ \"w\" : \(entry("F32", [2], 0, 8)) }\r\n   ", data: 8))
        XCTAssertEqual(file.tensorNames, ["w"])
        XCTAssertEqual(file.headerLength, 66)
    }

    func testUnknownFieldsAndNullMetadataAreIgnored() throws {
        let file = try open(header("{\"__metadata__\":null,\"w\":{\"dtype\":\"F32\",\"extra\":{\"x\":[1,2.5e3,true]},\"shape\":[2],\"data_offsets\":[0,8]}}", data: 8))
        XCTAssertEqual(file.metadata, [:])
        XCTAssertEqual(try file.info("w").shape, [2])
    }

    func testEmptyFileScalarsAndZeroSizedTensors() throws {
        let empty = try open(header("{}", data: 0))
        XCTAssertEqual(empty.tensors, [])
        XCTAssertEqual(empty.dataStart, 10)

        let body = "{\"s\":\(entry("F32", [], 0, 4)),\"z\":\(entry("F32", [0, 7], 4, 4)),\"zz\":\(entry("I64", [3, 0], 4, 4)),\"v\":\(entry("F32", [1], 4, 8))}"
        let file = try open(header(body, data: 8))
        XCTAssertEqual(file.tensorNames, ["s", "z", "zz", "v"])  // by (begin, end), then name
        XCTAssertEqual(try file.info("s").elementCount, 1)
        XCTAssertEqual(try file.info("z").elementCount, 0)
        XCTAssertEqual(try file.floats("z"), [])
    }

    func testEveryDTypeOfTheFormatIsRecognised() throws {
        var parts: [String] = []
        var offset = 0
        var expected: [String: (SafeTensorsDType, Int)] = [:]
        for dtype in SafeTensorsDType.allCases {
            let shape = dtype.bitWidth == 4 ? [2, 3] : dtype.bitWidth == 6 ? [4] : [3]
            let bytes = shape.reduce(1, *) * dtype.bitWidth / 8
            parts.append("\"t_\(dtype.rawValue)\":\(entry(dtype.rawValue, shape, offset, offset + bytes))")
            expected["t_\(dtype.rawValue)"] = (dtype, bytes)
            offset += bytes
        }
        XCTAssertEqual(SafeTensorsDType.allCases.count, 22)
        let file = try open(header("{" + parts.joined(separator: ",") + "}", data: offset))
        XCTAssertEqual(file.tensors.count, SafeTensorsDType.allCases.count)
        for info in file.tensors {
            XCTAssertEqual(info.dtype, expected[info.name]?.0)
            XCTAssertEqual(info.byteCount, expected[info.name]?.1)
        }
    }

    func testEscapedAndUnicodeNames() throws {
        let body = "{\"\\u0061\\u00e9\\ud83d\\ude42\\n\\/\":\(entry("F32", [1], 0, 4)),\"ß∑🙂\":\(entry("F32", [1], 4, 8))}"
        let file = try open(header(body, data: 8))
        XCTAssertEqual(file.tensorNames, ["aé🙂\n/", "ß∑🙂"])
    }
}
