import Foundation

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
