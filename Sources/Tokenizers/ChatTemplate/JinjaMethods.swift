import Foundation

/// The methods of dicts, lists and strings that chat templates call (`messages[0].content.strip()`), with
/// Python's semantics; mutating list methods and the rarer string methods are rejected by name.
/// `dictMethod`, `listMethod` and `stringMethod` are what attribute lookup (JinjaLookup.swift) returns for a name.
extension JinjaBuiltins {
    private static func method(_ name: String, _ body: @escaping ([Value], KeywordArguments) throws -> Value) -> Value {
        .function(JinjaFunction(name: name, body: body))
    }

    static func dictMethod(_ o: JinjaObject, _ name: String) -> Value? {
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

    static func listMethod(_ a: [Value], _ name: String, line: Int) -> Value? {
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

    static func stringMethod(_ s: String, _ name: String, line: Int) -> Value? {
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
}
