import Foundation
import XCTest
@testable import ModelFormats

/// The package root, found from this file's path so tests run from any working directory.
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh directory under the system temporary directory, removed when the test's object goes away.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("modelformats-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// File names in the directory (hidden ones included), sorted.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

/// A safetensors file from a header string and a data section.
func safetensorsBytes(header: String, data: [UInt8] = []) -> [UInt8] {
    let json = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + data
}

/// One tensor's header entry.
func entry(_ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
    "{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(begin),\(end)]}"
}

func floatBytes(_ values: [Float]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

func readBytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

// MARK: - Fixture

/// Tests/Fixtures/safetensors_reference.json, made by scripts/reference/safetensors_fixture.py.
struct ReferenceFixture: Decodable {
    struct Tensor: Decodable {
        let name: String
        let dtype: String
        let shape: [Int]
        let values: [Float]
    }
    struct SafeTensorsCase: Decodable {
        let label: String
        let metadata: [String: String]
        let tensors: [Tensor]
        let base64: String
        var bytes: [UInt8] { Array(Data(base64Encoded: base64)!) }
    }
    struct NPYCase: Decodable {
        let label: String
        let shape: [Int]
        let values: [Float]
        let base64: String
        var bytes: [UInt8] { Array(Data(base64Encoded: base64)!) }
    }
    struct MiniLMTensor: Decodable {
        let dtype: String
        let shape: [Int]
        let data_offsets: [Int]
        let first: [Double]
        let last: Double
        let sum: Double
    }
    struct MiniLM: Decodable {
        let header_length: Int
        let tensor_count: Int
        let metadata: [String: String]
        let names_sorted: [String]
        let tensors: [String: MiniLMTensor]
        let word_embeddings_row_101: [Float]
    }
    let safetensors: [SafeTensorsCase]
    let npy: [NPYCase]
    let minilm: MiniLM

    static func load() throws -> ReferenceFixture {
        let url = packageRoot.appendingPathComponent("Tests/Fixtures/safetensors_reference.json")
        return try JSONDecoder().decode(ReferenceFixture.self, from: Data(contentsOf: url))
    }
}
