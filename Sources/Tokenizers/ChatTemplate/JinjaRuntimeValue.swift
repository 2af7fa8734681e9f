/// A value while a template renders: the data kinds of `JinjaValue` plus what only exists at run time — Jinja's
/// `Undefined` (a missing variable, key or attribute), `namespace()` objects (mutable, shared by reference) and
/// callables (builtins, bound methods, `loop.cycle`).
indirect enum JinjaRuntimeValue {
    /// What was looked up, for error messages ("'foo' is undefined").
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JinjaRuntimeValue])
    /// A Python tuple (`(a, b)`, `dict.items()` pairs): like a list, but prints with parentheses and is never
    /// equal to one.
    case tuple([JinjaRuntimeValue])
    case object(JinjaObject)
    case namespace(JinjaNamespace)
    case function(JinjaFunction)

    init(_ v: JinjaValue) {
        switch v {
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(JinjaRuntimeValue.init))
        case .object(let members):
            var o = JinjaObject()
            for (k, v) in members { o[k] = JinjaRuntimeValue(v) }
            self = .object(o)
        }
    }

    var isUndefined: Bool { if case .undefined = self { return true } else { return false } }

    /// None or Undefined (optional slice bounds, default arguments).
    var isNoneLike: Bool {
        switch self {
        case .none, .undefined: return true
        default: return false
        }
    }

    /// Python truthiness (Undefined is false).
    var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a), .tuple(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        case .namespace, .function: return true
        }
    }

    /// Python's type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .tuple: return "tuple"
        case .object: return "dict"
        case .namespace: return "Namespace"
        case .function: return "function"
        }
    }
}
