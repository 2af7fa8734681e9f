import Foundation

/// Comparison, membership, concatenation and arithmetic, with Python's semantics (floor division and modulo
/// round toward negative infinity; bool counts as int).
extension JinjaBuiltins {
    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.array(let x), .array(let y)), (.tuple(let x), .tuple(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.pairs.allSatisfy { k, v in y[k].map { equal(v, $0) } ?? false }
        case (.namespace(let x), .namespace(let y)): return x === y
        default:
            if let x = number(a), let y = number(b) { return x == y }
            return false
        }
    }

    /// Numbers (bool counts as int, as in Python) as Double for comparisons; exact for ints below 2^53.
    private static func number(_ v: Value) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    static func ordered(_ a: Value, _ b: Value, line: Int) throws -> Int {
        switch (a, b) {
        case (.string(let x), .string(let y)):
            if x.unicodeScalars.elementsEqual(y.unicodeScalars) { return 0 }
            return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) ? -1 : 1
        case (.int(let x), .int(let y)): return x < y ? -1 : x > y ? 1 : 0
        case (.array(let x), .array(let y)), (.tuple(let x), .tuple(let y)):
            for (p, q) in zip(x, y) where !equal(p, q) { return try ordered(p, q, line: line) }
            return x.count < y.count ? -1 : x.count > y.count ? 1 : 0
        default:
            if let x = number(a), let y = number(b) { return x < y ? -1 : x > y ? 1 : 0 }
            throw ChatTemplateError.runtime(line: line, "cannot compare '\(a.typeName)' and '\(b.typeName)'")
        }
    }

    static func binary(_ op: String, _ a: Value, _ b: Value, line: Int) throws -> Value {
        func typeError() -> ChatTemplateError {
            if case .undefined(let what) = a { return .runtime(line: line, "'\(what)' is undefined (operand of \(op))") }
            if case .undefined(let what) = b { return .runtime(line: line, "'\(what)' is undefined (operand of \(op))") }
            return .runtime(line: line, "unsupported operand types for \(op): '\(a.typeName)' and '\(b.typeName)'")
        }
        switch op {
        case "==": return .bool(equal(a, b))
        case "!=": return .bool(!equal(a, b))
        case "<": return .bool(try ordered(a, b, line: line) < 0)
        case "<=": return .bool(try ordered(a, b, line: line) <= 0)
        case ">": return .bool(try ordered(a, b, line: line) > 0)
        case ">=": return .bool(try ordered(a, b, line: line) >= 0)
        case "in":
            switch b {
            case .string(let s):
                guard case .string(let sub) = a else { throw ChatTemplateError.runtime(line: line, "'in <string>' requires string as left operand") }
                if sub.isEmpty { return .bool(true) }
                let u = Array(s.unicodeScalars), su = Array(sub.unicodeScalars)
                guard su.count <= u.count else { return .bool(false) }
                return .bool((0...(u.count - su.count)).contains { u[$0..<$0 + su.count].elementsEqual(su) })
            case .array(let items), .tuple(let items): return .bool(items.contains { equal($0, a) })
            case .object(let o):
                if case .string(let k) = a { return .bool(o[k] != nil) }
                return .bool(false)
            case .undefined: return .bool(false)
            default: throw ChatTemplateError.runtime(line: line, "argument of type '\(b.typeName)' is not iterable")
            }
        case "~":
            return .string(PythonFormatting.str(a) + PythonFormatting.str(b))
        case "+":
            switch (a, b) {
            case (.string(let x), .string(let y)): return .string(x + y)
            case (.array(let x), .array(let y)): return .array(x + y)
            case (.tuple(let x), .tuple(let y)): return .tuple(x + y)
            case (.int(let x), .int(let y)): return .int(x &+ y)
            default:
                if let x = number(a), let y = number(b), !isDouble(a), !isDouble(b) { return .int(Int(x) + Int(y)) }
                if let x = number(a), let y = number(b) { return .double(x + y) }
                throw typeError()
            }
        case "-", "*", "/", "//", "%", "**":
            if op == "*" {
                switch (a, b) {
                case (.string(let s), .int(let n)), (.int(let n), .string(let s)): return .string(String(repeating: s, count: max(0, n)))
                case (.array(let x), .int(let n)), (.int(let n), .array(let x)):
                    return .array(Array(repeatElement(x, count: max(0, n)).joined()))
                default: break
                }
            }
            if op == "%", case .string = a { throw ChatTemplateError.unsupported(line: line, "printf-style string formatting with %") }
            guard let x = number(a), let y = number(b) else { throw typeError() }
            let ints = !isDouble(a) && !isDouble(b)
            switch op {
            case "-": return ints ? .int(Int(x) - Int(y)) : .double(x - y)
            case "*": return ints ? .int(Int(x) * Int(y)) : .double(x * y)
            case "/":
                guard y != 0 else { throw ChatTemplateError.runtime(line: line, "division by zero") }
                return .double(x / y)
            case "//":
                guard y != 0 else { throw ChatTemplateError.runtime(line: line, "integer division or modulo by zero") }
                if ints {
                    let (p, q) = (Int(x), Int(y))
                    var d = p / q
                    if (p % q != 0) && ((p < 0) != (q < 0)) { d -= 1 }
                    return .int(d)
                }
                return .double((x / y).rounded(.down))
            case "%":
                guard y != 0 else { throw ChatTemplateError.runtime(line: line, "integer division or modulo by zero") }
                if ints {
                    let (p, q) = (Int(x), Int(y))
                    var r = p % q
                    if r != 0 && ((r < 0) != (q < 0)) { r += q }
                    return .int(r)
                }
                var r = x.truncatingRemainder(dividingBy: y)
                if r != 0 && ((r < 0) != (y < 0)) { r += y }
                return .double(r)
            default:
                if ints && y >= 0 {
                    var result = 1
                    for _ in 0..<Int(y) { result = result &* Int(x) }
                    return .int(result)
                }
                return .double(Foundation.pow(x, y))
            }
        default:
            throw ChatTemplateError.unsupported(line: line, "the operator '\(op)'")
        }
    }

    private static func isDouble(_ v: Value) -> Bool { if case .double = v { return true } else { return false } }
}
