import Foundation

/// A parsed JSON value. Objects keep their members in file order and never merge keys: Swift's `String` equality is
/// canonical equivalence, so a `[String: Int]` vocabulary could silently fold two distinct tokens ("é" and "e\u{301}")
/// into one, which the Rust library never does.
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// The member named `key` (first one if repeated), compared scalar by scalar.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        let k = Array(key.unicodeScalars)
        return members.first { $0.key.unicodeScalars.elementsEqual(k) }?.value
    }

    var isNull: Bool { if case .null = self { return true } else { return false } }

    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A recursive-descent JSON parser over UTF-8 bytes (RFC 8259), strict like serde_json: no comments, no trailing
/// commas, no lone surrogates.
struct JSONParser {
    struct Failure: Error {
        let offset: Int
        let reason: String
    }

    /// Parses `bytes`; on failure throws `TokenizerError.malformedJSON` naming `path`, line and column.
    static func parse(_ bytes: [UInt8], path: String) throws -> JSONValue {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var parser = Cursor(bytes: buffer)
                parser.skipWhitespace()
                let value = try parser.value(depth: 0)
                parser.skipWhitespace()
                guard parser.index == buffer.count else { throw Failure(offset: parser.index, reason: "trailing characters") }
                return value
            }
        } catch let failure as Failure {
            var line = 1, column = 1
            for b in bytes[..<min(failure.offset, bytes.count)] {
                if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
            }
            throw TokenizerError.malformedJSON(path: path, line: line, column: column, reason: failure.reason)
        }
    }

    /// Reads and parses a file, mapping I/O problems to typed errors.
    static func parse(contentsOf url: URL) throws -> JSONValue {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw TokenizerError.fileNotFound(path: path) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadableFile(path: path, reason: "\(error.localizedDescription)")
        }
        return try parse([UInt8](data), path: path)
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        static let maxDepth = 512

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func fail(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
            guard index < bytes.count else { throw fail("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw fail("unexpected character '\(Unicode.Scalar(bytes[index]))'")
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let n = word.utf8CodeUnitCount
            guard index + n <= bytes.count,
                  memcmp(bytes.baseAddress! + index, word.utf8Start, n) == 0 else { throw fail("invalid literal") }
            index += n
        }

        mutating func object(depth: Int) throws -> JSONValue {
            index += 1
            var members: [(key: String, value: JSONValue)] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key = try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                skipWhitespace()
                members.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                guard index < bytes.count else { throw fail("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw fail("unterminated array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                throw fail("expected ',' or ']'")
            }
        }

        mutating func number() throws -> Double {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            func digits(_ c: inout Cursor) -> Int {
                let s = c.index
                while c.index < c.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c.bytes[c.index]) { c.index += 1 }
                return c.index - s
            }
            let intStart = index
            let n = digits(&self)
            guard n > 0 else { throw fail("invalid number") }
            if n > 1, bytes[intStart] == UInt8(ascii: "0") { throw Failure(offset: intStart, reason: "leading zero in number") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits(&self) > 0 else { throw fail("invalid fraction") }
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits(&self) > 0 else { throw fail("invalid exponent") }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let value = Double(text) else { throw Failure(offset: start, reason: "invalid number") }
            return value
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[index]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw fail("invalid hex digit in \\u escape")
                }
                v = v << 4 | d
                index += 1
            }
            return v
        }

        mutating func string() throws -> String {
            index += 1  // opening quote
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let c = bytes[index]
                if c == UInt8(ascii: "\"") {
                    let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    index += 1
                    guard let s = String(validating: raw, as: UTF8.self) else {
                        throw Failure(offset: start, reason: "invalid UTF-8 in string")
                    }
                    return s
                }
                if c == UInt8(ascii: "\\") { break }
                if c < 0x20 { throw fail("control character in string") }
                index += 1
            }
            var out = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while true {
                guard index < bytes.count else { throw fail("unterminated string") }
                let c = bytes[index]
                if c == UInt8(ascii: "\"") { index += 1; break }
                if c < 0x20 { throw fail("control character in string") }
                if c != UInt8(ascii: "\\") { out.append(c); index += 1; continue }
                index += 1
                guard index < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var v = try hex4()
                    if (0xD800...0xDBFF).contains(v) {
                        guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
                              bytes[index + 1] == UInt8(ascii: "u") else { throw fail("lone leading surrogate") }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid trailing surrogate") }
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(v) {
                        throw fail("lone trailing surrogate")
                    }
                    out.append(contentsOf: UTF8.encode(Unicode.Scalar(v)!)!)
                default: throw fail("invalid escape '\\\(Unicode.Scalar(e))'")
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else {
                throw Failure(offset: start, reason: "invalid UTF-8 in string")
            }
            return s
        }
    }
}

/// A JSON value together with the file and the dotted field path it came from, so that every accessor can throw an
/// error that names both.
struct JSONNode {
    let value: JSONValue
    let file: String
    let field: String

    init(_ value: JSONValue, file: String, field: String = "") {
        self.value = value
        self.file = file
        self.field = field
    }

    func path(_ key: String) -> String { field.isEmpty ? key : "\(field).\(key)" }

    func invalid(_ reason: String) -> TokenizerError {
        .invalidField(path: file, field: field.isEmpty ? "(root)" : field, reason: reason)
    }

    /// The member `key`, absent or null → nil.
    func optional(_ key: String) throws -> JSONNode? {
        guard case .object = value else { throw invalid("expected an object, found \(value.typeName)") }
        guard let v = value[key], !v.isNull else { return nil }
        return JSONNode(v, file: file, field: path(key))
    }

    func required(_ key: String) throws -> JSONNode {
        guard let node = try optional(key) else { throw TokenizerError.missingField(path: file, field: path(key)) }
        return node
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw invalid("expected a string, found \(value.typeName)") }
        return s
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw invalid("expected a boolean, found \(value.typeName)") }
        return b
    }

    /// A non-negative integer that fits the token-id and length types used here.
    func int() throws -> Int {
        guard case .number(let d) = value, d >= 0, d <= Double(Int32.max), d.rounded() == d else {
            throw invalid("expected a non-negative integer, found \(value.typeName)")
        }
        return Int(d)
    }

    func array() throws -> [JSONNode] {
        guard case .array(let a) = value else { throw invalid("expected an array, found \(value.typeName)") }
        return a.enumerated().map { JSONNode($1, file: file, field: "\(field)[\($0)]") }
    }

    func members() throws -> [(key: String, node: JSONNode)] {
        guard case .object(let m) = value else { throw invalid("expected an object, found \(value.typeName)") }
        return m.map { ($0.key, JSONNode($0.value, file: file, field: path($0.key))) }
    }

    func string(_ key: String) throws -> String { try required(key).string() }
    func int(_ key: String) throws -> Int { try required(key).int() }
    func bool(_ key: String, default d: Bool) throws -> Bool { try optional(key)?.bool() ?? d }
}
