import Foundation

/// Jinja's tests (`x is defined`, `n is divisibleby 3`); a name outside `testNames` is rejected when the template
/// is parsed.
extension JinjaBuiltins {
    static let testNames: Set<String> = [
        "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string", "mapping",
        "iterable", "sequence", "callable", "even", "odd", "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt",
        "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "sameas", "lower", "upper",
    ]

    static func test(_ name: String, _ v: Value, _ args: [Value], line: Int) throws -> Bool {
        func arg() throws -> Value {
            guard let a = args.first else { throw ChatTemplateError.runtime(line: line, "test '\(name)' needs an argument") }
            return a
        }
        switch name {
        case "defined": return !v.isUndefined
        case "undefined": return v.isUndefined
        case "none": if case .none = v { return true } else { return false }
        case "boolean": if case .bool = v { return true } else { return false }
        case "false": if case .bool(false) = v { return true } else { return false }
        case "true": if case .bool(true) = v { return true } else { return false }
        case "integer": if case .int = v { return true } else { return false }
        case "float": if case .double = v { return true } else { return false }
        case "number":
            switch v { case .int, .double, .bool: return true; default: return false }
        case "string": if case .string = v { return true } else { return false }
        case "mapping":
            switch v { case .object: return true; default: return false }
        case "iterable":
            switch v { case .array, .tuple, .object, .string: return true; default: return false }
        case "sequence":
            switch v { case .array, .tuple, .object, .string: return true; default: return false }
        case "callable": if case .function = v { return true } else { return false }
        case "even", "odd":
            guard case .int(let i) = v else { throw ChatTemplateError.runtime(line: line, "test '\(name)' needs an integer") }
            return (i % 2 == 0) == (name == "even")
        case "divisibleby":
            guard case .int(let i) = v, case .int(let d) = try arg(), d != 0 else {
                throw ChatTemplateError.runtime(line: line, "divisibleby needs integers")
            }
            return i % d == 0
        case "eq", "equalto", "==": return equal(v, try arg())
        case "ne", "!=": return !equal(v, try arg())
        case "lt", "lessthan", "<": return try ordered(v, try arg(), line: line) < 0
        case "le", "<=": return try ordered(v, try arg(), line: line) <= 0
        case "gt", "greaterthan", ">": return try ordered(v, try arg(), line: line) > 0
        case "ge", ">=": return try ordered(v, try arg(), line: line) >= 0
        case "in": return try binary("in", v, try arg(), line: line).truthy
        case "sameas":
            let other = try arg()
            switch (v, other) {
            case (.none, .none): return true
            case (.bool(let x), .bool(let y)): return x == y
            case (.namespace(let x), .namespace(let y)): return x === y
            default: return false
            }
        case "lower": if case .string(let s) = v { return s == s.lowercased() } else { return false }
        case "upper": if case .string(let s) = v { return s == s.uppercased() } else { return false }
        default: throw ChatTemplateError.unsupported(line: line, "the test '\(name)'")
        }
    }
}
