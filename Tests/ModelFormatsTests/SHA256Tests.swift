import XCTest
import ModelFormats
import TestSupport

final class SHA256Tests: XCTestCase {
    func testKnownAnswers() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testStreamingInPiecesEqualsOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var pieces = SHA256()
        for chunk in stride(from: 0, to: bytes.count, by: 37) { pieces.update(Array(bytes[chunk..<min(chunk + 37, bytes.count)])) }
        var whole = SHA256()
        whole.update(bytes)
        XCTAssertEqual(pieces.hexDigest(), whole.hexDigest())
    }

    /// The model file's published checksum (DESIGN.md).
    func testMiniLMWeightsChecksum() throws {
        let path = try Repository.model("all-MiniLM-L6-v2").appendingPathComponent("model.safetensors").path
        XCTAssertEqual(try SHA256.hex(ofFile: path), "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db")
    }
}
