/// A small, strict JSON reader and writer for safetensors headers.
///
/// Why not Foundation: `JSONSerialization` silently keeps one of two duplicate keys, and a duplicate tensor name is a
/// corrupt file we must reject. Objects keep their key order (error messages and tests can refer to it), numbers keep
/// their literal text (so `2.0` and `2e0` can be told apart from the integer `2`, as the reference does), and the writer
/// escapes strings exactly as serde_json does, which the byte-exact layout of `SafeTensorsWriter` relies on.
enum HeaderJSONValue {
    case object([(key: String, value: HeaderJSONValue)])
    case array([HeaderJSONValue])
    case string(String)
    /// The literal text of the number, already checked against JSON's number grammar.
    case number(String)
    case bool(Bool)
    case null

    /// Names the kind of value for error messages.
    var kindName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}

struct HeaderJSONError: Error {
    enum Kind {
        case syntax(String)
        /// `enclosing` lists the keys of the objects around the duplicate, outermost first.
        case duplicateKey(String, enclosing: [String])
    }
    let offset: Int
    let kind: Kind
}

struct HeaderJSONParser {
    /// Deeper nesting than a header ever needs is refused rather than risking the stack on a hostile file.
    static let maxDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var keyPath: [String] = []

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Parses one JSON document (surrounded by optional whitespace). `bytes` must already be valid UTF-8.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(HeaderJSONError) -> HeaderJSONValue {
        var parser = HeaderJSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index != bytes.count { throw parser.syntax("trailing characters after the JSON value") }
        return value
    }

    private func syntax(_ message: String) -> HeaderJSONError {
        HeaderJSONError(offset: index, kind: .syntax(message))
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

    private mutating func parseValue(depth: Int) throws(HeaderJSONError) -> HeaderJSONValue {
        guard let byte = current else { throw syntax("unexpected end of header") }
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

    private mutating func expectWord(_ word: StaticString) throws(HeaderJSONError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw syntax("unexpected end of header") }
        let start = word.utf8Start
        for k in 0..<count where bytes[index + k] != start[k] { throw syntax("invalid literal") }
        index += count
    }

    private mutating func parseObject(depth: Int) throws(HeaderJSONError) -> HeaderJSONValue {
        if depth > Self.maxDepth { throw syntax("nesting deeper than \(Self.maxDepth) levels") }
        index += 1  // {
        var members: [(key: String, value: HeaderJSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            guard current == UInt8(ascii: "\"") else { throw syntax("expected a string key") }
            let keyOffset = index
            let key = try parseString()
            guard seen.insert(key).inserted else {
                throw HeaderJSONError(offset: keyOffset, kind: .duplicateKey(key, enclosing: keyPath))
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw syntax("expected ':' after a key") }
            index += 1
            skipWhitespace()
            keyPath.append(key)
            let value = try parseValue(depth: depth)
            keyPath.removeLast()
            members.append((key, value))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1; skipWhitespace()
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw syntax("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(HeaderJSONError) -> HeaderJSONValue {
        if depth > Self.maxDepth { throw syntax("nesting deeper than \(Self.maxDepth) levels") }
        index += 1  // [
        var elements: [HeaderJSONValue] = []
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

    private mutating func parseString() throws(HeaderJSONError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes, which is every key and dtype in practice.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
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
                return String(decoding: utf8, as: UTF8.self)
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

    private mutating func parseHex4() throws(HeaderJSONError) -> UInt16 {
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

    private mutating func parseNumber() throws(HeaderJSONError) -> String {
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

/// Reading a JSON number literal as a non-negative `Int`, as the reference's `usize` fields do: no sign, fraction or
/// exponent (the reference rejects `2.0`, `2e0` and `-0` too).
enum HeaderJSONInteger {
    case value(Int)
    case negative
    case notAnInteger
    case tooLarge

    init(_ json: HeaderJSONValue) {
        guard case .number(let literal) = json else { self = .notAnInteger; return }
        if literal.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            self = .notAnInteger
        } else if literal.hasPrefix("-") {
            self = .negative
        } else if let value = Int(literal) {
            self = .value(value)
        } else {
            self = .tooLarge
        }
    }
}

/// Writes JSON the way serde_json's compact writer does, so our headers match the reference byte for byte.
enum HeaderJSONWriter {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `text` as a JSON string: `"` and `\` escaped, \b \f \n \r \t short, other controls as `\u00xx`,
    /// everything else (DEL and non-ASCII included) as raw UTF-8.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        out.append(contentsOf: Array(String(value).utf8))
    }
}
