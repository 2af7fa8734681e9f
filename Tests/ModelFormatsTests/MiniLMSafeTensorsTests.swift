import XCTest
@testable import ModelFormats

/// Reads the real all-MiniLM-L6-v2 checkpoint through the mapping and compares with values read by Python
/// (`safetensors.numpy.load_file`, recorded in the fixture by scripts/reference/safetensors_fixture.py).
final class MiniLMSafeTensorsTests: XCTestCase {
    private func openModel(file: StaticString = #filePath, line: UInt = #line) throws -> SafeTensorsFile? {
        let path = packageRoot.appendingPathComponent("models/all-MiniLM-L6-v2/model.safetensors").path
        guard FileManager.default.fileExists(atPath: path) else {
            XCTFail("missing \(path): run scripts/fetch-models.sh all-MiniLM-L6-v2", file: file, line: line)
            return nil
        }
        return try SafeTensorsFile(path: path)
    }

    func testHeaderNamesAndShapes() throws {
        guard let model = try openModel() else { return }
        let reference = try ReferenceFixture.load().minilm
        XCTAssertEqual(model.fileSize, 90_868_376)
        XCTAssertEqual(model.headerLength, reference.header_length)
        XCTAssertEqual(model.tensors.count, reference.tensor_count)
        XCTAssertEqual(model.tensors.count, 104)
        XCTAssertEqual(model.tensorNames.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, reference.names_sorted)
        XCTAssertEqual(model.metadata, reference.metadata)
        XCTAssertEqual(model.metadata, ["format": "pt"])
        XCTAssertEqual(try model.info("embeddings.word_embeddings.weight").shape, [30522, 384])
        XCTAssertEqual(try model.info("encoder.layer.3.intermediate.dense.weight").shape, [1536, 384])
        XCTAssertEqual(Set(model.tensors.map(\.dtype)), [.f32, .i64])
        for (name, expected) in reference.tensors {
            let info = try model.info(name)
            XCTAssertEqual(info.dtype.rawValue, expected.dtype, name)
            XCTAssertEqual(info.shape, expected.shape, name)
            XCTAssertEqual([info.dataOffsets.lowerBound, info.dataOffsets.upperBound], expected.data_offsets, name)
        }
    }

    func testValuesMatchPython() throws {
        guard let model = try openModel() else { return }
        let reference = try ReferenceFixture.load().minilm
        for (name, expected) in reference.tensors {
            let values: [Double]
            if expected.dtype == "I64" {
                values = try model.withUnsafeRawBytes(of: name) { raw in
                    (0..<(raw.count / 8)).map { Double(raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
                }
            } else {
                values = try model.floats(name).map(Double.init)
            }
            XCTAssertEqual(Array(values.prefix(4)), expected.first, name)
            XCTAssertEqual(values.last, expected.last, name)
            let sum = values.reduce(0, +)
            XCTAssertEqual(sum, expected.sum, accuracy: 1e-9 * max(1, abs(expected.sum)) + 1e-9, name)
        }
    }

    func testCopyIntoModelStorage() throws {
        guard let model = try openModel() else { return }
        let reference = try ReferenceFixture.load().minilm
        let (V, C) = (30522, 384)
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: V * C)  // (V, C)
        defer { storage.deallocate() }
        try model.copyFloats("embeddings.word_embeddings.weight", into: storage, count: V * C)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: storage + 101 * C, count: 8)), reference.word_embeddings_row_101)
        XCTAssertEqual(Double(storage[V * C - 1]), reference.tensors["embeddings.word_embeddings.weight"]!.last)
        XCTAssertThrowsError(try model.copyFloats("embeddings.word_embeddings.weight", into: storage, count: V * C - 1))
    }
}
