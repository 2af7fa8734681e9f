import Foundation
import TestSupport
import XCTest
@testable import ModelFormats

/// Tests/Fixtures/gguf_reference.json, written by scripts/reference/gguf_fixtures.py (gguf-py and transformers).
struct GGUFFixture: Decodable {
    /// A JSON scalar of unknown type, decoded as exactly as JSON allows (integers beyond Int64 as UInt64).
    enum Scalar: Decodable, Equatable {
        case bool(Bool), int(Int64), uint(UInt64), double(Double), string(String)

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Bool.self) { self = .bool(v) }
            else if let v = try? c.decode(Int64.self) { self = .int(v) }
            else if let v = try? c.decode(UInt64.self) { self = .uint(v) }
            else if let v = try? c.decode(Double.self) { self = .double(v) }
            else { self = .string(try c.decode(String.self)) }
        }

        var double: Double? {
            switch self {
            case .int(let v): return Double(v)
            case .uint(let v): return Double(v)
            case .double(let v): return v
            default: return nil
            }
        }
    }

    struct Longest: Decodable { let index: Int; let value: String }

    struct Metadata: Decodable {
        let key: String
        let type: String
        let value: Scalar?
        let element_type: String?
        let count: Int?
        let head: [Scalar]?
        let tail: [Scalar]?
        let longest: Longest?
        let utf8_bytes: Int?
        let sum: Double?
    }

    struct Row: Decodable {
        let index: Int
        let prefix: String
        let sha256: String
        var prefixValues: [Float] { Repository.floats(base64: prefix) }
    }

    struct Sample: Decodable { let name: String; let type: String; let rows: [Row] }

    struct Whole: Decodable {
        let name: String
        let type: String
        let elements: Int
        let sha256: String
        let sum: Double
        let sum_squares: Double
    }

    /// [name, type, ne, offset from the data section]
    struct TensorInfo: Decodable {
        let name: String
        let type: String
        let ne: [Int]
        let offset: Int

        init(from decoder: Decoder) throws {
            var c = try decoder.unkeyedContainer()
            name = try c.decode(String.self)
            type = try c.decode(String.self)
            ne = try c.decode([Int].self)
            offset = try c.decode(Int.self)
        }
    }

    /// SHA-256 of rows 0, stride, 2·stride, … of a dequantised tensor (stride 1: the whole tensor).
    struct StridedDigest: Decodable { let stride: Int; let sha256: String }

    struct ModelFile: Decodable {
        let label: String
        let path: String
        let file_sha256: String
        let version: UInt32
        let tensor_count: Int
        let kv_count: Int
        let alignment: Int
        let data_offset: Int
        let metadata: [Metadata]
        let type_counts: [String: Int]
        let tensor_infos: [TensorInfo]
        let tensor_sha256: [String: StridedDigest]
        let samples: [Sample]
        let whole: [Whole]
    }

    struct SyntheticTensor: Decodable {
        let name: String
        let type: String
        let ne: [Int]
        let offset: Int
        let values: String?
        let sha256: String?
    }

    struct Synthetic: Decodable {
        let gguf: String
        let alignment: Int
        let data_offset: Int
        let tensors: [SyntheticTensor]
        let metadata: [Metadata]
        var bytes: [UInt8] { Array(Data(base64Encoded: gguf)!) }
    }

    struct PermutedTensor: Decodable { let name: String; let rows: Int; let sha256: String; let first_rows: String }

    struct RowOrder: Decodable {
        let tensor: String
        let head_count: Int
        let head_count_kv: Int
        let rows: Int
        let stored_row_of_model_row: [Int]
    }

    struct Permutation: Decodable {
        let file: String
        let head_count: Int
        let head_count_kv: Int
        let tensors: [PermutedTensor]
        let row_orders: [RowOrder]
    }

    /// type name → [ggml id, block size, bytes per block]
    let type_sizes: [String: [Int]]
    let files: [ModelFile]
    let synthetic: Synthetic
    let permutation: Permutation

    static func load() throws -> GGUFFixture {
        try JSONDecoder().decode(GGUFFixture.self, from: Data(contentsOf: Repository.fixture("gguf_reference.json")))
    }

    /// The model file a fixture entry describes, or an error saying how to fetch it.
    static func open(_ file: ModelFile) throws -> GGUFFile {
        let directory = try Repository.model(file.label)
        return try GGUFFile(path: directory.appendingPathComponent((file.path as NSString).lastPathComponent).path)
    }
}

extension GGUFFixture {
    /// SHA-256 of floats as their little-endian bytes, as the fixture hashes them.
    static func sha256(_ values: UnsafeBufferPointer<Float>) -> String {
        var hash = SHA256()
        hash.update(UnsafeRawBufferPointer(values))
        return hash.hexDigest()
    }

    static func sha256(_ values: [Float]) -> String { values.withUnsafeBufferPointer { sha256($0) } }

    /// Index and bit patterns of the first element where two float arrays differ bitwise, for failure messages.
    static func firstBitDifference(_ a: [Float], _ b: [Float]) -> String? {
        if a.count != b.count { return "counts differ: \(a.count) vs \(b.count)" }
        for i in a.indices where a[i].bitPattern != b[i].bitPattern {
            return "element \(i): \(a[i]) (0x\(String(a[i].bitPattern, radix: 16))) vs \(b[i]) (0x\(String(b[i].bitPattern, radix: 16)))"
        }
        return nil
    }
}

// MARK: - Metadata comparison

/// A metadata value in the fixture's terms (integers exactly, floats as Double).
private func scalar(_ value: GGUFValue) -> GGUFFixture.Scalar? {
    switch value {
    case .uint64(let v): return Int64(exactly: v).map { .int($0) } ?? .uint(v)
    case .float32(let v): return .double(Double(v))
    case .float64(let v): return .double(v)
    case .bool(let v): return .bool(v)
    case .string(let v): return .string(v)
    case .array: return nil
    default: return value.intValue.map { .int(Int64($0)) }
    }
}

private func same(_ actual: GGUFFixture.Scalar?, _ expected: GGUFFixture.Scalar) -> Bool {
    guard let actual else { return false }
    if case .double(let a) = actual, let e = expected.double { return a == e }
    return actual == expected
}

/// The elements of a non-nested array in the fixture's terms.
private func elements(_ array: GGUFArray, _ indices: [Int]) -> [GGUFFixture.Scalar] {
    func pick<T>(_ values: [T], _ make: (T) -> GGUFFixture.Scalar) -> [GGUFFixture.Scalar] { indices.map { make(values[$0]) } }
    switch array {
    case .uint8(let a): return pick(a) { .int(Int64($0)) }
    case .int8(let a): return pick(a) { .int(Int64($0)) }
    case .uint16(let a): return pick(a) { .int(Int64($0)) }
    case .int16(let a): return pick(a) { .int(Int64($0)) }
    case .uint32(let a): return pick(a) { .int(Int64($0)) }
    case .int32(let a): return pick(a) { .int(Int64($0)) }
    case .int64(let a): return pick(a) { .int($0) }
    case .uint64(let a): return pick(a) { v in Int64(exactly: v).map { .int($0) } ?? .uint(v) }
    case .float32(let a): return pick(a) { .double(Double($0)) }
    case .float64(let a): return pick(a) { .double($0) }
    case .bool(let a): return pick(a) { .bool($0) }
    case .string(let a): return indices.map { .string(a[$0]) }
    case .array: return []
    }
}

/// Checks one key against gguf-py's reading of it: type, scalar value, or array element type, length, first and
/// last elements, longest string, total UTF-8 bytes and numeric sum.
func assertGGUFMetadata(_ metadata: GGUFMetadata, matches expected: GGUFFixture.Metadata, label: String,
                    file: StaticString = #filePath, line: UInt = #line) {
    let context = "\(label): \(expected.key)"
    guard let value = metadata[expected.key] else { return XCTFail("\(context) missing", file: file, line: line) }
    XCTAssertEqual(value.type.description, expected.type, context, file: file, line: line)
    guard case .array(let array) = value else {
        if let e = expected.value {
            XCTAssertTrue(same(scalar(value), e), "\(context): \(value) vs \(e)", file: file, line: line)
        } else {
            XCTFail("\(context): fixture has no value", file: file, line: line)
        }
        return
    }
    XCTAssertEqual(array.elementType.description, expected.element_type, context, file: file, line: line)
    XCTAssertEqual(array.count, expected.count, context, file: file, line: line)
    if let head = expected.head, let tail = expected.tail {
        let actual = elements(array, Array(0..<head.count)) + elements(array, Array(array.count - tail.count ..< array.count))
        XCTAssertEqual(actual.count, head.count + tail.count, context, file: file, line: line)
        for (a, e) in zip(actual, head + tail) {
            XCTAssertTrue(same(a, e), "\(context): \(a) vs \(e)", file: file, line: line)
        }
    }
    if case .string(let strings) = array {
        if let longest = expected.longest {
            let lengths = strings.indices.map { strings.utf8Count(at: $0) }
            let index = lengths.indices.max { (lengths[$0], -$0) < (lengths[$1], -$1) }
            XCTAssertEqual(index, longest.index, context, file: file, line: line)
            XCTAssertEqual(strings[longest.index], longest.value, context, file: file, line: line)
        }
        if let total = expected.utf8_bytes {
            XCTAssertEqual(strings.indices.reduce(0) { $0 + strings.utf8Count(at: $1) }, total, context, file: file, line: line)
        }
    }
    if let sum = expected.sum {  // Python sums booleans as 0 and 1
        let all = elements(array, Array(0..<array.count)).compactMap { e -> Double? in
            if case .bool(let flag) = e { return flag ? 1 : 0 }
            return e.double
        }
        XCTAssertEqual(all.reduce(0, +), sum, context, file: file, line: line)
    }
}
