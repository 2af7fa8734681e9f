import Foundation

/// Jinja's filters (the ones chat templates use), with transformers' `tojson` (`json.dumps`, `ensure_ascii=False`).
extension JinjaBuiltins {
    static let filterNames: Set<String> = [
        "abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "indent", "int", "items", "join",
        "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round",
        "safe", "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "unique", "upper",
        "wordcount",
    ]

    static func filter(_ name: String, _ v: Value, _ args: [Value], _ kwargs: KeywordArguments, line: Int) throws -> Value {
        /// Positional argument `k`, or the keyword `key`, or nil.
        func arg(_ k: Int, _ key: String) -> Value? {
            if k < args.count { return args[k] }
            return kwargs.first { $0.name == key }?.value
        }
        func text(_ x: Value) -> String { PythonFormatting.str(x) }
        func attributePath(_ x: Value, _ path: String) throws -> Value {
            var cur = x
            for part in path.split(separator: ".") {
                if let i = Int(part) { cur = try item(cur, .int(i), line: line) } else { cur = try attribute(cur, String(part), line: line) }
            }
            return cur
        }
        switch name {
        case "abs":
            switch v {
            case .int(let i): return .int(abs(i))
            case .double(let d): return .double(abs(d))
            default: throw ChatTemplateError.runtime(line: line, "bad operand type for abs(): '\(v.typeName)'")
            }
        case "capitalize": return .string(capitalize(text(v)))
        case "title": return .string(title(text(v)))
        case "lower": return .string(text(v).lowercased())
        case "upper": return .string(text(v).uppercased())
        case "string": return .string(text(v))
        case "safe": return v
        case "e", "escape":
            var out = ""
            for c in text(v).unicodeScalars {
                switch c {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&#34;"
                case "'": out += "&#39;"
                default: out.unicodeScalars.append(c)
                }
            }
            return .string(out)
        case "trim":
            let chars: String? = { if case .string(let c)? = arg(0, "chars") { return c } else { return nil } }()
            var u = Array(text(v).unicodeScalars)[...]
            let set = chars.map { Set($0.unicodeScalars) }
            func drop(_ c: Unicode.Scalar) -> Bool { set.map { $0.contains(c) } ?? JinjaLexer.isSpace(c) }
            while let f = u.first, drop(f) { u.removeFirst() }
            while let l = u.last, drop(l) { u.removeLast() }
            return .string(String(String.UnicodeScalarView(u)))
        case "length", "count":
            switch v {
            case .undefined: return .int(0)
            case .string(let s): return .int(s.unicodeScalars.count)
            case .array(let a), .tuple(let a): return .int(a.count)
            case .object(let o): return .int(o.count)
            default: throw ChatTemplateError.runtime(line: line, "object of type '\(v.typeName)' has no len()")
            }
        case "wordcount": return .int(pythonSplit(text(v), nil, maxSplit: -1, fromRight: false).count)
        case "d", "default":
            let fallback = arg(0, "default_value") ?? .string("")
            let boolean = arg(1, "boolean")?.truthy ?? false
            return v.isUndefined || (boolean && !v.truthy) ? fallback : v
        case "first", "last":
            let items = try iterate(v, line: line)
            return (name == "first" ? items.first : items.last) ?? .undefined("\(name) of an empty sequence")
        case "list": return .array(try iterate(v, line: line))
        case "reverse":
            if case .string(let s) = v { return .string(String(s.reversed())) }
            return .array(try iterate(v, line: line).reversed())
        case "items":
            switch v {
            case .undefined: return .array([])
            case .object(let o): return .array(o.pairs.map { .tuple([.string($0), $1]) })
            default: throw ChatTemplateError.runtime(line: line, "items filter needs a mapping, got '\(v.typeName)'")
            }
        case "join":
            let separator = arg(0, "d").map(text) ?? ""
            var items = try iterate(v, line: line)
            if case .string(let path)? = arg(1, "attribute") { items = try items.map { try attributePath($0, path) } }
            return .string(items.map(text).joined(separator: separator))
        case "int":
            let fallback = arg(0, "default") ?? .int(0)
            switch v {
            case .int: return v
            case .bool(let b): return .int(b ? 1 : 0)
            case .double(let d): return d.isFinite ? .int(Int(d)) : fallback
            case .string(let s):
                let t = s.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
                if let i = Int(t) { return .int(i) }
                if let d = Double(t), d.isFinite { return .int(Int(d)) }
                return fallback
            default: return fallback
            }
        case "float":
            let fallback = arg(0, "default") ?? .double(0)
            switch v {
            case .int(let i): return .double(Double(i))
            case .double: return v
            case .bool(let b): return .double(b ? 1 : 0)
            case .string(let s): return Double(s.trimmingCharacters(in: .whitespaces)).map { .double($0) } ?? fallback
            default: return fallback
            }
        case "round":
            var precision = 0
            if case .int(let p)? = arg(0, "precision") { precision = p }
            let method: String = { if case .string(let m)? = arg(1, "method") { return m } else { return "common" } }()
            let x: Double
            switch v {
            case .int(let i): x = Double(i)
            case .double(let d): x = d
            default: throw ChatTemplateError.runtime(line: line, "round needs a number")
            }
            let scale = Foundation.pow(10.0, Double(precision))
            let rule: FloatingPointRoundingRule = method == "ceil" ? .up : method == "floor" ? .down : .toNearestOrEven
            return .double((x * scale).rounded(rule) / scale)
        case "replace":
            guard let old = arg(0, "old"), let new = arg(1, "new") else {
                throw ChatTemplateError.runtime(line: line, "replace needs two arguments")
            }
            var count = -1
            if case .int(let c)? = arg(2, "count") { count = c }
            return .string(replace(text(v), text(old), text(new), count: count))
        case "indent":
            var width = "    "
            switch arg(0, "width") {
            case .int(let w)?: width = String(repeating: " ", count: w)
            case .string(let s)?: width = s
            default: break
            }
            let first = arg(1, "first")?.truthy ?? false
            let blank = arg(2, "blank")?.truthy ?? false
            let lines = text(v).components(separatedBy: "\n")
            var out: [String] = []
            for (i, l) in lines.enumerated() {
                if i == 0 && !first { out.append(l); continue }
                out.append(!blank && l.unicodeScalars.allSatisfy(JinjaLexer.isSpace) ? l : width + l)
            }
            return .string(out.joined(separator: "\n"))
        case "tojson":
            var options = PythonFormatting.JSONOptions(indent: nil, itemSeparator: ", ", keySeparator: ": ")
            switch arg(0, "indent") {
            case .int(let n)?:
                options.indent = String(repeating: " ", count: n)
                options.itemSeparator = ","
            case .string(let s)?:
                options.indent = s
                options.itemSeparator = ","
            default: break
            }
            options.ensureASCII = arg(1, "ensure_ascii")?.truthy ?? false
            if let seps = arg(2, "separators").map({ try? iterate($0, line: line) }) ?? nil, seps.count == 2 {
                options.itemSeparator = text(seps[0])
                options.keySeparator = text(seps[1])
            }
            options.sortKeys = arg(3, "sort_keys")?.truthy ?? false
            do { return .string(try PythonFormatting.json(v, options)) } catch let e as PythonFormatting.JSONUnserializable {
                throw ChatTemplateError.runtime(line: line, "Object of type \(e.typeName) is not JSON serializable")
            }
        case "map":
            let items = try iterate(v, line: line)
            if case .string(let path)? = kwargs.first(where: { $0.name == "attribute" })?.value {
                let fallback = kwargs.first { $0.name == "default" }?.value
                return .array(try items.map { item in
                    let r = try attributePath(item, path)
                    if r.isUndefined, let fallback { return fallback }
                    return r
                })
            }
            guard case .string(let filterName)? = args.first else {
                throw ChatTemplateError.runtime(line: line, "map needs a filter name or attribute=")
            }
            guard filterNames.contains(filterName) else { throw ChatTemplateError.unsupported(line: line, "the filter '\(filterName)'") }
            let rest = Array(args.dropFirst())
            return .array(try items.map { try filter(filterName, $0, rest, [], line: line) })
        case "select", "reject", "selectattr", "rejectattr":
            let items = try iterate(v, line: line)
            let byAttribute = name.hasSuffix("attr")
            var rest = args
            var path: String?
            if byAttribute {
                guard case .string(let p)? = rest.first else { throw ChatTemplateError.runtime(line: line, "\(name) needs an attribute") }
                path = p
                rest.removeFirst()
            }
            var testName: String?
            if case .string(let t)? = rest.first {
                testName = t
                rest.removeFirst()
            }
            if let testName, !testNames.contains(testName) { throw ChatTemplateError.unsupported(line: line, "the test '\(testName)'") }
            let keep = name.hasPrefix("select")
            return .array(try items.filter { item in
                let subject = try path.map { try attributePath(item, $0) } ?? item
                let passes = try testName.map { try test($0, subject, rest, line: line) } ?? subject.truthy
                return passes == keep
            })
        case "sort", "unique", "max", "min":
            var items = try iterate(v, line: line)
            let caseSensitive = arg(name == "sort" ? 1 : 0, "case_sensitive")?.truthy ?? false
            let path: String? = { if case .string(let p)? = arg(name == "sort" ? 2 : 1, "attribute") { return p } else { return nil } }()
            func key(_ x: Value) throws -> Value {
                let k = try path.map { try attributePath(x, $0) } ?? x
                if !caseSensitive, case .string(let s) = k { return .string(s.lowercased()) }
                return k
            }
            switch name {
            case "sort":
                let reverse = arg(0, "reverse")?.truthy ?? false
                var failure: Error?
                let keyed = try items.map { (try key($0), $0) }
                let sorted = keyed.enumerated().sorted { x, y in
                    do {
                        let c = try ordered(x.element.0, y.element.0, line: line)
                        if c != 0 { return reverse ? c > 0 : c < 0 }
                    } catch { failure = error }
                    return x.offset < y.offset
                }
                if let failure { throw failure }
                items = sorted.map { $0.element.1 }
                return .array(items)
            case "unique":
                var seen: [Value] = []
                var out: [Value] = []
                for x in items {
                    let k = try key(x)
                    if !seen.contains(where: { equal($0, k) }) { seen.append(k); out.append(x) }
                }
                return .array(out)
            default:
                guard var best = items.first else { return .undefined("\(name) of an empty sequence") }
                var bestKey = try key(best)
                for x in items.dropFirst() {
                    let k = try key(x)
                    let c = try ordered(k, bestKey, line: line)
                    if name == "max" ? c > 0 : c < 0 { best = x; bestKey = k }
                }
                return best
            }
        case "sum":
            var total: Value = arg(1, "start") ?? .int(0)
            let path: String? = { if case .string(let p)? = arg(0, "attribute") { return p } else { return nil } }()
            for x in try iterate(v, line: line) { total = try binary("+", total, try path.map { try attributePath(x, $0) } ?? x, line: line) }
            return total
        default:
            throw ChatTemplateError.unsupported(line: line, "the filter '\(name)'")
        }
    }
}
