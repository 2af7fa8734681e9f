import Foundation

/// Jinja's operators, attribute and item lookup, filters, tests and global functions, for the values chat templates
/// handle, with Python's semantics. Filters and tests not listed in `filterNames` / `testNames` are rejected when
/// the template is parsed; unknown methods and functions when they are called.
enum JinjaBuiltins {
    typealias Value = JinjaRuntimeValue
    typealias KeywordArguments = [(name: String, value: Value)]

    static func located(_ error: ChatTemplateError, line: Int) -> ChatTemplateError {
        switch error {
        case .runtime(let t, 0, let m): return .runtime(template: t, line: line, message: m)
        case .unsupported(let t, 0, let c): return .unsupported(template: t, line: line, construct: c)
        default: return error
        }
    }

    // MARK: - Globals

    static let globals: [String: Value] = [
        "raise_exception": .function(JinjaFunction(name: "raise_exception") { args, _ in
            throw ChatTemplateError.raised(template: "", message: args.first.map(PythonFormatting.str) ?? "")
        }),
        "range": .function(JinjaFunction(name: "range") { args, _ in
            let ints = try args.map { a -> Int in
                guard case .int(let i) = a else { throw ChatTemplateError.runtime(line: 0, "range() needs integers") }
                return i
            }
            let (start, stop, step): (Int, Int, Int)
            switch ints.count {
            case 1: (start, stop, step) = (0, ints[0], 1)
            case 2: (start, stop, step) = (ints[0], ints[1], 1)
            case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
            default: throw ChatTemplateError.runtime(line: 0, "range() takes 1 to 3 arguments")
            }
            guard step != 0 else { throw ChatTemplateError.runtime(line: 0, "range() step must not be zero") }
            guard (stop - start) / step < 100_000 else { throw ChatTemplateError.runtime(line: 0, "range() too large") }
            return .array(stride(from: start, to: stop, by: step).map { .int($0) })
        }),
        "namespace": .function(JinjaFunction(name: "namespace") { args, kwargs in
            let ns = JinjaNamespace()
            for a in args {
                guard case .object(let o) = a else { throw ChatTemplateError.runtime(line: 0, "namespace() takes a dict or keywords") }
                for (k, v) in o.pairs { ns.attributes[k] = v }
            }
            for (k, v) in kwargs { ns.attributes[k] = v }
            return .namespace(ns)
        }),
        "dict": .function(JinjaFunction(name: "dict") { args, kwargs in
            var o = JinjaObject()
            for a in args {
                guard case .object(let d) = a else { throw ChatTemplateError.runtime(line: 0, "dict() takes a dict or keywords") }
                for (k, v) in d.pairs { o[k] = v }
            }
            for (k, v) in kwargs { o[k] = v }
            return .object(o)
        }),
    ]

    // MARK: - Iteration, lookup

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

    // MARK: - Methods

    private static func method(_ name: String, _ body: @escaping ([Value], KeywordArguments) throws -> Value) -> Value {
        .function(JinjaFunction(name: name, body: body))
    }

    private static func dictMethod(_ o: JinjaObject, _ name: String) -> Value? {
        switch name {
        case "items": return method("items") { _, _ in .array(o.pairs.map { .tuple([.string($0), $1]) }) }
        case "keys": return method("keys") { _, _ in .array(o.keys.map { .string($0) }) }
        case "values": return method("values") { _, _ in .array(o.values) }
        case "get":
            return method("get") { args, _ in
                guard let key = args.first else { throw ChatTemplateError.runtime(line: 0, "get() needs a key") }
                if case .string(let k) = key, let v = o[k] { return v }
                return args.count > 1 ? args[1] : .none
            }
        default: return nil
        }
    }

    private static func listMethod(_ a: [Value], _ name: String, line: Int) -> Value? {
        switch name {
        case "index":
            return method("index") { args, _ in
                guard let x = args.first, let i = a.firstIndex(where: { equal($0, x) }) else {
                    throw ChatTemplateError.runtime(line: 0, "value is not in list")
                }
                return .int(i)
            }
        case "count":
            return method("count") { args, _ in .int(a.filter { equal($0, args.first ?? Value.none) }.count) }
        case "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse":
            return method(name) { _, _ in throw ChatTemplateError.unsupported(line: 0, "the list method '\(name)' (lists are immutable in chat templates)") }
        default: return nil
        }
    }

    private static func stringArg(_ args: [Value], _ k: Int, _ fn: String) throws -> String? {
        guard k < args.count else { return nil }
        switch args[k] {
        case .string(let s): return s
        case .none: return nil
        default: throw ChatTemplateError.runtime(line: 0, "\(fn)() argument must be a string")
        }
    }

    private static func stringMethod(_ s: String, _ name: String, line: Int) -> Value? {
        func strip(_ s: String, chars: String?, left: Bool, right: Bool) -> String {
            var u = Array(s.unicodeScalars)[...]
            let set = chars.map { Set($0.unicodeScalars) }
            func drop(_ c: Unicode.Scalar) -> Bool { set.map { $0.contains(c) } ?? JinjaLexer.isSpace(c) }
            if left { while let f = u.first, drop(f) { u.removeFirst() } }
            if right { while let l = u.last, drop(l) { u.removeLast() } }
            return String(String.UnicodeScalarView(u))
        }
        switch name {
        case "strip", "lstrip", "rstrip":
            return method(name) { args, _ in
                .string(strip(s, chars: try stringArg(args, 0, name), left: name != "rstrip", right: name != "lstrip"))
            }
        case "upper": return method(name) { _, _ in .string(s.uppercased()) }
        case "lower": return method(name) { _, _ in .string(s.lowercased()) }
        case "title": return method(name) { _, _ in .string(title(s)) }
        case "capitalize": return method(name) { _, _ in .string(capitalize(s)) }
        case "startswith", "endswith":
            return method(name) { args, _ in
                var candidates: [String] = []
                switch args.first {
                case .string(let p)?: candidates = [p]
                case .array(let list)?, .tuple(let list)?: candidates = list.compactMap { if case .string(let p) = $0 { return p } else { return nil } }
                default: throw ChatTemplateError.runtime(line: 0, "\(name)() needs a string or a tuple of strings")
                }
                let u = Array(s.unicodeScalars)
                return .bool(candidates.contains { p in
                    let pu = Array(p.unicodeScalars)
                    return name == "startswith" ? u.starts(with: pu) : u.reversed().starts(with: pu.reversed())
                })
            }
        case "split", "rsplit":
            return method(name) { args, kwargs in
                let sep = try stringArg(args, 0, name) ?? kwargs.first { $0.name == "sep" }.flatMap { if case .string(let x) = $0.value { return x } else { return nil } }
                var maxSplit = -1
                if args.count > 1, case .int(let m) = args[1] { maxSplit = m }
                if let m = kwargs.first(where: { $0.name == "maxsplit" }), case .int(let v) = m.value { maxSplit = v }
                return .array(pythonSplit(s, sep, maxSplit: maxSplit, fromRight: name == "rsplit").map { .string($0) })
            }
        case "replace":
            return method(name) { args, _ in
                guard let old = try stringArg(args, 0, name), let new = try stringArg(args, 1, name) else {
                    throw ChatTemplateError.runtime(line: 0, "replace() needs two strings")
                }
                var count = -1
                if args.count > 2, case .int(let c) = args[2] { count = c }
                return .string(replace(s, old, new, count: count))
            }
        case "find", "count":
            return method(name) { args, _ in
                guard let sub = try stringArg(args, 0, name) else { throw ChatTemplateError.runtime(line: 0, "\(name)() needs a string") }
                let u = Array(s.unicodeScalars), su = Array(sub.unicodeScalars)
                var found: [Int] = []
                var i = 0
                while i + su.count <= u.count {
                    if u[i..<i + su.count].elementsEqual(su) {
                        found.append(i)
                        i += max(su.count, 1)
                    } else {
                        i += 1
                    }
                }
                return name == "find" ? .int(found.first ?? -1) : .int(found.count)
            }
        case "join":
            return method(name) { args, _ in
                guard let items = args.first else { throw ChatTemplateError.runtime(line: 0, "join() needs an iterable") }
                return .string(try iterate(items, line: 0).map(PythonFormatting.str).joined(separator: s))
            }
        case "isdigit", "isalpha", "isspace", "isupper", "islower", "isalnum":
            return method(name) { _, _ in
                let u = s.unicodeScalars
                guard !u.isEmpty else { return .bool(false) }
                switch name {
                case "isdigit": return .bool(u.allSatisfy { $0.properties.numericType != nil && $0.properties.generalCategory == .decimalNumber })
                case "isalpha": return .bool(u.allSatisfy { $0.properties.isAlphabetic })
                case "isspace": return .bool(u.allSatisfy(JinjaLexer.isSpace))
                case "isalnum": return .bool(u.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
                case "isupper": return .bool(s == s.uppercased() && s != s.lowercased())
                default: return .bool(s == s.lowercased() && s != s.uppercased())
                }
            }
        case "format", "format_map", "encode", "center", "ljust", "rjust", "zfill", "partition", "rpartition", "splitlines",
             "expandtabs", "swapcase", "casefold", "index", "rindex", "rfind", "translate":
            return method(name) { _, _ in throw ChatTemplateError.unsupported(line: 0, "the string method '\(name)'") }
        default: return nil
        }
    }

    /// Python's `str.split`: on runs of whitespace (dropping empty ends) without a separator, else on each one.
    static func pythonSplit(_ s: String, _ sep: String?, maxSplit: Int, fromRight: Bool) -> [String] {
        var u = Array(s.unicodeScalars)
        if fromRight { u.reverse() }
        var parts: [[Unicode.Scalar]] = []
        if let sep {
            var su = Array(sep.unicodeScalars)
            if fromRight { su.reverse() }
            var current: [Unicode.Scalar] = []
            var i = 0
            while i < u.count {
                if !su.isEmpty, maxSplit < 0 || parts.count < maxSplit, i + su.count <= u.count, u[i..<i + su.count].elementsEqual(su) {
                    parts.append(current)
                    current = []
                    i += su.count
                } else {
                    current.append(u[i])
                    i += 1
                }
            }
            parts.append(current)
        } else {
            var i = 0
            while i < u.count {
                while i < u.count, JinjaLexer.isSpace(u[i]) { i += 1 }
                guard i < u.count else { break }
                if maxSplit >= 0 && parts.count == maxSplit {
                    var rest = Array(u[i...])
                    while let l = rest.last, JinjaLexer.isSpace(l) { rest.removeLast() }
                    parts.append(rest)
                    break
                }
                var current: [Unicode.Scalar] = []
                while i < u.count, !JinjaLexer.isSpace(u[i]) { current.append(u[i]); i += 1 }
                parts.append(current)
            }
        }
        if fromRight { parts = parts.reversed().map { $0.reversed() } }
        return parts.map { String(String.UnicodeScalarView($0)) }
    }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
        let u = Array(s.unicodeScalars), ou = Array(old.unicodeScalars), nu = Array(new.unicodeScalars)
        var out: [Unicode.Scalar] = []
        var i = 0, done = 0
        if ou.isEmpty {
            // Python inserts `new` between every character (and at both ends).
            for c in u {
                if count < 0 || done < count { out += nu; done += 1 }
                out.append(c)
            }
            if count < 0 || done < count { out += nu }
            return String(String.UnicodeScalarView(out))
        }
        while i < u.count {
            if (count < 0 || done < count), i + ou.count <= u.count, u[i..<i + ou.count].elementsEqual(ou) {
                out += nu
                i += ou.count
                done += 1
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return String(String.UnicodeScalarView(out))
    }

    static func capitalize(_ s: String) -> String {
        guard let first = s.first else { return s }
        return String(first).uppercased() + s.dropFirst().lowercased()
    }

    /// Python's `str.title`: upper after a non-letter, lower after a letter.
    static func title(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for c in s {
            let cased = c.isLetter
            out += previousCased ? String(c).lowercased() : String(c).uppercased()
            previousCased = cased
        }
        return out
    }

    // MARK: - Operators

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

    // MARK: - Tests

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

extension JinjaRuntimeValue {
    /// None or Undefined (optional slice bounds, default arguments).
    var isNoneLike: Bool {
        switch self {
        case .none, .undefined: return true
        default: return false
        }
    }
}
