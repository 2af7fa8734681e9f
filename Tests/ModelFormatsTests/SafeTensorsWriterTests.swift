import XCTest
@testable import ModelFormats

final class SafeTensorsWriterTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory = nil }

    /// Our bytes equal what Python's safetensors 0.8 `serialize` produced for the same tensors (fixture), whatever
    /// order the tensors are added in.
    func testByteLayoutMatchesTheReferenceLibrary() throws {
        for reference in try ReferenceFixture.load().safetensors {
            for order in [reference.tensors, reference.tensors.reversed()] {
                var writer = SafeTensorsWriter(metadata: reference.metadata)
                for tensor in order {
                    try writer.add(tensor.name, shape: tensor.shape, values: tensor.values,
                                   as: SafeTensorsDType(rawValue: tensor.dtype)!)
                }
                XCTAssertEqual(try writer.serialized(), reference.bytes, reference.label)
                let path = directory.path("\(reference.label).safetensors")
                try writer.write(to: path)
                XCTAssertEqual(try readBytes(path), reference.bytes, reference.label)
            }
        }
    }

    func testRoundTripWithMetadataAndHalfPrecision() throws {
        let weights = (0..<24).map { Float($0) * 0.125 - 1 }  // all exactly representable in F16 and BF16
        var writer = SafeTensorsWriter(metadata: ["format": "pt", "base_model": "all-MiniLM-L6-v2", "ünïcode": "\"q\"\n"])
        try writer.add("layer.weight", shape: [4, 6], values: weights)
        try weights.withUnsafeBufferPointer { try writer.add("layer.half", shape: [2, 12], values: $0, as: .f16) }
        try writer.add("layer.brain", shape: [24], values: weights, as: .bf16)
        let ids: [Int64] = [3, 1, 4]
        try ids.withUnsafeBytes { try writer.addRaw("ids", dtype: .i64, shape: [1, 3], bytes: $0) }
        try writer.add("scalar", shape: [], values: [42])
        XCTAssertEqual(writer.tensorNames, ["layer.weight", "layer.half", "layer.brain", "ids", "scalar"])

        let path = directory.path("round.safetensors")
        try writer.write(to: path)
        let file = try SafeTensorsFile(path: path)
        XCTAssertEqual(file.metadata, writer.metadata)
        // I64 ranks above F32, F32 above BF16 above F16; names break ties.
        XCTAssertEqual(file.tensorNames, ["ids", "layer.weight", "scalar", "layer.brain", "layer.half"])
        XCTAssertEqual(try file.floats("layer.weight"), weights)
        XCTAssertEqual(try file.floats("layer.half"), weights)
        XCTAssertEqual(try file.floats("layer.brain"), weights)
        XCTAssertEqual(try file.info("layer.half").shape, [2, 12])
        XCTAssertEqual(try file.floats("scalar"), [42])
        XCTAssertEqual(try file.withUnsafeRawBytes(of: "ids") { Array($0) }, ids.withUnsafeBytes { Array($0) })
        XCTAssertEqual(file.dataStart % 8, 0)
    }

    func testHeaderIsPaddedWithSpacesToEightBytes() throws {
        for length in 1...16 {
            var writer = SafeTensorsWriter()
            try writer.add(String(repeating: "n", count: length), shape: [1], values: [1])
            let bytes = try writer.serialized()
            let n = Int(bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
            XCTAssertEqual(n % 8, 0)
            let header = Array(bytes[8..<(8 + n)])
            let end = header.lastIndex(of: UInt8(ascii: "}"))! + 1
            XCTAssertTrue(header[end...].allSatisfy { $0 == UInt8(ascii: " ") })
            XCTAssertLessThan(header.count - end, 8)
        }
    }

    func testWriterRejectsBadTensors() throws {
        var writer = SafeTensorsWriter()
        try writer.add("a", shape: [2], values: [1, 2])
        let cases: [(() throws -> Void, SafeTensorsError)] = [
            ({ try writer.add("a", shape: [2], values: [1, 2]) },
             .invalidTensor(tensor: "a", reason: "a tensor with this name was already added")),
            ({ try writer.add("__metadata__", shape: [1], values: [1]) },
             .invalidTensor(tensor: "__metadata__", reason: "the name is reserved for the metadata map")),
            ({ try writer.add("b", shape: [2, 2], values: [1, 2, 3]) },
             .invalidTensor(tensor: "b", reason: "shape [2, 2] has 4 elements but 3 values were given")),
            ({ try writer.add("c", shape: [-1], values: []) },
             .invalidTensor(tensor: "c", reason: "shape [-1] has a negative dimension")),
            ({ try writer.add("d", shape: [1], values: [1], as: .i32) },
             .invalidTensor(tensor: "d", reason: "Float values are stored as F32, F16 or BF16, not I32")),
            ({ try [UInt8](repeating: 0, count: 3).withUnsafeBytes { try writer.addRaw("e", dtype: .i16, shape: [2], bytes: $0) } },
             .invalidTensor(tensor: "e", reason: "shape [2] of I16 needs 4 bytes but 3 were given")),
            ({ try [UInt8](repeating: 0, count: 2).withUnsafeBytes { try writer.addRaw("f", dtype: .f4, shape: [3], bytes: $0) } },
             .invalidTensor(tensor: "f", reason: "shape [3] of F4 is not a whole number of bytes")),
        ]
        for (call, expected) in cases {
            XCTAssertThrowsError(try call()) { XCTAssertEqual($0 as? SafeTensorsError, expected) }
        }
        XCTAssertEqual(writer.tensorNames, ["a"])
    }

    /// The write replaces an existing file in one step and leaves no temporary file behind.
    func testAtomicReplaceLeavesNoTemporaryFiles() throws {
        let path = try directory.write(Array("old contents".utf8), to: "model.safetensors")
        var writer = SafeTensorsWriter(metadata: ["step": "2"])
        try writer.add("w", shape: [3], values: [1, 2, 3])
        try writer.write(to: path)
        XCTAssertEqual(try directory.contents(), ["model.safetensors"])
        XCTAssertEqual(try SafeTensorsFile(path: path).floats("w"), [1, 2, 3])
    }

    func testFailedWriteNamesThePathAndLeavesNothingBehind() throws {
        var writer = SafeTensorsWriter()
        try writer.add("w", shape: [1], values: [1])

        let missingDirectory = directory.path("no/such/dir/model.safetensors")
        XCTAssertThrowsError(try writer.write(to: missingDirectory)) { error in
            guard case .io(let path, let operation, _)? = error as? SafeTensorsError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missingDirectory)
            XCTAssertTrue(operation.hasPrefix("create (temporary file \(self.directory.path("no/such/dir/.model.safetensors."))"),
                          operation)
        }

        // The target is a directory: everything is written, then the rename fails; the temporary file is removed
        // and the directory is untouched.
        let occupied = directory.path("occupied")
        try FileManager.default.createDirectory(atPath: occupied + "/inner", withIntermediateDirectories: true)
        XCTAssertThrowsError(try writer.write(to: occupied)) { error in
            XCTAssertEqual((error as? SafeTensorsError).map { if case .io(let p, "rename to final name", _) = $0 { return p } else { return "" } },
                           occupied)
        }
        XCTAssertEqual(try directory.contents(), ["occupied"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: occupied), ["inner"])
    }
}
