import XCTest
@testable import ModelFormats

/// Malformed GGUF files, built byte by byte, are rejected at open time with a one-line error naming the file (and
/// the key or tensor); odd but valid ones are accepted.
final class GGUFValidationTests: XCTestCase {
    private struct Accepted: Error {}
    private var directory: TemporaryDirectory!
    private var counter = 0

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory = nil }

    private func write(_ bytes: [UInt8]) throws -> String {
        counter += 1
        return try directory.write(bytes, to: "case\(counter).gguf")
    }

    /// The error opening `bytes` raises, after checking its message names the file (and `naming`, if given) on
    /// one line.
    private func rejection(_ bytes: [UInt8], naming: String? = nil,
                           file: StaticString = #filePath, line: UInt = #line) throws -> (GGUFError, String) {
        let path = try write(bytes)
        do {
            _ = try GGUFFile(path: path)
        } catch {
            let message = error.description
            XCTAssertTrue(message.contains(path), "message does not name the file: \(message)", file: file, line: line)
            if let naming {
                XCTAssertTrue(message.contains("'\(naming)'"), "message does not name \(naming): \(message)", file: file, line: line)
            }
            XCTAssertFalse(message.contains("\n"), "message is not one line: \(message)", file: file, line: line)
            return (error, path)
        }
        XCTFail("file was accepted", file: file, line: line)
        throw Accepted()
    }

    /// A valid file: two keys, a Q8_0 tensor [64, 2] and an F32 tensor [3], with data.
    private func valid() -> GGUFBuilder {
        var b = GGUFBuilder()
        b.string("general.architecture", "llama")
        b.array("tokenizer.ggml.tokens", elementType: 8, count: 2, GGUFBuilder.string("a") + GGUFBuilder.string("bc"))
        b.tensor("w", type: 8, ne: [64, 2], offset: 0)  // 4 blocks of 34 bytes = 136, padded to 160
        b.tensor("n", type: 0, ne: [3], offset: 160)
        b.data = [UInt8](repeating: 0, count: 160) + GGUFBuilder.le(Float(1).bitPattern) + GGUFBuilder.le(Float(2).bitPattern)
            + GGUFBuilder.le(Float(-3).bitPattern)
        return b
    }

    func testValidFileOpens() throws {
        let path = try write(valid().bytes())
        let file = try GGUFFile(path: path)
        XCTAssertEqual(file.tensorNames, ["w", "n"])
        XCTAssertEqual(try file.floats("n"), [1, 2, -3])
        XCTAssertEqual(try file.floats("w"), [Float](repeating: 0, count: 128))
        XCTAssertEqual(Array(try file.metadata.strings("tokenizer.ggml.tokens")), ["a", "bc"])

        var v2 = valid()
        v2.version = 2
        XCTAssertEqual(try GGUFFile(path: try write(v2.bytes())).version, 2)
    }

    // MARK: - Framing

    func testEveryTruncationIsRejected() throws {
        let bytes = valid().bytes()
        for length in 0 ..< bytes.count {
            let (error, path) = try rejection(Array(bytes.prefix(length)))
            switch error {
            case .truncated(path, _, _), .badMagic(path, _), .tensorOutOfBounds(path, _, _, _, _): break
            default: XCTFail("prefix of \(length) bytes: unexpected \(error)")
            }
            if length < 4 { XCTAssertEqual(error, .truncated(path: path, offset: 0, what: "the magic \"GGUF\"")) }
        }
    }

    func testBadMagic() throws {
        for magic in ["GGML", "ggjt", "GGUf"] {
            var b = valid()
            b.magic = Array(magic.utf8)
            let (error, path) = try rejection(b.bytes())
            XCTAssertEqual(error, .badMagic(path: path, found: Array(magic.utf8)))
        }
        let (error, _) = try rejection([0x7F, 0x45, 0x4C, 0x46, 0, 0, 0, 0])
        XCTAssertTrue(error.description.contains("\\x7fELF"), error.description)
    }

    func testUnsupportedVersions() throws {
        for version: UInt32 in [0, 1, 4, 0x0300_0000] {
            var b = valid()
            b.version = version
            let (error, path) = try rejection(b.bytes())
            XCTAssertEqual(error, .unsupportedVersion(path: path, version: version))
            XCTAssertEqual(error.description.contains("big-endian"), version == 0x0300_0000)
        }
    }

    func testCountsBeyondTheFile() throws {
        // One tensor info too many reads the padding as a (nameless) tensor and fails later; far too many are
        // caught before anything is allocated for them.
        var one = valid()
        one.tensorCount = 3
        _ = try rejection(one.bytes())
        for count: UInt64 in [1 << 40, .max] {
            var b = valid()
            b.tensorCount = count
            let (error, _) = try rejection(b.bytes())
            guard case .truncated = error else { return XCTFail("\(count) tensors: \(error)") }
        }
        for count: UInt64 in [3, 1 << 62, .max] {
            var b = valid()
            b.keyCount = count
            let (error, _) = try rejection(b.bytes())
            guard case .truncated = error else { return XCTFail("\(count) keys: \(error)") }
        }
        var b = valid()
        b.array("big", elementType: 4, count: 1 << 61, [1, 2, 3, 4])
        guard case .truncated(_, _, let what) = try rejection(b.bytes(), naming: "big").0 else { return XCTFail() }
        XCTAssertTrue(what.contains("elements of array key 'big'"), what)

        var long = valid()
        long.key("s", type: 8, GGUFBuilder.le(UInt64.max) + Array("abc".utf8))
        guard case .truncated = try rejection(long.bytes(), naming: "s").0 else { return XCTFail() }
    }

    // MARK: - Metadata

    func testUnknownValueTypes() throws {
        var b = valid()
        b.key("odd", type: 13, [0])
        XCTAssertEqual(try rejection(b.bytes(), naming: "odd").0, .invalidValueType(path: try path(), key: "odd", rawType: 13))
        var a = valid()
        a.array("odd.array", elementType: 99, count: 1, [0])
        XCTAssertEqual(try rejection(a.bytes(), naming: "odd.array").0,
                       .invalidValueType(path: try path(), key: "odd.array", rawType: 99))
    }

    func testInvalidUTF8() throws {
        let bad: [[UInt8]] = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x80]]
        for bytes in bad {
            var key = valid()
            key.key(rawName: Array("k".utf8) + bytes, type: 4, GGUFBuilder.le(UInt32(1)))
            guard case .invalidUTF8(_, let what) = try rejection(key.bytes()).0 else { return XCTFail("key \(bytes)") }
            XCTAssertTrue(what.contains("metadata key 2"), what)

            var value = valid()
            value.key("v", type: 8, GGUFBuilder.string(bytes: bytes))
            XCTAssertEqual(try rejection(value.bytes(), naming: "v").0,
                           .invalidUTF8(path: try path(), what: "the value of key 'v'"))

            var element = valid()
            element.array("list", elementType: 8, count: 2, GGUFBuilder.string("ok") + GGUFBuilder.string(bytes: bytes))
            XCTAssertEqual(try rejection(element.bytes(), naming: "list").0,
                           .invalidUTF8(path: try path(), what: "element 1 of array key 'list'"))

            var name = valid()
            name.tensor(rawName: Array("t".utf8) + bytes, type: 0, ne: [1], offset: 192)
            guard case .invalidUTF8 = try rejection(name.bytes()).0 else { return XCTFail("tensor name \(bytes)") }
        }
        // Valid multi-byte text at the edges of the accepted ranges passes.
        var b = valid()
        b.key("edge", type: 8, GGUFBuilder.string(bytes: [0xC2, 0x80, 0xE0, 0xA0, 0x80, 0xED, 0x9F, 0xBF, 0xF0, 0x90, 0x80, 0x80,
                                                             0xF4, 0x8F, 0xBF, 0xBF]))
        XCTAssertEqual(try GGUFFile(path: try write(b.bytes())).metadata.string("edge"), "\u{80}\u{800}\u{D7FF}\u{10000}\u{10FFFF}")
    }

    func testDuplicateKey() throws {
        var b = valid()
        b.string("general.architecture", "qwen2")
        XCTAssertEqual(try rejection(b.bytes(), naming: "general.architecture").0,
                       .duplicateKey(path: try path(), key: "general.architecture"))
    }

    func testAlignment() throws {
        for value: UInt32 in [0, 48, 3] {
            var b = valid()
            b.uint32("general.alignment", value)
            guard case .invalidAlignment = try rejection(b.bytes()).0 else { return XCTFail("alignment \(value)") }
        }
        var wrongType = valid()
        wrongType.key("general.alignment", type: 10, GGUFBuilder.le(UInt64(32)))
        XCTAssertEqual(try rejection(wrongType.bytes()).0,
                       .invalidAlignment(path: try path(), reason: "value is UINT64, expected UINT32"))

        // A larger alignment moves the data section and governs the offsets.
        var b = valid()
        b.uint32("general.alignment", 256)
        b.alignment = 256
        XCTAssertEqual(try rejection(b.bytes(), naming: "n").0,
                       .misalignedTensor(path: try path(), tensor: "n", offset: 160, alignment: 256))
        var ok = GGUFBuilder()
        ok.uint32("general.alignment", 256)
        ok.alignment = 256
        ok.tensor("a", type: 0, ne: [2], offset: 0)
        ok.tensor("b", type: 0, ne: [1], offset: 256)
        ok.data = GGUFBuilder.le(Float(5).bitPattern) + [UInt8](repeating: 0, count: 252) + GGUFBuilder.le(Float(7).bitPattern)
        let file = try GGUFFile(path: try write(ok.bytes()))
        XCTAssertEqual(file.alignment, 256)
        XCTAssertEqual(file.dataStart, 256)
        XCTAssertEqual(try file.floats("b"), [7])
    }

    func testNestedArrays() throws {
        var ok = valid()
        let inner = GGUFBuilder.le(UInt32(5)) + GGUFBuilder.le(UInt64(1)) + GGUFBuilder.le(Int32(-7))
        ok.array("nested", elementType: 9, count: 2, inner + inner)
        XCTAssertEqual(try GGUFFile(path: try write(ok.bytes())).metadata.array("nested"), .array([.int32([-7]), .int32([-7])]))

        var deep = valid()
        var payload = GGUFBuilder.le(UInt32(5)) + GGUFBuilder.le(UInt64(0))
        for _ in 0 ..< GGUFHeader.maxArrayDepth { payload = GGUFBuilder.le(UInt32(9)) + GGUFBuilder.le(UInt64(1)) + payload }
        deep.key("deep", type: 9, payload)
        XCTAssertEqual(try rejection(deep.bytes(), naming: "deep").0, .arrayNestedTooDeeply(path: try path(), key: "deep"))
    }

    // MARK: - Tensor infos

    func testDuplicateTensor() throws {
        var b = valid()
        b.tensor("w", type: 0, ne: [1], offset: 192)
        XCTAssertEqual(try rejection(b.bytes(), naming: "w").0, .duplicateTensor(path: try path(), tensor: "w"))
    }

    func testTooManyDimensions() throws {
        var b = valid()
        b.tensor("t5", type: 0, ne: [1, 1, 1, 1, 1], offset: 192)
        XCTAssertEqual(try rejection(b.bytes(), naming: "t5").0, .tooManyDimensions(path: try path(), tensor: "t5", count: 5))
    }

    func testUnknownTensorType() throws {
        for raw: UInt32 in [4, 5, 31, 99, .max] {
            var b = valid()
            b.tensor("odd", type: raw, ne: [32], offset: 192)
            XCTAssertEqual(try rejection(b.bytes(), naming: "odd").0, .unknownTensorType(path: try path(), tensor: "odd", rawType: raw))
        }
    }

    func testRowNotWholeBlocks() throws {
        for (type, ne) in [(UInt32(2), UInt64(48)), (12, 896), (8, 1)] {
            var b = valid()
            b.tensor("q", type: type, ne: [ne, 2], offset: 192)
            let tensorType = GGUFTensorType(rawValue: type)!
            XCTAssertEqual(try rejection(b.bytes(), naming: "q").0,
                           .rowNotWholeBlocks(path: try path(), tensor: "q", type: tensorType, rowLength: Int(ne)))
        }
    }

    func testShapeOverflow() throws {
        var big = valid()
        big.tensor("big", type: 0, ne: [1 << 63], offset: 192)
        guard case .invalidShape = try rejection(big.bytes(), naming: "big").0 else { return XCTFail() }
        var product = valid()
        product.tensor("product", type: 0, ne: [1 << 32, 1 << 32], offset: 192)
        guard case .invalidShape = try rejection(product.bytes(), naming: "product").0 else { return XCTFail() }
        var rows = valid()
        rows.tensor("rows", type: 0, ne: [0, 1 << 40, 1 << 40], offset: 192)
        guard case .invalidShape = try rejection(rows.bytes(), naming: "rows").0 else { return XCTFail() }
        var bytes = valid()
        bytes.tensor("bytes", type: 0, ne: [1 << 62], offset: 192)  // 2^62 elements of 4 bytes
        guard case .invalidShape = try rejection(bytes.bytes(), naming: "bytes").0 else { return XCTFail() }
    }

    func testOffsets() throws {
        var misaligned = valid()
        misaligned.tensor("m", type: 0, ne: [1], offset: 16)
        XCTAssertEqual(try rejection(misaligned.bytes(), naming: "m").0,
                       .misalignedTensor(path: try path(), tensor: "m", offset: 16, alignment: 32))

        var past = valid()
        past.tensor("p", type: 0, ne: [8], offset: 192)
        let start = UInt64(past.dataStart)
        XCTAssertEqual(try rejection(past.bytes(), naming: "p").0,
                       .tensorOutOfBounds(path: try path(), tensor: "p", begin: start + 192, end: start + 224,
                                          fileSize: past.bytes().count))

        var huge = valid()
        huge.tensor("h", type: 0, ne: [1], offset: UInt64.max - 31)
        guard case .tensorOutOfBounds = try rejection(huge.bytes(), naming: "h").0 else { return XCTFail() }

        var overlap = valid()
        overlap.tensor("o", type: 0, ne: [1], offset: 128)  // inside w's 136 bytes
        overlap.data += [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(try rejection(overlap.bytes(), naming: "o").0,
                       .overlappingTensors(path: try path(), tensor: "o", other: "w"))
    }

    /// ggml wants tensors packed in file order; readers need not, and an empty tensor takes no room.
    func testLenientLayoutsAreAccepted() throws {
        var b = GGUFBuilder()
        b.tensor("second", type: 0, ne: [1], offset: 32)
        b.tensor("first", type: 0, ne: [1], offset: 0)
        b.tensor("empty", type: 0, ne: [0, 4], offset: 0)
        b.tensor("gap", type: 0, ne: [1], offset: 128)
        b.data = GGUFBuilder.le(Float(1).bitPattern) + [UInt8](repeating: 0, count: 28) + GGUFBuilder.le(Float(2).bitPattern)
            + [UInt8](repeating: 0, count: 92) + GGUFBuilder.le(Float(3).bitPattern)
        let file = try GGUFFile(path: try write(b.bytes()))
        XCTAssertEqual(try file.floats("first"), [1])
        XCTAssertEqual(try file.floats("second"), [2])
        XCTAssertEqual(try file.floats("gap"), [3])
        XCTAssertEqual(try file.floats("empty"), [])
        XCTAssertEqual(try file.info("empty").shape, [4, 0])
    }

    func testNotAFile() throws {
        let missing = directory.path("missing.gguf")
        XCTAssertThrowsError(try GGUFFile(path: missing)) { error in
            guard case .io(missing, "open", _)? = error as? GGUFError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try GGUFFile(path: directory.url.path)) { error in
            XCTAssertEqual(error as? GGUFError, .io(path: directory.url.path, operation: "open", message: "not a regular file"))
        }
    }

    /// The path of the file the last `rejection` wrote.
    private func path() throws -> String { directory.path("case\(counter).gguf") }
}
