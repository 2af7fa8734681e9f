import Decoder
import Foundation
import XCTest

/// `auto` stands for the file's own blocks on a GGUF model and for Float32 on a Hugging Face directory.
final class DecoderWeightFormatTests: XCTestCase {
    func testAutoIsGGUFForAGGUFFileAndF32ForAHuggingFaceDirectory() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("weight-format-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let hf = scratch.appendingPathComponent("hf"), gguf = scratch.appendingPathComponent("gguf")
        for directory in [hf, gguf] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        try Data("{}".utf8).write(to: hf.appendingPathComponent("config.json"))
        let file = gguf.appendingPathComponent("model.Q4_1.gguf")
        try Data().write(to: file)

        XCTAssertEqual(DecoderWeightFormat.auto.resolved(forModel: hf.path), .f32)
        XCTAssertEqual(DecoderWeightFormat.auto.resolved(forModel: file.path), .gguf)
        XCTAssertEqual(DecoderWeightFormat.auto.resolved(forModel: gguf.path), .gguf, "a directory holding one .gguf")
        for format in DecoderWeightFormat.allCases where format != .auto {
            XCTAssertEqual(format.resolved(forModel: file.path), format)
            XCTAssertEqual(format.resolved(forModel: hf.path), format)
        }
    }
}
