import Dispatch
import Foundation
import TestSupport
import XCTest
@testable import ModelFormats

/// The two proxy GGUF files read and dequantised by Exemplar against gguf-py's reading of them
/// (Tests/Fixtures/gguf_reference.json): header, every metadata key, every tensor info, and every tensor's
/// dequantised values bit for bit (SHA-256 of the float32 bytes).
final class GGUFModelTests: XCTestCase {
    private var fixture: GGUFFixture!

    override func setUpWithError() throws { fixture = try GGUFFixture.load() }

    func testHeaderAndMetadataMatchGGUFPy() throws {
        for expected in fixture.files {
            let file = try GGUFFixture.open(expected)
            XCTAssertEqual(file.version, expected.version, expected.label)
            XCTAssertEqual(file.tensors.count, expected.tensor_count, expected.label)
            XCTAssertEqual(file.metadata.count, expected.kv_count, expected.label)
            XCTAssertEqual(file.alignment, expected.alignment, expected.label)
            XCTAssertEqual(file.dataStart, expected.data_offset, expected.label)
            XCTAssertEqual(file.metadata.keys, expected.metadata.map(\.key), expected.label)
            for key in expected.metadata { assertGGUFMetadata(file.metadata, matches: key, label: expected.label) }
        }
    }

    func testTypedMetadataAccessors() throws {
        let smol = try GGUFFixture.open(fixture.files[0])
        XCTAssertEqual(smol.architecture, "llama")
        XCTAssertEqual(try smol.metadata.int("llama.attention.head_count"), 9)
        XCTAssertEqual(try smol.metadata.int("llama.attention.head_count_kv"), 3)
        XCTAssertEqual(try smol.metadata.double("llama.rope.freq_base"), 100_000)
        XCTAssertEqual(try smol.metadata.double("llama.attention.layer_norm_rms_epsilon"), Double(Float(1e-5)))
        XCTAssertEqual(try smol.metadata.bool("tokenizer.ggml.add_bos_token"), false)
        XCTAssertEqual(try smol.metadata.string("tokenizer.ggml.model"), "gpt2")
        let tokens = try smol.metadata.strings("tokenizer.ggml.tokens")
        XCTAssertEqual(tokens.count, 49152)
        XCTAssertEqual(tokens[0], "<|endoftext|>")
        XCTAssertEqual(try smol.metadata.ints("tokenizer.ggml.token_type").count, 49152)
        XCTAssertTrue(try smol.metadata.string("tokenizer.chat_template").hasPrefix("{% for message in messages %}"))

        let qwen = try GGUFFixture.open(fixture.files[1])
        XCTAssertEqual(qwen.architecture, "qwen2")
        XCTAssertEqual(try qwen.metadata.strings("tokenizer.ggml.merges").count, 151_387)
        XCTAssertEqual(try qwen.metadata.int("tokenizer.ggml.eos_token_id"), 151_645)

        XCTAssertThrowsError(try qwen.metadata.string("qwen2.block_count")) { error in
            XCTAssertEqual(error as? GGUFError, .typeMismatch(path: qwen.path, key: "qwen2.block_count",
                                                             expected: "STRING", found: "UINT32"))
            XCTAssertTrue("\(error)".contains(qwen.path))
        }
        XCTAssertThrowsError(try qwen.metadata.strings("tokenizer.ggml.token_type")) { error in
            XCTAssertEqual(error as? GGUFError, .typeMismatch(path: qwen.path, key: "tokenizer.ggml.token_type",
                                                             expected: "ARRAY of STRING", found: "ARRAY of INT32"))
        }
        XCTAssertThrowsError(try qwen.metadata.int("llama.block_count")) { error in
            XCTAssertEqual(error as? GGUFError, .keyNotFound(path: qwen.path, key: "llama.block_count"))
        }
    }

    func testTensorInfosMatchGGUFPy() throws {
        for expected in fixture.files {
            let file = try GGUFFixture.open(expected)
            XCTAssertEqual(file.tensorNames, expected.tensor_infos.map(\.name), expected.label)
            var counts: [String: Int] = [:]
            for (info, reference) in zip(file.tensors, expected.tensor_infos) {
                XCTAssertEqual(info.type.description, reference.type, info.name)
                XCTAssertEqual(info.dimensions, reference.ne, info.name)
                XCTAssertEqual(info.shape, reference.ne.reversed(), info.name)
                XCTAssertEqual(info.dataOffset, reference.offset, info.name)
                XCTAssertEqual(info.fileOffset, expected.data_offset + reference.offset, info.name)
                counts[reference.type, default: 0] += 1
            }
            XCTAssertEqual(counts, expected.type_counts, expected.label)
        }
        // DESIGN.md's inventory, and the untied Qwen lm_head.
        let qwen = try GGUFFixture.open(fixture.files[1])
        XCTAssertEqual(try qwen.info("output.weight").type, .q8_0)
        XCTAssertEqual(try qwen.info("token_embd.weight").type, .q5_0)
        XCTAssertEqual(try qwen.info("token_embd.weight").shape, [151_936, 896])
        XCTAssertEqual(try qwen.info("blk.0.ffn_down.weight").shape, [896, 4864])
        XCTAssertThrowsError(try qwen.info("lm_head.weight")) { error in
            XCTAssertEqual(error as? GGUFError, .tensorNotFound(path: qwen.path, tensor: "lm_head.weight"))
        }
    }

    /// Every tensor of both files, bit for bit (the two 136M-element Qwen matrices every 64th row, through the
    /// row-range API). Tensors are spread over the cores, each dequantised on one thread.
    func testEveryTensorMatchesGGUFPyBitForBit() throws {
        for expected in fixture.files {
            let file = try GGUFFixture.open(expected)
            let names = file.tensorNames
            XCTAssertEqual(Set(expected.tensor_sha256.keys), Set(names), expected.label)
            let lock = NSLock()
            var mismatches: [String] = []
            DispatchQueue.concurrentPerform(iterations: names.count) { i in
                guard let reference = expected.tensor_sha256[names[i]] else { return }
                let digest: String
                do {
                    digest = try Self.stridedDigest(file.tensor(names[i]), stride: reference.stride)
                } catch {
                    digest = "\(error)"
                }
                if digest != reference.sha256 {
                    lock.lock()
                    mismatches.append("\(names[i]) (\(file.tensors[i].type))")
                    lock.unlock()
                }
            }
            XCTAssertEqual(mismatches.sorted(), [], "\(expected.label): dequantised tensors differ from gguf-py")
        }
    }

    /// SHA-256 of the dequantised rows 0, stride, 2·stride, … on one thread.
    private static func stridedDigest(_ view: GGUFTensorView, stride: Int) throws -> String {
        if stride == 1 { return GGUFFixture.sha256(try view.floats(threads: 1)) }
        var hash = SHA256()
        var row = [Float](repeating: 0, count: view.rowLength)
        try row.withUnsafeMutableBufferPointer { out in
            for r in Swift.stride(from: 0, to: view.rowCount, by: stride) {
                try view.dequantise(rows: r ..< r + 1, into: out.baseAddress!, count: out.count, threads: 1)
                hash.update(UnsafeRawBufferPointer(out))
            }
        }
        return hash.hexDigest()
    }

    /// Single rows through the row-range API: the first values compared bitwise (so a failure shows where), and
    /// the whole row's SHA-256.
    func testSampledRowsMatchGGUFPy() throws {
        for expected in fixture.files {
            let file = try GGUFFixture.open(expected)
            for sample in expected.samples {
                let view = try file.tensor(sample.name)
                XCTAssertEqual(view.type.description, sample.type)
                for row in sample.rows {
                    var values = [Float](repeating: .nan, count: view.rowLength)
                    try values.withUnsafeMutableBufferPointer {
                        try view.dequantise(rows: row.index ..< row.index + 1, into: $0.baseAddress!, count: $0.count)
                    }
                    let prefix = row.prefixValues
                    XCTAssertNil(GGUFFixture.firstBitDifference(Array(values.prefix(prefix.count)), prefix),
                                 "\(sample.name) row \(row.index)")
                    XCTAssertEqual(GGUFFixture.sha256(values), row.sha256, "\(sample.name) row \(row.index)")
                }
            }
        }
    }

    /// One whole tensor per type: SHA-256, and the float64 sum and sum of squares (different summation order from
    /// numpy's pairwise sum, hence a tolerance relative to the sum of magnitudes).
    func testWholeTensorChecksums() throws {
        for expected in fixture.files {
            let file = try GGUFFixture.open(expected)
            XCTAssertEqual(Set(expected.whole.map(\.type)), Set(expected.type_counts.keys), expected.label)
            for whole in expected.whole {
                let values = try file.floats(whole.name)
                XCTAssertEqual(values.count, whole.elements, whole.name)
                XCTAssertEqual(GGUFFixture.sha256(values), whole.sha256, whole.name)
                var (sum, squares, magnitude) = (0.0, 0.0, 0.0)
                values.withUnsafeBufferPointer { v in
                    for x in v {
                        let d = Double(x)
                        sum += d
                        squares += d * d
                        magnitude += abs(d)
                    }
                }
                XCTAssertEqual(sum, whole.sum, accuracy: 1e-9 * magnitude, whole.name)
                XCTAssertEqual(squares, whole.sum_squares, accuracy: 1e-9 * squares, whole.name)
            }
        }
    }

    /// Splitting over threads or into row blocks changes nothing, and a fused kernel reading `row(_:)` through
    /// `GGUFDequantiser` sees the same blocks.
    func testThreadsRowBlocksAndRawBlocksAgree() throws {
        let qwen = try GGUFFixture.open(fixture.files[1])
        for name in ["blk.3.ffn_down.weight", "blk.2.ffn_down.weight", "blk.0.ffn_up.weight", "blk.0.attn_v.weight"] {
            let view = try qwen.tensor(name)
            let reference = try view.floats(threads: 1)
            for threads in [2, 3, 8] {
                XCTAssertNil(GGUFFixture.firstBitDifference(try view.floats(threads: threads), reference), "\(name), \(threads) threads")
            }
            var blocks = [Float](repeating: .nan, count: reference.count)
            try blocks.withUnsafeMutableBufferPointer { out in
                var row = 0
                for size in [1, 7, 100, 33] where row < view.rowCount {
                    let rows = row ..< min(row + size, view.rowCount)
                    try view.dequantise(rows: rows, into: out.baseAddress! + row * view.rowLength,
                                        count: rows.count * view.rowLength, threads: 2)
                    row = rows.upperBound
                }
                let rest = row ..< view.rowCount
                try view.dequantise(rows: rest, into: out.baseAddress! + row * view.rowLength, count: rest.count * view.rowLength)
            }
            XCTAssertNil(GGUFFixture.firstBitDifference(blocks, reference), name)

            XCTAssertEqual(view.rowStride, view.rowLength / view.type.blockSize * view.type.bytesPerBlock)
            XCTAssertEqual(view.row(5) - view.base, 5 * view.rowStride)
            var row = [Float](repeating: .nan, count: view.rowLength)
            row.withUnsafeMutableBufferPointer {
                GGUFDequantiser.dequantise(view.type, blocks: view.row(5), count: view.blocksPerRow, into: $0.baseAddress!)
            }
            XCTAssertNil(GGUFFixture.firstBitDifference(row, Array(reference[5 * view.rowLength ..< 6 * view.rowLength])), name)
        }
        // The view's bytes are the file's bytes at the tensor's offset.
        let view = try qwen.tensor("blk.0.attn_v.weight")
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: qwen.path))
        try handle.seek(toOffset: UInt64(view.info.fileOffset))
        let onDisk = try handle.read(upToCount: 3 * view.rowStride) ?? Data()
        try handle.close()
        XCTAssertEqual(Array(onDisk), Array(UnsafeRawBufferPointer(start: view.base, count: 3 * view.rowStride)))
    }

    /// A view keeps the mapping alive after its file object is gone.
    func testViewOutlivesFile() throws {
        var file: GGUFFile? = try GGUFFixture.open(fixture.files[0])
        let view = try file!.tensor("output_norm.weight")
        let expected = try file!.floats("output_norm.weight")
        let tokens = try file!.metadata.strings("tokenizer.ggml.tokens")
        file = nil
        XCTAssertNil(GGUFFixture.firstBitDifference(try view.floats(), expected))
        XCTAssertEqual(tokens[1], "<|im_start|>")
    }

    func testDequantiseArgumentErrors() throws {
        let smol = try GGUFFixture.open(fixture.files[0])
        let name = "blk.0.attn_k.weight"
        let view = try smol.tensor(name)
        XCTAssertEqual(view.rowCount, 192)
        var buffer = [Float](repeating: 0, count: 576)
        try buffer.withUnsafeMutableBufferPointer { out in
            XCTAssertThrowsError(try view.dequantise(into: out.baseAddress!, count: out.count)) { error in
                XCTAssertEqual(error as? GGUFError, .elementCountMismatch(path: smol.path, tensor: name, expected: 192 * 576, given: 576))
            }
            XCTAssertThrowsError(try view.dequantise(rows: 191..<193, into: out.baseAddress!, count: out.count)) { error in
                XCTAssertEqual(error as? GGUFError, .rowsOutOfRange(path: smol.path, tensor: name, rows: 191..<193, rowCount: 192))
                XCTAssertTrue("\(error)".contains(smol.path) && "\(error)".contains(name))
            }
            try smol.dequantise(name, rows: 191..<192, into: out.baseAddress!, count: out.count)
        }
        XCTAssertNil(GGUFFixture.firstBitDifference(buffer, Array(try view.floats().suffix(576))))
    }
}
