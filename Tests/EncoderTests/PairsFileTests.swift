import Foundation
import XCTest
import ModelFormats
@testable import Encoder

/// Reading train-encoder's pairs files: plain anchor/positive[/negative] lines and mine-pairs' layout, whose
/// hard-negative lines carry no positive and are joined to a pair of the same anchor.
final class PairsFileTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pairs-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func write(_ lines: [String]) throws -> URL {
        let url = scratch.appendingPathComponent("pairs.jsonl")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testMinedLayoutJoinsHardNegativesToPairsOfTheSameAnchor() throws {
        let url = try write([
            #"{"rule": "skeleton", "anchor_id": 1, "anchor": "P", "positive_id": 2, "positive": "Q", "evidence": {"skeleton": "x1*x2"}}"#,
            #"{"rule": "variant", "anchor": "P'", "positive_id": 1, "positive": "P", "evidence": {}}"#,
            #"{"rule": "variant", "anchor": "R'", "positive_id": 3, "positive": "R", "evidence": {}}"#,
            "",
            #"{"rule": "hard_negative", "anchor_id": 1, "anchor": "P", "negative_id": 7, "negative": "N1", "evidence": {}}"#,
            #"{"rule": "hard_negative", "anchor_id": 1, "anchor": "P", "negative_id": 8, "negative": "N2", "evidence": {}}"#,
            #"{"rule": "hard_negative", "anchor_id": 1, "anchor": "P", "negative_id": 9, "negative": "N3", "evidence": {}}"#,
            #"{"rule": "hard_negative", "anchor_id": 5, "anchor": "S", "negative_id": 6, "negative": "N4", "evidence": {}}"#,
            #"{"anchor": "A", "positive": "B", "negative": "C"}"#,
        ])
        let contents = try PairsFile.read(url)
        XCTAssertEqual(contents.pairs, [
            // First the pair whose anchor is P, then the one whose positive is P.
            TextPair(anchor: "P", positive: "Q", negative: "N1", line: 1, ids: [1, 2], negativeLine: 5, negativeIDs: [1, 7]),
            TextPair(anchor: "P'", positive: "P", negative: "N2", line: 2, ids: [1], negativeLine: 6, negativeIDs: [1, 8]),
            TextPair(anchor: "R'", positive: "R", line: 3, ids: [3]),
            TextPair(anchor: "A", positive: "B", negative: "C", line: 9),
        ])
        // N3: both pairs of P have a negative already; N4: no pair of S.
        XCTAssertEqual(contents.unjoinedNegatives, [7, 8])
    }

    func testBadLinesAreOneErrorNamingFileAndLine() throws {
        let cases: [(String, String)] = [
            (#"{"anchor": "a", "positive": "b"#, "2: malformed JSON"),
            (#"{"positive": "b"}"#, "2: no field 'anchor'"),
            (#"{"anchor": "a"}"#, "2: no field 'positive'"),
            (#"{"anchor": "a", "positive": 3}"#, "2: field 'positive' is not a string"),
            (#"{"anchor": "a", "negative": null}"#, "2: field 'negative' is not a string"),
            (#"{"anchor": "a", "positive": "b", "anchor_id": "x"}"#, "2: field 'anchor_id' is not an integer"),
        ]
        for (line, reason) in cases {
            let url = try write([#"{"anchor": "a", "positive": "b"}"#, line])
            XCTAssertThrowsError(try PairsFile.read(url), line) { XCTAssertEqual("\($0)", "\(url.path):\(reason)") }
        }
    }

    func testDuplicateKeysJoinPairsSharingAText() {
        // 0 and 2 share anchor P; 1's positive is P; 3 shares nothing; 4 and 5 share positive Y; 6 is 5's anchor as positive.
        let keys = TrainingPair.duplicateKeys(anchors: ["P", "V", "P", "A", "X", "Z", "W"],
                                              positives: ["Q", "P", "R", "B", "Y", "Y", "Z"])
        XCTAssertEqual(keys, [0, 0, 0, 3, 4, 4, 4])
        XCTAssertEqual(TrainingPair.duplicateKeys(anchors: ["a", "b", "c"], positives: ["x", "y", "z"]), [0, 1, 2])
    }
}
