/// The one JSON parser of the project: strict RFC 8259 over UTF-8 bytes, as serde_json reads it (no comments, no
/// trailing commas, no NaN, no leading zeros, no lone surrogates, no raw control characters in strings).
///
/// Why not Foundation's `JSONSerialization` / `JSONDecoder`: they fold keys that are canonically equivalent
/// ("é" vs "e\u{301}", two distinct tokens of a vocabulary), lose key order (chat templates print objects back in
/// file order, error messages name the first bad entry), turn every number into a Double (safetensors must refuse
/// `2.0` where an integer belongs, Python keeps `1.0` a float) and silently keep one of two duplicate keys (a
/// duplicate tensor name is a corrupt file). Where none of that matters — config.json, JSON Lines — the project uses
/// Foundation's decoders.
///
/// Readers choose what a duplicate key means (`DuplicateKeys`) and how deep a document may nest; everything else is
/// one grammar. The views built on it: safetensors headers (ModelFormats), tokenizer.json and tokenizer_config.json
/// (Tokenizers' `JSONNode`), and `JinjaValue(json:)` for chat templates.
public struct JSONParser {
    /// What to do with a key that appears twice in one object.
    public enum DuplicateKeys: Sendable {
        /// Refuse the document (`JSONParseError.Kind.duplicateKey`), as the safetensors reference does.
        case reject
        /// Keep the first value, drop later ones (the tokenizer files' behaviour).
        case keepFirst
        /// Keep the last value at the first key's position, as Python's `json.loads` builds a dict.
        case keepLast
    }

    private let bytes: UnsafeRawBufferPointer
    private let duplicateKeys: DuplicateKeys
    private let maxDepth: Int
    private var index = 0
    private var keyPath: [String] = []

    private init(bytes: UnsafeRawBufferPointer, duplicateKeys: DuplicateKeys, maxDepth: Int) {
        self.bytes = bytes
        self.duplicateKeys = duplicateKeys
        self.maxDepth = maxDepth
    }

    /// Parses one JSON document surrounded by optional whitespace. Nesting deeper than `maxDepth` objects and arrays
    /// is refused rather than risking the stack on a hostile file.
    public static func parse(_ bytes: UnsafeRawBufferPointer, duplicateKeys: DuplicateKeys,
                             maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, duplicateKeys: duplicateKeys, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index != bytes.count { throw parser.syntax("trailing characters after the JSON value") }
        return value
    }

    /// The same over an array; throws only `JSONParseError`.
    public static func parse(_ bytes: [UInt8], duplicateKeys: DuplicateKeys, maxDepth: Int = 512) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0, duplicateKeys: duplicateKeys, maxDepth: maxDepth) }
    }

    private func syntax(_ message: String) -> JSONParseError {
        JSONParseError(offset: index, kind: .syntax(message))
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard let byte = current else { throw syntax("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw syntax("unexpected character '\(Unicode.Scalar(byte))'")
        }
    }

    private mutating func expectWord(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw syntax("unexpected end of input") }
        let start = word.utf8Start
        for k in 0..<count where bytes[index + k] != start[k] { throw syntax("invalid literal") }
        index += count
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw syntax("nesting deeper than \(maxDepth) levels") }
        index += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        var seen: [ScalarKey: Int] = [:]  // key → index in members
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            guard current == UInt8(ascii: "\"") else { throw syntax("expected a string key") }
            let keyOffset = index
            let key = try parseString()
            let earlier = seen[ScalarKey(key)]
            if earlier != nil, duplicateKeys == .reject {
                throw JSONParseError(offset: keyOffset, kind: .duplicateKey(key, enclosing: keyPath))
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw syntax("expected ':' after a key") }
            index += 1
            skipWhitespace()
            keyPath.append(key)
            let value = try parseValue(depth: depth)
            keyPath.removeLast()
            switch (earlier, duplicateKeys) {
            case (nil, _):
                seen[ScalarKey(key)] = members.count
                members.append((key, value))
            case (let i?, .keepLast): members[i].value = value
            default: break  // keepFirst
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1; skipWhitespace()
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw syntax("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw syntax("nesting deeper than \(maxDepth) levels") }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1; skipWhitespace()
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw syntax("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes, which is nearly every key and token.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) else {
                    throw JSONParseError(offset: start, kind: .syntax("invalid UTF-8 in a string"))
                }
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw syntax("control character in a string") }
            index += 1
        }
        var utf8 = Array(bytes[start..<index])
        while true {
            guard let byte = current else { throw syntax("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw JSONParseError(offset: start, kind: .syntax("invalid UTF-8 in a string"))
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard let escape = current else { throw syntax("unterminated escape") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var code = UInt32(try parseHex4())
                    if (0xD800...0xDBFF).contains(code) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                              bytes[index + 1] == UInt8(ascii: "u") else {
                            throw syntax("lone high surrogate in \\u escape")
                        }
                        index += 2
                        let low = UInt32(try parseHex4())
                        guard (0xDC00...0xDFFF).contains(low) else { throw syntax("invalid low surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw syntax("lone low surrogate in \\u escape")
                    }
                    utf8.append(contentsOf: UTF8.encode(Unicode.Scalar(code)!)!)
                default:
                    throw syntax("invalid escape '\\\(Unicode.Scalar(escape))'")
                }
            default:
                if byte < 0x20 { throw syntax("control character in a string") }
                utf8.append(byte)
                index += 1
            }
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        guard index + 4 <= bytes.count else { throw syntax("truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw syntax("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONParseError) -> String {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, isDigit(first) else { throw syntax("invalid number") }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if current == UInt8(ascii: ".") {
            index += 1
            guard let c = current, isDigit(c) else { throw syntax("invalid number: no digit after '.'") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let c = current, isDigit(c) else { throw syntax("invalid number: no digit in exponent") }
            skipDigits()
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let c = current, isDigit(c) { index += 1 }
    }
}

/// A key compared and hashed by its UTF-8 bytes (Unicode scalars), not by canonical equivalence.
private struct ScalarKey: Hashable {
    let text: String
    init(_ text: String) { self.text = text }

    static func == (a: ScalarKey, b: ScalarKey) -> Bool { a.text.utf8.elementsEqual(b.text.utf8) }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
