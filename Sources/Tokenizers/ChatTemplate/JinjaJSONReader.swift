/// Reads JSON into `JinjaValue` the way Python's `json.loads` does: a number with a fraction or exponent is a float
/// (`1.0` stays `1.0` when `tojson` prints it back), any other number an int; objects keep their key order.
struct JinjaJSONReader {
    private let s: [UInt8]
    private var i = 0

    struct Failure: Error, CustomStringConvertible {
        let offset: Int
        let reason: String
        var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    static func read(_ text: String) throws -> JinjaValue {
        var r = JinjaJSONReader(s: Array(text.utf8))
        r.skipSpace()
        let v = try r.value(depth: 0)
        r.skipSpace()
        guard r.i == r.s.count else { throw Failure(offset: r.i, reason: "trailing characters") }
        return v
    }

    private init(s: [UInt8]) { self.s = s }

    private mutating func skipSpace() {
        while i < s.count, s[i] == 0x20 || s[i] == 0x09 || s[i] == 0x0A || s[i] == 0x0D { i += 1 }
    }

    private func fail(_ reason: String) -> Failure { Failure(offset: i, reason: reason) }

    private mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard i + w.count <= s.count, Array(s[i..<i + w.count]) == w else { throw fail("invalid literal") }
        i += w.count
    }

    private mutating func value(depth: Int) throws -> JinjaValue {
        guard depth < 256 else { throw fail("nesting too deep") }
        guard i < s.count else { throw fail("unexpected end") }
        switch s[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(key: String, value: JinjaValue)] = []
            skipSpace()
            if i < s.count, s[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipSpace()
                guard i < s.count, s[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let key = try string()
                skipSpace()
                guard i < s.count, s[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                skipSpace()
                let v = try value(depth: depth + 1)
                if let k = members.firstIndex(where: { $0.key == key }) { members[k].value = v } else { members.append((key, v)) }
                skipSpace()
                guard i < s.count else { throw fail("unterminated object") }
                if s[i] == UInt8(ascii: ",") { i += 1; continue }
                if s[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JinjaValue] = []
            skipSpace()
            if i < s.count, s[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < s.count else { throw fail("unterminated array") }
                if s[i] == UInt8(ascii: ",") { i += 1; continue }
                if s[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .none
        default: return try number()
        }
    }

    private mutating func number() throws -> JinjaValue {
        let start = i
        if i < s.count, s[i] == UInt8(ascii: "-") { i += 1 }
        var isFloat = false
        while i < s.count {
            let c = s[i]
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") { i += 1; continue }
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                || ((c == UInt8(ascii: "+") || c == UInt8(ascii: "-")) && i > start && (s[i - 1] | 0x20) == UInt8(ascii: "e")) {
                isFloat = true
                i += 1
                continue
            }
            break
        }
        let text = String(decoding: s[start..<i], as: UTF8.self)
        if !isFloat, let v = Int(text) { return .int(v) }
        guard let d = Double(text), text.last.map({ $0.isNumber }) == true else { throw Failure(offset: start, reason: "invalid number '\(text)'") }
        return .double(d)
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= s.count, let v = UInt32(String(decoding: s[i..<i + 4], as: UTF8.self), radix: 16) else {
            throw fail("invalid \\u escape")
        }
        i += 4
        return v
    }

    private mutating func string() throws -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < s.count else { throw fail("unterminated string") }
            let c = s[i]
            i += 1
            if c == UInt8(ascii: "\"") { break }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard i < s.count else { throw fail("unterminated escape") }
            let e = s[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "\""): out.append(e)
            case UInt8(ascii: "u"):
                var v = try hex4()
                if (0xD800...0xDBFF).contains(v), i + 6 <= s.count, s[i] == UInt8(ascii: "\\"), s[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid surrogate pair") }
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(v) else { throw fail("lone surrogate") }
                out.append(contentsOf: UTF8.encode(u)!)
            default: throw fail("invalid escape")
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8") }
        return text
    }
}

extension JinjaValue {
    /// Parses JSON text as Python's `json.loads` would (ints vs floats by their spelling, key order kept).
    public init(json text: String) throws {
        self = try JinjaJSONReader.read(text)
    }
}
