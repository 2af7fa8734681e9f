import XCTest
@testable import ModelFormats

final class NPYTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory = nil }

    /// Whole files (header and data) equal `numpy.save`'s for the fixture arrays.
    func testBytesMatchNumpy() throws {
        for reference in try ReferenceFixture.load().npy {
            let path = directory.path("\(reference.label).npy")
            try NPYWriter.write(reference.values, shape: reference.shape, to: path)
            XCTAssertEqual(try readBytes(path), reference.bytes, reference.label)
            let headerLength = Int(reference.bytes[8]) | Int(reference.bytes[9]) << 8
            XCTAssertEqual((10 + headerLength) % 64, 0)
        }
    }

    func testReadsNumpyFiles() throws {
        for reference in try ReferenceFixture.load().npy {
            let array = try NPYArray(path: directory.write(reference.bytes, to: "\(reference.label).npy"))
            XCTAssertEqual(array.shape, reference.shape)
            XCTAssertEqual(array.values, reference.values)
        }
    }

    /// Rows arrive in batches with no count known up front; the header gets the count at the end, and nothing is
    /// visible under the final name before `finish()`.
    func testStreamingWriteWithUnknownRowCount() throws {
        let reference = try ReferenceFixture.load().npy.first { $0.label == "matrix_2x384" }!
        let path = directory.path("embeddings.npy")
        let writer = try NPYWriter(path: path, columns: 384)
        try writer.append(Array(reference.values[0..<384]))
        try writer.append([])
        try reference.values[384...].withUnsafeBufferPointer { try writer.append($0) }
        XCTAssertEqual(writer.rowsWritten, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertEqual(try directory.contents().count, 1)  // the hidden temporary file
        try writer.finish()
        XCTAssertEqual(try directory.contents(), ["embeddings.npy"])
        XCTAssertEqual(try readBytes(path), reference.bytes)
        XCTAssertThrowsError(try writer.append([Float](repeating: 0, count: 384))) {
            XCTAssertEqual($0 as? NPYError, .alreadyFinished(path: path))
        }
        XCTAssertThrowsError(try writer.finish()) { XCTAssertEqual($0 as? NPYError, .alreadyFinished(path: path)) }
    }

    func testVectorStreamingAndManyRows() throws {
        let path = directory.path("v.npy")
        let writer = try NPYWriter(path: path, columns: nil, expectedRows: 100_003)
        var all: [Float] = []
        for batch in 0..<7 {
            let values = (0..<(batch == 6 ? 40_003 : 10_000)).map { Float(batch * 100_000 + $0) }
            try writer.append(values)
            all += values
        }
        try writer.finish()
        let array = try NPYArray(path: path)
        XCTAssertEqual(array.shape, [100_003])
        XCTAssertEqual(array.values, all)
    }

    func testRowErrors() throws {
        let path = directory.path("bad.npy")
        let writer = try NPYWriter(path: path, columns: 3, expectedRows: 2)
        XCTAssertThrowsError(try writer.append([1, 2, 3, 4])) {
            XCTAssertEqual($0 as? NPYError, .partialRow(path: path, columns: 3, count: 4))
            XCTAssertTrue("\($0)".contains(path))
        }
        try writer.append([1, 2, 3])
        XCTAssertThrowsError(try writer.finish()) {
            XCTAssertEqual($0 as? NPYError, .rowCountMismatch(path: path, expected: 2, written: 1))
        }
        writer.abandon()
        XCTAssertEqual(try directory.contents(), [])
        XCTAssertThrowsError(try NPYWriter.write([1, 2, 3], shape: [2, 2], to: path)) {
            XCTAssertEqual($0 as? NPYError, .invalidShape(path: path, reason: "shape [2, 2] does not hold 3 values"))
        }
    }

    func testDroppedWriterRemovesItsTemporaryFile() throws {
        do {
            let writer = try NPYWriter(path: directory.path("dropped.npy"), columns: 2)
            try writer.append([1, 2])
            XCTAssertEqual(try directory.contents().count, 1)
        }
        XCTAssertEqual(try directory.contents(), [])
    }

    func testIOErrorsNameTheFile() throws {
        let missing = directory.path("missing.npy")
        XCTAssertThrowsError(try NPYArray(path: missing)) { error in
            guard case .io(missing, "open", _)? = error as? NPYError else { return XCTFail("\(error)") }
        }
        let target = directory.path("no/dir/out.npy")
        XCTAssertThrowsError(try NPYWriter(path: target, columns: 2)) { error in
            guard case .io(target, let operation, _)? = error as? NPYError else { return XCTFail("\(error)") }
            XCTAssertTrue(operation.hasPrefix("create (temporary file "), operation)
        }
    }

    func testZeroColumnMatrix() throws {
        let path = directory.path("empty-columns.npy")
        try NPYWriter.write([], shape: [5, 0], to: path)
        let array = try NPYArray(path: path)
        XCTAssertEqual(array.shape, [5, 0])
        XCTAssertEqual(array.values, [])
    }

    // MARK: - Reader validation

    /// A version 1.0 or 2.0 file with the given header dict text and data bytes.
    private func npy(_ dict: String, data: [UInt8] = [], version: UInt8 = 1) -> [UInt8] {
        var header = Array(dict.utf8)
        let prefix = version == 1 ? 10 : 12
        header += [UInt8](repeating: 0x20, count: 63 - (prefix + header.count) % 64) + [0x0A]
        var bytes = NPYFormat.magic + [version, 0]
        if version == 1 {
            bytes += [UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
        } else {
            bytes += withUnsafeBytes(of: UInt32(header.count).littleEndian) { Array($0) }
        }
        return bytes + header + data
    }

    private func readError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> (NPYError?, String) {
        let path = try directory.write(bytes, to: "case.npy")
        do {
            _ = try NPYArray(path: path)
            XCTFail("accepted", file: file, line: line)
            return (nil, path)
        } catch {
            XCTAssertTrue("\(error)".contains(path), "\(error)", file: file, line: line)
            return (error as? NPYError, path)
        }
    }

    func testReaderAcceptsVersion2AndKeyOrder() throws {
        let data = floatBytes([1, 2, 3, 4, 5, 6])
        let bytes = npy("{\"shape\": (3,2), 'fortran_order': False, 'descr': '<f4'}", data: data, version: 2)
        let array = try NPYArray(bytes: bytes, path: "v2.npy")
        XCTAssertEqual(array.shape, [3, 2])
        XCTAssertEqual(array.values, [1, 2, 3, 4, 5, 6])
    }

    func testReaderRejectsMalformedFiles() throws {
        let good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
        let data = floatBytes([1, 2])

        var (error, path) = try readError(Array("\u{93}NUMPZ".utf8) + [1, 0, 0, 0])
        XCTAssertEqual(error, .notNPY(path: path))
        (error, path) = try readError([0x93, 0x4E])
        XCTAssertEqual(error, .notNPY(path: path))

        var wrongVersion = npy(good, data: data)
        wrongVersion[6] = 4
        (error, path) = try readError(wrongVersion)
        XCTAssertEqual(error, .unsupportedVersion(path: path, major: 4, minor: 0))

        (error, path) = try readError(npy(good.replacingOccurrences(of: "<f4", with: ">f4"), data: data))
        XCTAssertEqual(error, .unsupportedDType(path: path, descr: ">f4"))
        (error, path) = try readError(npy(good.replacingOccurrences(of: "<f4", with: "<f8"), data: data + data))
        XCTAssertEqual(error, .unsupportedDType(path: path, descr: "<f8"))
        (error, path) = try readError(npy(good.replacingOccurrences(of: "False", with: "True"), data: data))
        XCTAssertEqual(error, .fortranOrder(path: path))

        (error, path) = try readError(npy(good, data: Array(data.dropLast())))
        XCTAssertEqual(error, .dataSizeMismatch(path: path, shape: [2], expectedBytes: 8, actualBytes: 7))
        (error, path) = try readError(npy(good, data: data + [0, 0, 0, 0]))
        XCTAssertEqual(error, .dataSizeMismatch(path: path, shape: [2], expectedBytes: 8, actualBytes: 12))

        let malformed = [
            "{'descr': '<f4', 'fortran_order': False}",  // missing shape
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2), }",  // (2) is not a tuple
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
            "{'descr': '<f4', 'fortran_order': false, 'shape': (2,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': [2], }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (2,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } trailing",
            "['descr', '<f4']",
        ]
        for dict in malformed {
            (error, path) = try readError(npy(dict, data: data))
            guard case .invalidHeader? = error else { return XCTFail("\(dict): \(String(describing: error))") }
        }

        var longHeader = npy(good, data: data)
        longHeader[8] = 0xFF
        longHeader[9] = 0xFF
        (error, path) = try readError(longHeader)
        XCTAssertEqual(error, .invalidHeader(path: path, reason: "header length 65535 runs past the end of the file"))
    }
}
