import Foundation
import ModelFormats

/// Paths inside the repository, found from this file's location so tests run from any working directory.
/// Models and data are fetched by scripts (not committed); a test that needs them fails with the command to run.
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    public static func fixture(_ name: String) -> URL {
        root.appendingPathComponent("Tests/Fixtures").appendingPathComponent(name)
    }

    /// `models/NAME`, or an error telling how to fetch it.
    public static func model(_ name: String) throws -> URL {
        let url = root.appendingPathComponent("models").appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Missing(description: "\(url.path) is missing: run scripts/fetch-models.sh \(name)")
        }
        return url
    }

    /// `data/PATH`, or an error telling how to fetch it.
    public static func data(_ path: String) throws -> URL {
        let url = root.appendingPathComponent("data").appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Missing(description: "\(url.path) is missing: run scripts/fetch-data.sh")
        }
        return url
    }

    /// Decodes a fixture's base64 little-endian float32 array.
    public static func floats(base64: String) -> [Float] {
        guard let data = Data(base64Encoded: base64) else { return [] }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}

extension Repository {
    /// A PEFT adapter directory made from the fixture `Tests/Fixtures/NAME/`: its adapter_config.json, and
    /// adapter_model.safetensors written from adapter_tensors.json (the repository keeps no weight files). Written once
    /// per process under the temporary directory; the directory keeps the fixture's name.
    public static func adapterFixture(_ name: String) throws -> URL {
        let source = fixture(name)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("exemplar-fixtures-\(ProcessInfo.processInfo.processIdentifier)")
            .appendingPathComponent(name)
        let weights = directory.appendingPathComponent("adapter_model.safetensors")
        if FileManager.default.fileExists(atPath: weights.path) { return directory }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("adapter_config.json")
        try? FileManager.default.removeItem(at: config)
        try FileManager.default.copyItem(at: source.appendingPathComponent("adapter_config.json"), to: config)
        struct Tensors: Decodable {
            struct Entry: Decodable { let name: String; let shape: [Int]; let base64: String }
            let tensors: [Entry]
        }
        let tensors = try JSONDecoder().decode(Tensors.self,
                                               from: Data(contentsOf: source.appendingPathComponent("adapter_tensors.json")))
        var writer = SafeTensorsWriter()
        for entry in tensors.tensors { try writer.add(entry.name, shape: entry.shape, values: floats(base64: entry.base64)) }
        try writer.write(to: weights.path)
        return directory
    }
}
