import JSONCore
import XCTest

/// The one JSON grammar, and the policies its readers choose (duplicate keys, depth).
final class JSONParserTests: XCTestCase {
    func parse(_ text: String, _ policy: JSONParser.DuplicateKeys = .reject, maxDepth: Int = 512) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8), duplicateKeys: policy, maxDepth: maxDepth)
    }

    func keys(_ value: JSONValue) -> [String] {
        guard case .object(let members) = value else { return [] }
        return members.map(\.key)
    }

    func testKeyOrderAndNumberLiteralsAreKept() throws {
        let value = try parse(#"{"z": 1, "a": 2.0, "m": -3e2, "s": "\u00e9\n", "l": [true, false, null]}"#)
        XCTAssertEqual(keys(value), ["z", "a", "m", "s", "l"])
        guard case .number(let two) = value["a"]!, case .number(let m) = value["m"]! else { return XCTFail("\(value)") }
        XCTAssertEqual(two, "2.0")
        XCTAssertEqual(m, "-3e2")
        XCTAssertTrue(value["a"]!.isFractionalLiteral)
        XCTAssertFalse(value["z"]!.isFractionalLiteral)
        XCTAssertEqual(value["m"]!.double, -300)
        guard case .string(let s) = value["s"]! else { return XCTFail() }
        XCTAssertEqual(s, "é\n")
    }

    /// "é" (one scalar) and "e\u{301}" (two) are canonically equivalent Swift strings but distinct JSON keys.
    func testKeysAreComparedScalarByScalar() throws {
        let text = "{\"\u{e9}\": 1, \"e\u{301}\": 2}"
        let value = try parse(text, .reject)
        XCTAssertEqual(keys(value).map { Array($0.unicodeScalars).count }, [1, 2])
        guard case .number(let second) = value["e\u{301}"]! else { return XCTFail() }
        XCTAssertEqual(second, "2")
    }

    func testDuplicateKeyPolicies() throws {
        let text = #"{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}"#
        XCTAssertThrowsError(try parse(text, .reject)) { error in
            XCTAssertEqual((error as? JSONParseError)?.kind, .duplicateKey("c", enclosing: ["b"]))
        }
        let first = try parse(text, .keepFirst), last = try parse(text, .keepLast)
        XCTAssertEqual(keys(first), ["a", "b"])
        XCTAssertEqual(keys(last), ["a", "b"], "the last value stays at the first key's position, as in a Python dict")
        guard case .number(let a1) = first["a"]!, case .number(let a3) = last["a"]!,
              case .number(let c1) = first["b"]!["c"]!, case .number(let c2) = last["b"]!["c"]! else { return XCTFail() }
        XCTAssertEqual([a1, c1, a3, c2], ["1", "1", "3", "2"])
    }

    func testGrammarIsStrict() {
        for bad in ["{\"a\":1,}", "[1,]", "01", "1.", "-", "NaN", "{'a':1}", "\"\u{1}\"", "\"\\x\"", "\"\\ud800\"",
                    "\"\\udc00\"", "\"\\u12\"", "[1 2]", "", "  ", "{\"a\" 1}", "tru", "[1] x", "// c\n1"] {
            XCTAssertThrowsError(try parse(bad), bad)
        }
        XCTAssertNoThrow(try parse(" [0, -0.5e+3, 1E2, \"\\ud83d\\ude00\", \"\\/\"] "))
    }

    func testDepthLimitAndErrorPosition() throws {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        XCTAssertNoThrow(try parse(deep, maxDepth: 100))
        XCTAssertThrowsError(try parse(deep, maxDepth: 99)) { error in
            XCTAssertTrue((error as! JSONParseError).reason.contains("nesting"), "\(error)")
        }
        let text = "{\n  \"a\": 1,\n  \"b\": ?\n}"
        XCTAssertThrowsError(try parse(text)) { error in
            let e = error as! JSONParseError
            let (line, column) = Array(text.utf8).withUnsafeBytes { e.lineAndColumn(in: $0) }
            XCTAssertEqual([line, column], [3, 8])
        }
    }

    func testInvalidUTF8InAStringIsAnError() {
        let bytes: [UInt8] = [UInt8(ascii: "\""), 0xC3, 0x28, UInt8(ascii: "\"")]
        XCTAssertThrowsError(try JSONParser.parse(bytes, duplicateKeys: .reject)) { error in
            XCTAssertEqual((error as? JSONParseError)?.reason, "invalid UTF-8 in a string")
        }
    }

    func testWriterEscapesAsSerdeJSON() {
        var out: [UInt8] = []
        JSONWriter.appendString("a\"\\\u{8}\u{c}\n\r\t\u{1}\u{7f}é", to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), #""a\"\\\b\f\n\r\t\u0001"# + "\u{7f}é\"")
    }
}
