/// Renders parsed templates with Jinja's semantics as transformers configures it: Python truthiness and
/// comparisons, `Undefined` for missing variables, keys and attributes (printing as nothing, failing on attribute
/// access or arithmetic), attribute lookup falling back to dict keys, per-iteration loop scopes (a `set` inside a
/// loop does not leak out, `namespace()` attributes do), `loop.*` variables and `break`/`continue`.
struct JinjaInterpreter {
    /// Variable scopes, innermost last; the first holds the template's variables and globals.
    private var scopes: [[String: JinjaRuntimeValue]]
    private var output = ""

    private enum Flow { case normal, breakLoop, continueLoop }

    init(variables: [String: JinjaRuntimeValue]) {
        var root = JinjaBuiltins.globals
        for (k, v) in variables { root[k] = v }
        scopes = [root]
    }

    mutating func render(_ nodes: [JinjaNode]) throws -> String {
        output = ""
        let flow = try execute(nodes)
        if flow != .normal { throw ChatTemplateError.syntax(line: 0, message: "'break' or 'continue' outside a loop") }
        return output
    }

    // MARK: - Scopes

    private func lookup(_ name: String) -> JinjaRuntimeValue {
        for scope in scopes.reversed() {
            if let v = scope[name] { return v }
        }
        return .undefined(name)
    }

    private mutating func assign(_ name: String, _ value: JinjaRuntimeValue) {
        scopes[scopes.count - 1][name] = value
    }

    // MARK: - Statements

    private mutating func execute(_ nodes: [JinjaNode]) throws -> Flow {
        for node in nodes {
            let flow = try execute(node)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private mutating func execute(_ node: JinjaNode) throws -> Flow {
        switch node {
        case .text(let s):
            output += s
        case .output(let e):
            output += PythonFormatting.str(try evaluate(e))
        case .ifBlock(let branches, let otherwise):
            for b in branches where try evaluate(b.condition).truthy {
                return try execute(b.body)
            }
            return try execute(otherwise)
        case .forLoop(let targets, let iterable, let filter, let body, let otherwise, let line):
            return try forLoop(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise, line: line)
        case .set(let targets, let value, let line):
            let v = try evaluate(value)
            if targets.count == 1 {
                assign(targets[0], v)
            } else {
                let items = try JinjaBuiltins.iterate(v, line: line)
                guard items.count == targets.count else {
                    throw ChatTemplateError.runtime(line: line, "cannot unpack \(items.count) values into \(targets.count) names")
                }
                for (t, item) in zip(targets, items) { assign(t, item) }
            }
        case .setAttribute(let object, let attribute, let value, let line):
            guard case .namespace(let ns) = lookup(object) else {
                throw ChatTemplateError.runtime(line: line, "cannot assign attribute on non-namespace object '\(object)'")
            }
            ns.attributes[attribute] = try evaluate(value)
        case .setBlock(let target, let body):
            let saved = output
            output = ""
            let flow = try execute(body)
            let captured = output
            output = saved
            assign(target, .string(captured))
            return flow
        case .breakLoop(let line):
            guard scopes.count > 1 else { throw ChatTemplateError.syntax(line: line, message: "'break' outside a loop") }
            return .breakLoop
        case .continueLoop(let line):
            guard scopes.count > 1 else { throw ChatTemplateError.syntax(line: line, message: "'continue' outside a loop") }
            return .continueLoop
        case .generation(let body):
            return try execute(body)
        }
        return .normal
    }

    private mutating func forLoop(targets: [String], iterable: JinjaExpression, filter: JinjaExpression?,
                                  body: [JinjaNode], otherwise: [JinjaNode], line: Int) throws -> Flow {
        var items = try JinjaBuiltins.iterate(try evaluate(iterable), line: line)
        func bind(_ item: JinjaRuntimeValue, into scope: inout [String: JinjaRuntimeValue]) throws {
            if targets.count == 1 {
                scope[targets[0]] = item
            } else {
                let parts = try JinjaBuiltins.iterate(item, line: line)
                guard parts.count == targets.count else {
                    throw ChatTemplateError.runtime(line: line, "cannot unpack \(parts.count) values into \(targets.count) names")
                }
                for (t, p) in zip(targets, parts) { scope[t] = p }
            }
        }
        if let filter {
            var kept: [JinjaRuntimeValue] = []
            for item in items {
                var scope: [String: JinjaRuntimeValue] = [:]
                try bind(item, into: &scope)
                scopes.append(scope)
                defer { scopes.removeLast() }
                if try evaluate(filter).truthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty { return try execute(otherwise) }
        let n = items.count
        for (i, item) in items.enumerated() {
            var scope: [String: JinjaRuntimeValue] = [:]
            try bind(item, into: &scope)
            scope["loop"] = Self.loopObject(index: i, count: n, items: items)
            scopes.append(scope)
            let flow: Flow
            do {
                flow = try execute(body)
            } catch {
                scopes.removeLast()
                throw error
            }
            scopes.removeLast()
            if flow == .breakLoop { break }
        }
        return .normal
    }

    private static func loopObject(index i: Int, count n: Int, items: [JinjaRuntimeValue]) -> JinjaRuntimeValue {
        var loop = JinjaObject()
        loop["index"] = .int(i + 1)
        loop["index0"] = .int(i)
        loop["revindex"] = .int(n - i)
        loop["revindex0"] = .int(n - i - 1)
        loop["first"] = .bool(i == 0)
        loop["last"] = .bool(i == n - 1)
        loop["length"] = .int(n)
        loop["depth"] = .int(1)
        loop["depth0"] = .int(0)
        loop["previtem"] = i > 0 ? items[i - 1] : .undefined("loop.previtem")
        loop["nextitem"] = i + 1 < n ? items[i + 1] : .undefined("loop.nextitem")
        loop["cycle"] = .function(JinjaFunction(name: "loop.cycle") { args, _ in
            guard !args.isEmpty else { throw ChatTemplateError.runtime(line: 0, "loop.cycle() needs at least one value") }
            return args[i % args.count]
        })
        return .object(loop)
    }

    // MARK: - Expressions

    mutating func evaluate(_ e: JinjaExpression) throws -> JinjaRuntimeValue {
        switch e {
        case .literal(let v): return JinjaRuntimeValue(v)
        case .name(let n, _): return lookup(n)
        case .list(let items): return .array(try items.map { try evaluate($0) })
        case .tuple(let items): return .tuple(try items.map { try evaluate($0) })
        case .dict(let pairs):
            var o = JinjaObject()
            for (k, v) in pairs {
                let key = try evaluate(k)
                guard case .string(let s) = key else {
                    throw ChatTemplateError.unsupported(line: 0, "dict keys that are not strings (\(key.typeName))")
                }
                o[s] = try evaluate(v)
            }
            return .object(o)
        case .attribute(let base, let name, let line):
            return try JinjaBuiltins.attribute(try evaluate(base), name, line: line)
        case .index(let base, let index, let line):
            return try JinjaBuiltins.item(try evaluate(base), try evaluate(index), line: line)
        case .slice(let base, let start, let stop, let step, let line):
            return try JinjaBuiltins.slice(try evaluate(base), start: try start.map { try evaluate($0) },
                                           stop: try stop.map { try evaluate($0) }, step: try step.map { try evaluate($0) },
                                           line: line)
        case .call(let callee, let args, let kwargs, let line):
            let f = try evaluate(callee)
            let a = try args.map { try evaluate($0) }
            let kw = try kwargs.map { (name: $0.name, value: try evaluate($0.value)) }
            guard case .function(let fn) = f else {
                if case .undefined(let name) = f {
                    throw ChatTemplateError.unsupported(line: line, "the function '\(name)' (not defined)")
                }
                throw ChatTemplateError.runtime(line: line, "'\(f.typeName)' object is not callable")
            }
            do { return try fn.body(a, kw) } catch let error as ChatTemplateError {
                throw JinjaBuiltins.located(error, line: line)
            }
        case .filter(let base, let name, let args, let kwargs, let line):
            let v = try evaluate(base)
            let a = try args.map { try evaluate($0) }
            let kw = try kwargs.map { (name: $0.name, value: try evaluate($0.value)) }
            return try JinjaBuiltins.filter(name, v, a, kw, line: line)
        case .test(let base, let name, let args, let negated, let line):
            let v = try evaluate(base)
            let a = try args.map { try evaluate($0) }
            return .bool(try JinjaBuiltins.test(name, v, a, line: line) != negated)
        case .unary(let op, let operand, let line):
            let v = try evaluate(operand)
            switch (op, v) {
            case ("-", .int(let i)): return .int(-i)
            case ("-", .double(let d)): return .double(-d)
            case ("-", .bool(let b)): return .int(b ? -1 : 0)
            case ("+", .int), ("+", .double): return v
            case ("+", .bool(let b)): return .int(b ? 1 : 0)
            default: throw ChatTemplateError.runtime(line: line, "bad operand type for unary \(op): '\(v.typeName)'")
            }
        case .binary(let op, let l, let r, let line):
            return try JinjaBuiltins.binary(op, try evaluate(l), try evaluate(r), line: line)
        case .and(let l, let r):
            let a = try evaluate(l)
            return a.truthy ? try evaluate(r) : a
        case .or(let l, let r):
            let a = try evaluate(l)
            return a.truthy ? a : try evaluate(r)
        case .not(let x):
            return .bool(!(try evaluate(x).truthy))
        case .conditional(let value, let condition, let otherwise):
            if try evaluate(condition).truthy { return try evaluate(value) }
            return try otherwise.map { try evaluate($0) } ?? .undefined("conditional expression")
        }
    }
}
