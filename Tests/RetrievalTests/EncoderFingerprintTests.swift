import XCTest
@testable import Retrieval

final class EncoderFingerprintTests: XCTestCase {
    func testCompatibilityIgnoresTheModelNameOnly() {
        let a = EncoderFingerprint(model: "models/x", weightsSHA256: "ab", dimension: 4, pooling: "mean", normalized: true)
        var b = a
        b.model = "/elsewhere/x"
        XCTAssertTrue(a.isCompatible(with: b))
        b.adapterSHA256 = "cd"
        XCTAssertFalse(a.isCompatible(with: b))
    }
}
