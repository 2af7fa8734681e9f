/// How Python prints values, which is what a rendered template contains: `str()` for `{{ x }}` and `~`, `repr()`
/// inside printed lists and dicts, and `json.dumps` for `tojson` (transformers' version: `ensure_ascii=False`).
enum PythonFormatting {
    /// `str(value)`; Undefined prints as nothing, as in Jinja.
    static func str(_ v: JinjaRuntimeValue) -> String {
        switch v {
        case .undefined: return ""
        case .string(let s): return s
        default: return repr(v)
        }
    }

    static func repr(_ v: JinjaRuntimeValue) -> String {
        switch v {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return floatRepr(d)
        case .string(let s): return stringRepr(s)
        case .array(let a): return "[" + a.map(repr).joined(separator: ", ") + "]"
        case .tuple(let a): return "(" + a.map(repr).joined(separator: ", ") + (a.count == 1 ? ",)" : ")")
        case .object(let o): return "{" + o.pairs.map { stringRepr($0) + ": " + repr($1) }.joined(separator: ", ") + "}"
        case .namespace(let n): return "<Namespace " + repr(.object(n.attributes)) + ">"
        case .function(let f): return "<function \(f.name)>"
        }
    }

    /// Python's shortest round-trip float repr: fixed notation for 1e-4 ≤ |x| < 1e16, else `1e-05` / `1.5e+16`.
    static func floatRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description has the same shortest digits; only the layout differs.
        let text = "\(abs(d))"
        var mantissa = Substring(text), exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts[0]), fracPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = intPart + fracPart
        var point = intPart.count + exponent  // value = 0.digits × 10^point
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); point -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        let sign = d < 0 ? "-" : ""
        let n = digits.count
        if point > -4 && point <= 16 {
            if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
            if point >= n { return sign + digits + String(repeating: "0", count: point - n) + ".0" }
            let cut = digits.index(digits.startIndex, offsetBy: point)
            return sign + digits[..<cut] + "." + digits[cut...]
        }
        let e = point - 1
        let head = String(digits.first!) + (n > 1 ? "." + digits.dropFirst() : "")
        return sign + head + "e" + (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
    }

    /// `repr(str)`: single quotes unless the text has one and no double quote; escapes as Python does.
    static func stringRepr(_ s: String) -> String {
        let quote: Unicode.Scalar = s.unicodeScalars.contains("'") && !s.unicodeScalars.contains("\"") ? "\"" : "'"
        var out = String.UnicodeScalarView()
        out.append(quote)
        for c in s.unicodeScalars {
            switch c {
            case quote, "\\":
                out.append("\\")
                out.append(c)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            default:
                if isPrintable(c) {
                    out.append(c)
                } else {
                    let v = c.value
                    let hex = String(v, radix: 16)
                    let text = v < 0x100 ? "\\x" + pad(hex, 2) : v < 0x10000 ? "\\u" + pad(hex, 4) : "\\U" + pad(hex, 8)
                    out.append(contentsOf: text.unicodeScalars)
                }
            }
        }
        out.append(quote)
        return String(out)
    }

    private static func pad(_ s: String, _ n: Int) -> String { String(repeating: "0", count: max(0, n - s.count)) + s }

    /// Python's `str.isprintable` for one character.
    static func isPrintable(_ c: Unicode.Scalar) -> Bool {
        if c == " " { return true }
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default: return true
        }
    }

    struct JSONOptions {
        var indent: String?
        var itemSeparator: String
        var keySeparator: String
        var sortKeys = false
        var ensureASCII = false
    }

    /// `json.dumps(value, ...)`.
    static func json(_ v: JinjaRuntimeValue, _ options: JSONOptions, depth: Int = 0) throws -> String {
        func newline(_ level: Int) -> String {
            guard let indent = options.indent else { return "" }
            return "\n" + String(repeating: indent, count: level)
        }
        switch v {
        case .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
            return floatRepr(d)
        case .string(let s): return jsonString(s, ensureASCII: options.ensureASCII)
        case .array(let a), .tuple(let a):
            if a.isEmpty { return "[]" }
            let items = try a.map { newline(depth + 1) + (try json($0, options, depth: depth + 1)) }
            return "[" + items.joined(separator: options.itemSeparator) + newline(depth) + "]"
        case .object(let o):
            if o.isEmpty { return "{}" }
            var pairs = Array(o.pairs)
            if options.sortKeys { pairs.sort { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } }
            let items = try pairs.map { key, value in
                newline(depth + 1) + jsonString(key, ensureASCII: options.ensureASCII) + options.keySeparator
                    + (try json(value, options, depth: depth + 1))
            }
            return "{" + items.joined(separator: options.itemSeparator) + newline(depth) + "}"
        case .undefined, .namespace, .function:
            throw JSONUnserializable(typeName: v.typeName)
        }
    }

    struct JSONUnserializable: Error { let typeName: String }

    static func jsonString(_ s: String, ensureASCII: Bool) -> String {
        var out = String.UnicodeScalarView()
        out.append("\"")
        func hex4(_ v: UInt32) {
            out.append(contentsOf: ("\\u" + pad(String(v, radix: 16), 4)).unicodeScalars)
        }
        for c in s.unicodeScalars {
            switch c {
            case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\u{08}": out.append(contentsOf: "\\b".unicodeScalars)
            case "\u{0C}": out.append(contentsOf: "\\f".unicodeScalars)
            default:
                if c.value < 0x20 {
                    hex4(c.value)
                } else if ensureASCII && c.value > 0x7E {
                    if c.value >= 0x10000 {
                        let v = c.value - 0x10000
                        hex4(0xD800 + (v >> 10))
                        hex4(0xDC00 + (v & 0x3FF))
                    } else {
                        hex4(c.value)
                    }
                } else {
                    out.append(c)
                }
            }
        }
        out.append("\"")
        return String(out)
    }
}
