import Foundation

/// Iteration (`for x in v`), attribute and item lookup (`v.name`, `v[key]`) and slicing, with Python's rules.
extension JinjaBuiltins {
    /// What `for x in v` iterates: list items, dict keys, string characters; nothing for Undefined.
    static func iterate(_ v: Value, line: Int) throws -> [Value] {
        switch v {
        case .undefined: return []
        case .array(let a), .tuple(let a): return a
        case .object(let o): return o.keys.map { .string($0) }
        case .string(let s): return s.map { .string(String($0)) }
        default: throw ChatTemplateError.runtime(line: line, "'\(v.typeName)' object is not iterable")
        }
    }

    /// `v.name`: a method, else (for dicts) the key, else Undefined; an error on Undefined itself, as in Jinja.
    static func attribute(_ v: Value, _ name: String, line: Int) throws -> Value {
        switch v {
        case .undefined(let what):
            throw ChatTemplateError.runtime(line: line, "'\(what)' is undefined (accessing '.\(name)')")
        case .object(let o):
            if let m = dictMethod(o, name) { return m }
            return o[name] ?? .undefined("\(name)")
        case .namespace(let ns):
            return ns.attributes[name] ?? .undefined(name)
        case .string(let s):
            return stringMethod(s, name, line: line) ?? .undefined(name)
        case .array(let a), .tuple(let a):
            return listMethod(a, name, line: line) ?? .undefined(name)
        default:
            return .undefined(name)
        }
    }

    /// `v[key]`: the item, else (for a string key) the attribute, else Undefined.
    static func item(_ v: Value, _ key: Value, line: Int) throws -> Value {
        switch (v, key) {
        case (.undefined(let what), _):
            throw ChatTemplateError.runtime(line: line, "'\(what)' is undefined (subscripted)")
        case (.array(let a), _), (.tuple(let a), _):
            if let i = integer(key) {
                let j = i < 0 ? a.count + i : i
                return j >= 0 && j < a.count ? a[j] : .undefined("index \(i)")
            }
        case (.string(let s), _):
            if let i = integer(key) {
                let chars = Array(s)
                let j = i < 0 ? chars.count + i : i
                return j >= 0 && j < chars.count ? .string(String(chars[j])) : .undefined("index \(i)")
            }
        case (.object(let o), .string(let k)):
            if let found = o[k] { return found }
        case (.namespace(let ns), .string(let k)):
            if let found = ns.attributes[k] { return found }
        default: break
        }
        if case .string(let name) = key { return try attribute(v, name, line: line) }
        return .undefined("item")
    }

    private static func integer(_ v: Value) -> Int? {
        switch v {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// `v[start:stop:step]` on lists and strings, with Python's clamping and negative indices.
    static func slice(_ v: Value, start: Value?, stop: Value?, step: Value?, line: Int) throws -> Value {
        func bound(_ b: Value?) throws -> Int? {
            guard let b, !(b.isNoneLike) else { return nil }
            guard let i = integer(b) else { throw ChatTemplateError.runtime(line: line, "slice indices must be integers") }
            return i
        }
        let st = try bound(step) ?? 1
        guard st != 0 else { throw ChatTemplateError.runtime(line: line, "slice step cannot be zero") }
        func indices(_ n: Int) throws -> [Int] {
            func clamp(_ i: Int?, _ def: Int) -> Int {
                guard var i else { return def }
                if i < 0 { i += n }
                return st > 0 ? min(max(i, 0), n) : min(max(i, -1), n - 1)
            }
            let a = clamp(try bound(start), st > 0 ? 0 : n - 1)
            let b = clamp(try bound(stop), st > 0 ? n : -1)
            return Array(stride(from: a, to: b, by: st))
        }
        switch v {
        case .array(let a): return .array(try indices(a.count).map { a[$0] })
        case .tuple(let a): return .tuple(try indices(a.count).map { a[$0] })
        case .string(let s):
            let chars = Array(s)
            return .string(String(try indices(chars.count).map { chars[$0] }))
        case .undefined(let what): throw ChatTemplateError.runtime(line: line, "'\(what)' is undefined (sliced)")
        default: throw ChatTemplateError.runtime(line: line, "'\(v.typeName)' object is not subscriptable")
        }
    }
}
