import Foundation
import TestSupport
import XCTest
@testable import ModelFormats

/// A small file written by gguf-py's GGUFWriter (in the fixture): every metadata value type, alignment 64, and
/// random-bit blocks of every type Exemplar dequantises, compared bit for bit with gguf-py's dequantisation; plus
/// types it only exposes raw.
final class GGUFSyntheticTests: XCTestCase {
    private var fixture: GGUFFixture.Synthetic!
    private var directory: TemporaryDirectory!
    private var file: GGUFFile!

    override func setUpWithError() throws {
        fixture = try GGUFFixture.load().synthetic
        directory = try TemporaryDirectory()
        file = try GGUFFile(path: try directory.write(fixture.bytes, to: "synthetic.gguf"))
    }

    override func tearDown() {
        file = nil
        directory = nil
    }

    func testTypeTableMatchesGGUFPy() throws {
        let sizes = try GGUFFixture.load().type_sizes
        XCTAssertEqual(sizes.count, GGUFTensorType.allCases.count)
        for (name, entry) in sizes {
            guard let type = GGUFTensorType(rawValue: UInt32(entry[0])) else { XCTFail("no type \(entry[0]) (\(name))"); continue }
            XCTAssertEqual(type.description, name)
            XCTAssertEqual(type.blockSize, entry[1], name)
            XCTAssertEqual(type.bytesPerBlock, entry[2], name)
        }
    }

    func testLayoutAndMetadata() throws {
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.alignment, 64)
        XCTAssertEqual(fixture.alignment, 64)
        XCTAssertEqual(file.dataStart, fixture.data_offset)
        XCTAssertEqual(file.architecture, "synthetic")
        XCTAssertEqual(file.metadata.keys, fixture.metadata.map(\.key))
        for key in fixture.metadata { assertGGUFMetadata(file.metadata, matches: key, label: "synthetic") }

        let m = file.metadata
        XCTAssertEqual(m["test.u8"], .uint8(200))
        XCTAssertEqual(m["test.i8"], .int8(-100))
        XCTAssertEqual(m["test.u16"], .uint16(60000))
        XCTAssertEqual(m["test.i16"], .int16(-30000))
        XCTAssertEqual(m["test.u32"], .uint32(4_000_000_000))
        XCTAssertEqual(m["test.i32"], .int32(-2_000_000_000))
        XCTAssertEqual(m["test.u64"], .uint64(18_000_000_000_000_000_000))
        XCTAssertEqual(m["test.i64"], .int64(-9_000_000_000_000_000_000))
        XCTAssertEqual(m["test.f32"], .float32(0.1))
        XCTAssertEqual(m["test.f64"], .float64(-2.5e-300))
        XCTAssertEqual(m["test.bool"], .bool(true))
        XCTAssertEqual(try m.string("test.string"), "héllo, 世界 🙂")
        XCTAssertEqual(try m.string("test.empty"), "")
        XCTAssertEqual(Array(try m.strings("test.strings")), ["a", "", "Ġthe", "日本語", "🙂x"])
        XCTAssertEqual(try m.ints("test.ints"), [3, -1, 2_147_483_647])
        XCTAssertEqual(try m.array("test.u8s"), .uint8([1, 2, 255]))
        XCTAssertEqual(try m.array("test.f64s"), .float64([0.5, -1e300]))
        XCTAssertEqual(try m.floats("test.floats"), [1.5, -0.25])
        XCTAssertEqual(try m.array("test.bools"), .bool([true, false, true]))
        XCTAssertEqual(try m.array("test.nested"), .array([.int32([1, 2]), .int32([3]), .int32([4, 5, 6])]))
        XCTAssertEqual(try m.int("test.u32"), 4_000_000_000)
        XCTAssertEqual(try m.int("test.i64"), -9_000_000_000_000_000_000)
        XCTAssertThrowsError(try m.int("test.u64")) { error in  // over Int.max
            XCTAssertEqual(error as? GGUFError, .typeMismatch(path: file.path, key: "test.u64",
                                                             expected: "an integer that fits Int", found: "UINT64"))
        }
        XCTAssertThrowsError(try m.floats("test.f64s")) { error in
            XCTAssertEqual(error as? GGUFError, .typeMismatch(path: file.path, key: "test.f64s",
                                                             expected: "ARRAY of FLOAT32", found: "ARRAY of FLOAT64"))
        }
        XCTAssertEqual(try m.double("test.f32"), Double(Float(0.1)))
        XCTAssertThrowsError(try m.double("test.i32"))
        XCTAssertThrowsError(try m.bool("test.u8"))
    }

    func testEveryTypeDequantisesBitForBit() throws {
        var covered = Set<GGUFTensorType>()
        for expected in fixture.tensors {
            let info = try file.info(expected.name)
            XCTAssertEqual(info.type.description, expected.type, expected.name)
            XCTAssertEqual(info.dimensions, expected.ne, expected.name)
            XCTAssertEqual(info.dataOffset, expected.offset, expected.name)
            guard let values = expected.values else { continue }
            let actual = try file.floats(expected.name)
            XCTAssertNil(GGUFFixture.firstBitDifference(actual, Repository.floats(base64: values)), "\(expected.name) (\(info.type))")
            XCTAssertEqual(GGUFFixture.sha256(actual), expected.sha256, expected.name)
            covered.insert(info.type)
        }
        XCTAssertEqual(covered, Set(GGUFTensorType.allCases.filter(\.isDequantisable)))
    }

    func testShapesOfOddTensors() throws {
        let cube = try file.info("q.f32")
        XCTAssertEqual(cube.dimensions, [2, 3, 4])
        XCTAssertEqual(cube.shape, [4, 3, 2])
        XCTAssertEqual(cube.rowLength, 2)
        XCTAssertEqual(cube.rowCount, 12)
        XCTAssertEqual(try file.floats("q.f32").count, 24)

        let empty = try file.tensor("q.empty")
        XCTAssertEqual(empty.info.shape, [0, 32])
        XCTAssertEqual(empty.info.byteCount, 0)
        XCTAssertEqual(try empty.floats(), [])
        var nothing: Float = 0
        try empty.dequantise(rows: 0..<0, into: &nothing, count: 0)
    }

    /// Types without a dequantiser are still reachable as raw blocks, and asking for floats is a clear error.
    func testRawOnlyTypes() throws {
        let ints = try file.tensor("raw.i32")
        XCTAssertEqual(ints.type, .i32)
        XCTAssertEqual(ints.rowStride, 8)
        XCTAssertEqual(ints.row(1).loadUnaligned(as: Int32.self), 3)
        XCTAssertEqual(ints.row(1).loadUnaligned(fromByteOffset: 4, as: Int32.self), 2_147_483_647)
        for (name, type) in [("raw.i32", GGUFTensorType.i32), ("raw.q2_k", .q2_K)] {
            XCTAssertThrowsError(try file.floats(name)) { error in
                XCTAssertEqual(error as? GGUFError, .notDequantisable(path: file.path, tensor: name, type: type))
                XCTAssertTrue("\(error)".contains(file.path) && "\(error)".contains(name), "\(error)")
            }
        }
        XCTAssertEqual(try file.tensor("raw.q2_k").rowStride, 84)
    }
}
