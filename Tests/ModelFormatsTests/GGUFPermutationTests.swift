import TestSupport
import XCTest
@testable import ModelFormats

/// Undoing llama.cpp's q/k row permutation: the inverse of the converter's permutation, and the same rows as
/// transformers' GGUF loader (`LlamaTensorProcessor`, recorded in the fixture).
final class GGUFPermutationTests: XCTestCase {
    func testRowOrderMatchesTransformers() throws {
        for order in try GGUFFixture.load().permutation.row_orders {
            let heads = try XCTUnwrap(GGUFLlamaPermutation.heads(forTensor: order.tensor, headCount: order.head_count,
                                                                 kvHeadCount: order.head_count_kv))
            let headDimension = order.rows / heads
            let rows = (0..<order.rows).map { GGUFLlamaPermutation.storedRow(ofModelRow: $0, headDimension: headDimension) }
            XCTAssertEqual(rows, order.stored_row_of_model_row, "\(order.tensor), \(order.head_count)/\(order.head_count_kv) heads")

            // Through `undo` on a column of row indices, as the fixture made them.
            let index = (0..<order.rows).map(Float.init)
            var undone = [Float](repeating: -1, count: order.rows)
            index.withUnsafeBufferPointer { source in
                undone.withUnsafeMutableBufferPointer { out in
                    GGUFLlamaPermutation.undo(source.baseAddress!, into: out.baseAddress!, rows: order.rows, columns: 1, heads: heads)
                }
            }
            XCTAssertEqual(undone.map(Int.init), order.stored_row_of_model_row)
        }
        XCTAssertNil(GGUFLlamaPermutation.heads(forTensor: "blk.0.attn_v.weight", headCount: 9, kvHeadCount: 3))
        XCTAssertNil(GGUFLlamaPermutation.heads(forTensor: "blk.0.ffn_up.weight", headCount: 9, kvHeadCount: 3))
        XCTAssertEqual(GGUFLlamaPermutation.heads(forTensor: "blk.7.attn_k.bias", headCount: 9, kvHeadCount: 3), 3)
    }

    func testApplyThenUndoIsIdentity() {
        var generator = SystemRandomNumberGenerator()
        for (rows, columns, heads) in [(8, 3, 2), (576, 5, 9), (192, 1, 3), (128, 4, 1), (12, 7, 6), (4, 2, 2)] {
            let original = (0 ..< rows * columns).map { _ in Float.random(in: -1...1, using: &generator) }
            var stored = [Float](repeating: .nan, count: original.count)
            var back = [Float](repeating: .nan, count: original.count)
            original.withUnsafeBufferPointer { o in
                stored.withUnsafeMutableBufferPointer { s in
                    GGUFLlamaPermutation.apply(o.baseAddress!, into: s.baseAddress!, rows: rows, columns: columns, heads: heads)
                }
            }
            stored.withUnsafeBufferPointer { s in
                back.withUnsafeMutableBufferPointer { b in
                    GGUFLlamaPermutation.undo(s.baseAddress!, into: b.baseAddress!, rows: rows, columns: columns, heads: heads)
                }
            }
            XCTAssertEqual(back, original, "\(rows)×\(columns), \(heads) heads")
            if rows / heads > 2 { XCTAssertNotEqual(stored, original, "\(rows)×\(columns), \(heads) heads: not permuted") }
            // A head dimension of 2 is its own permutation.
            if rows / heads == 2 { XCTAssertEqual(stored, original) }
        }
        XCTAssertTrue(GGUFLlamaPermutation.canPermute(rows: 576, heads: 9))
        XCTAssertFalse(GGUFLlamaPermutation.canPermute(rows: 576, heads: 5))
        XCTAssertFalse(GGUFLlamaPermutation.canPermute(rows: 9, heads: 3))  // odd head dimension
        XCTAssertFalse(GGUFLlamaPermutation.canPermute(rows: 8, heads: 0))
    }

    /// SmolLM2's stored attn_q / attn_k, un-permuted, equal transformers' dequantised and reverse-permuted weights.
    func testSmolLMQueryAndKeyMatchTransformers() throws {
        let fixture = try GGUFFixture.load()
        let reference = fixture.permutation
        let file = try GGUFFixture.open(fixture.files[0])
        XCTAssertEqual(file.architecture, "llama")
        let headCount = try file.metadata.int("llama.attention.head_count")
        let kvHeadCount = try file.metadata.int("llama.attention.head_count_kv")
        XCTAssertEqual([headCount, kvHeadCount], [reference.head_count, reference.head_count_kv])
        XCTAssertEqual(reference.tensors.count, 3)
        for expected in reference.tensors {
            let heads = try XCTUnwrap(GGUFLlamaPermutation.heads(forTensor: expected.name, headCount: headCount,
                                                                 kvHeadCount: kvHeadCount))
            let info = try file.info(expected.name)
            XCTAssertEqual(info.shape[0], expected.rows)
            let model = try file.floatsUndoingLlamaPermutation(expected.name, heads: heads)
            XCTAssertEqual(GGUFFixture.sha256(model), expected.sha256, expected.name)
            let firstRows = Repository.floats(base64: expected.first_rows)
            let width = firstRows.count / 3
            for r in 0..<3 {
                XCTAssertNil(GGUFFixture.firstBitDifference(Array(model[r * info.rowLength ..< r * info.rowLength + width]),
                                                Array(firstRows[r * width ..< (r + 1) * width])), "\(expected.name) row \(r)")
            }
            // The stored order differs: the permutation is real on this file.
            XCTAssertNotEqual(GGUFFixture.sha256(try file.floats(expected.name)), expected.sha256, expected.name)
        }
        XCTAssertThrowsError(try file.floatsUndoingLlamaPermutation("blk.0.attn_q.weight", heads: 5)) { error in
            XCTAssertEqual(error as? GGUFError, .headCountMismatch(path: file.path, tensor: "blk.0.attn_q.weight", rows: 576, heads: 5))
            XCTAssertTrue("\(error)".contains(file.path))
        }
    }
}
