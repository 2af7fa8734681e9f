import Foundation
import XCTest
import Tensor

/// Tests/Fixtures/nf4_reference.json (written by scripts/reference/nf4_fixtures.py from bitsandbytes itself) and the
/// inputs it refers to: stored, regenerated from the same integer generator, or read from the MiniLM checkpoint.
struct NF4Fixture {
    let json: [String: Any]

    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func load() throws -> NF4Fixture {
        let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/nf4_reference.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        return NF4Fixture(json: try XCTUnwrap(object as? [String: Any]))
    }

    func floats(bitsKey key: String) throws -> [Float] {
        try XCTUnwrap(json[key] as? [Int], key).map { Float(bitPattern: UInt32($0)) }
    }

    var cases: [[String: Any]] { json["cases"] as? [[String: Any]] ?? [] }

    func namedCase(_ name: String) throws -> [String: Any] {
        try XCTUnwrap(cases.first { $0["name"] as? String == name }, "fixture case \(name)")
    }

    /// The input matrix of a case, checked against the fixture's hash when it is not stored.
    func input(of c: [String: Any]) throws -> Tensor {
        let shape = try XCTUnwrap(c["shape"] as? [Int])
        let values: [Float]
        if let stored = c["input_f32_b64"] as? String {
            values = try Self.floats(base64: stored)
        } else if let generator = c["generator"] as? [String: Any] {
            let rows = try XCTUnwrap(generator["rows"] as? Int), cols = try XCTUnwrap(generator["cols"] as? Int)
            values = Self.lcgNormal(rows: rows, cols: cols, seed: UInt32(try XCTUnwrap(generator["seed"] as? Int)))
        } else {
            let source = try XCTUnwrap(c["source"] as? [String: Any])
            values = try Self.safetensorsFloats(file: try XCTUnwrap(source["file"] as? String),
                                                tensor: try XCTUnwrap(source["tensor"] as? String))
        }
        if let hash = c["input_fnv1a64"] as? String {
            XCTAssertEqual(Self.fnv1a64(values), hash, "\(c["name"] ?? "?"): input differs from the fixture's")
        }
        return Tensor(shape: shape, values: values)
    }

    static func bytes(base64: String) throws -> [UInt8] {
        [UInt8](try XCTUnwrap(Data(base64Encoded: base64)))
    }

    static func floats(base64: String) throws -> [Float] {
        let b = try bytes(base64: base64)
        return (0..<(b.count / 4)).map { i in
            Float(bitPattern: UInt32(b[4 * i]) | UInt32(b[4 * i + 1]) << 8 | UInt32(b[4 * i + 2]) << 16 | UInt32(b[4 * i + 3]) << 24)
        }
    }

    /// FNV-1a 64 of the little-endian float32 bytes, as 16 hex digits (the fixture's checksum of large arrays).
    static func fnv1a64(_ values: [Float]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for v in values {
            var bits = v.bitPattern.littleEndian
            for _ in 0..<4 {
                h = (h ^ UInt64(bits & 0xFF)) &* 0x100_0000_01B3
                bits >>= 8
            }
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The script's `lcg`: s ← 1664525·s + 1013904223 (mod 2^32), each new state.
    static func lcg(_ count: Int, seed: UInt32) -> [UInt32] {
        var s = seed
        return (0..<count).map { _ in
            s = 1_664_525 &* s &+ 1_013_904_223
            return s
        }
    }

    /// The script's `lcg_uniform`: floats in [2^-5, 2^-4) with random mantissas.
    static func lcgUniform(_ count: Int, seed: UInt32) -> [Float] {
        lcg(count, seed: seed).map { Float(bitPattern: $0 >> 9 | 0x3D00_0000) }
    }

    /// The script's `lcg_normal`: an Irwin–Hall sample from float32 operations only, scaled 2^(row mod 9 − 6).
    static func lcgNormal(rows: Int, cols: Int, seed: UInt32) -> [Float] {
        let u = lcg(rows * cols * 4, seed: seed).map { Float($0 >> 8) * Float(sign: .plus, exponent: -24, significand: 1) }
        return (0..<(rows * cols)).map { i in
            let x = ((u[4 * i] + u[4 * i + 1]) + (u[4 * i + 2] + u[4 * i + 3])) - 2
            return x * Float(sign: .plus, exponent: (i / cols) % 9 - 6, significand: 1)
        }
    }

    /// One float32 tensor of a safetensors file under the repository (8-byte header length, JSON header, data).
    static func safetensorsFloats(file: String, tensor: String) throws -> [Float] {
        let url = repositoryRoot.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Missing(description: "\(url.path) is missing: run scripts/fetch-models.sh all-MiniLM-L6-v2")
        }
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        let entry = try XCTUnwrap(header[tensor] as? [String: Any], "\(tensor) in \(file)")
        XCTAssertEqual(entry["dtype"] as? String, "F32")
        let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
        let bytes = data.subdata(in: (8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1]))
        return bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}
