/// Recursive-descent parser for the Jinja subset, following Jinja's own grammar and operator precedence
/// (conditional < `or` < `and` < `not` < comparisons and `in` < `+ -` < `~` < `* / // %` < `**` < unary `- +`
/// < postfix `.` `[]` `()` < filters `|` and tests `is`). Tags it does not implement (`macro`, `call`, `include`,
/// `extends`, `block`, `filter`, `with`, …) are `ChatTemplateError.unsupported`, never ignored.
struct JinjaParser {
    typealias Token = JinjaLexer.Token
    private let tokens: [JinjaLexer.Located]
    private var k = 0

    static func parse(_ source: String) throws -> [JinjaNode] {
        var p = JinjaParser(tokens: try JinjaLexer.tokenize(source))
        let (body, end) = try p.statements(until: [])
        if let end { throw ChatTemplateError.syntax(line: p.line, message: "unexpected '{% \(end) %}'") }
        return body
    }

    private init(tokens: [JinjaLexer.Located]) { self.tokens = tokens }

    private var line: Int { k < tokens.count ? tokens[k].line : (tokens.last?.line ?? 1) }
    private var current: Token? { k < tokens.count ? tokens[k].token : nil }
    private func peek(_ n: Int) -> Token? { k + n < tokens.count ? tokens[k + n].token : nil }

    private func syntax(_ message: String) -> ChatTemplateError { .syntax(line: line, message: message) }

    private mutating func expect(_ t: Token, _ what: String) throws {
        guard current == t else { throw syntax("expected \(what), found \(describe(current))") }
        k += 1
    }

    private func describe(_ t: Token?) -> String {
        switch t {
        case nil: return "end of template"
        case .text: return "text"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case .name(let n): return "'\(n)'"
        case .string(let s): return "string \(s.debugDescription)"
        case .integer(let i): return "\(i)"
        case .float(let d): return "\(d)"
        case .op(let o): return "'\(o)'"
        }
    }

    private func isName(_ name: String, at n: Int = 0) -> Bool { peek(n) == .name(name) }
    private func isOp(_ op: String, at n: Int = 0) -> Bool { peek(n) == .op(op) }

    private mutating func name() throws -> String {
        guard case .name(let n) = current else { throw syntax("expected a name, found \(describe(current))") }
        k += 1
        return n
    }

    // MARK: - Statements

    /// Nodes up to a block tag whose name is in `until` (consumed up to the name; nil at the end of the template).
    private mutating func statements(until: Set<String>) throws -> ([JinjaNode], String?) {
        var nodes: [JinjaNode] = []
        while let t = current {
            switch t {
            case .text(let s):
                nodes.append(.text(s))
                k += 1
            case .variableBegin:
                k += 1
                let e = try expression(allowTuple: true)
                try expect(.variableEnd, "'}}'")
                nodes.append(.output(e))
            case .blockBegin:
                guard case .name(let tag) = peek(1) else { throw syntax("expected a tag name after '{%'") }
                if until.contains(tag) {
                    k += 2
                    return (nodes, tag)
                }
                k += 2
                nodes.append(try statement(tag))
            default:
                throw syntax("unexpected \(describe(t))")
            }
        }
        return (nodes, nil)
    }

    private mutating func statement(_ tag: String) throws -> JinjaNode {
        let startLine = line
        switch tag {
        case "if": return try ifStatement()
        case "for": return try forStatement(line: startLine)
        case "set": return try setStatement(line: startLine)
        case "break":
            try expect(.blockEnd, "'%}'")
            return .breakLoop(line: startLine)
        case "continue":
            try expect(.blockEnd, "'%}'")
            return .continueLoop(line: startLine)
        case "generation":
            try expect(.blockEnd, "'%}'")
            let (body, end) = try statements(until: ["endgeneration"])
            guard end != nil else { throw syntax("missing '{% endgeneration %}'") }
            try expect(.blockEnd, "'%}'")
            return .generation(body)
        case "elif", "else", "endif", "endfor", "endset", "endgeneration":
            throw syntax("unexpected '{% \(tag) %}'")
        default:
            throw ChatTemplateError.unsupported(line: startLine, "the tag '{% \(tag) %}'")
        }
    }

    private mutating func ifStatement() throws -> JinjaNode {
        var branches: [(condition: JinjaExpression, body: [JinjaNode])] = []
        var condition = try expression()
        try expect(.blockEnd, "'%}'")
        while true {
            let (body, end) = try statements(until: ["elif", "else", "endif"])
            branches.append((condition, body))
            switch end {
            case "elif":
                condition = try expression()
                try expect(.blockEnd, "'%}'")
            case "else":
                try expect(.blockEnd, "'%}'")
                let (otherwise, close) = try statements(until: ["endif"])
                guard close != nil else { throw syntax("missing '{% endif %}'") }
                try expect(.blockEnd, "'%}'")
                return .ifBlock(branches: branches, otherwise: otherwise)
            case "endif":
                try expect(.blockEnd, "'%}'")
                return .ifBlock(branches: branches, otherwise: [])
            default:
                throw syntax("missing '{% endif %}'")
            }
        }
    }

    private mutating func forStatement(line startLine: Int) throws -> JinjaNode {
        var targets = [try name()]
        while isOp(",") {
            k += 1
            targets.append(try name())
        }
        guard isName("in") else { throw syntax("expected 'in' in for loop") }
        k += 1
        let iterable = try expression(allowConditional: false)
        var filter: JinjaExpression?
        if isName("if") {
            k += 1
            filter = try expression()
        }
        if isName("recursive") { throw ChatTemplateError.unsupported(line: line, "recursive for loops") }
        try expect(.blockEnd, "'%}'")
        let (body, end) = try statements(until: ["else", "endfor"])
        var otherwise: [JinjaNode] = []
        switch end {
        case "else":
            try expect(.blockEnd, "'%}'")
            let (o, close) = try statements(until: ["endfor"])
            guard close != nil else { throw syntax("missing '{% endfor %}'") }
            otherwise = o
            try expect(.blockEnd, "'%}'")
        case "endfor":
            try expect(.blockEnd, "'%}'")
        default:
            throw syntax("missing '{% endfor %}'")
        }
        return .forLoop(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise, line: startLine)
    }

    private mutating func setStatement(line startLine: Int) throws -> JinjaNode {
        let first = try name()
        if isOp(".") {
            k += 1
            let attribute = try name()
            try expect(.op("="), "'='")
            let value = try expression(allowTuple: true)
            try expect(.blockEnd, "'%}'")
            return .setAttribute(object: first, attribute: attribute, value: value, line: startLine)
        }
        var targets = [first]
        while isOp(",") {
            k += 1
            targets.append(try name())
        }
        if current == .blockEnd, targets.count == 1 {
            k += 1
            let (body, end) = try statements(until: ["endset"])
            guard end != nil else { throw syntax("missing '{% endset %}'") }
            try expect(.blockEnd, "'%}'")
            return .setBlock(target: first, body: body)
        }
        if isOp("|") { throw ChatTemplateError.unsupported(line: line, "filtered block assignments") }
        try expect(.op("="), "'='")
        let value = try expression(allowTuple: true)
        try expect(.blockEnd, "'%}'")
        return .set(targets: targets, value: value, line: startLine)
    }

    // MARK: - Expressions

    private mutating func expression(allowTuple: Bool = false, allowConditional: Bool = true) throws -> JinjaExpression {
        let first = allowConditional ? try conditional() : try or()
        guard allowTuple, isOp(",") else { return first }
        var items = [first]
        while isOp(",") {
            k += 1
            if current == .variableEnd || current == .blockEnd { break }
            items.append(try conditional())
        }
        return .tuple(items)
    }

    private mutating func conditional() throws -> JinjaExpression {
        var e = try or()
        while isName("if") {
            k += 1
            let condition = try or()
            var otherwise: JinjaExpression?
            if isName("else") {
                k += 1
                otherwise = try conditional()
            }
            e = .conditional(e, condition: condition, otherwise: otherwise)
        }
        return e
    }

    private mutating func or() throws -> JinjaExpression {
        var e = try and()
        while isName("or") {
            k += 1
            e = .or(e, try and())
        }
        return e
    }

    private mutating func and() throws -> JinjaExpression {
        var e = try not()
        while isName("and") {
            k += 1
            e = .and(e, try not())
        }
        return e
    }

    private mutating func not() throws -> JinjaExpression {
        if isName("not") {
            k += 1
            return .not(try not())
        }
        return try compare()
    }

    private mutating func compare() throws -> JinjaExpression {
        var e = try math1()
        while true {
            let l = line
            if case .op(let op) = current, ["==", "!=", "<", "<=", ">", ">="].contains(op) {
                k += 1
                e = .binary(op, e, try math1(), line: l)
            } else if isName("in") {
                k += 1
                e = .binary("in", e, try math1(), line: l)
            } else if isName("not"), isName("in", at: 1) {
                k += 2
                e = .not(.binary("in", e, try math1(), line: l))
            } else {
                return e
            }
        }
    }

    private mutating func math1() throws -> JinjaExpression {
        var e = try concat()
        while case .op(let op) = current, op == "+" || op == "-" {
            let l = line
            k += 1
            e = .binary(op, e, try concat(), line: l)
        }
        return e
    }

    private mutating func concat() throws -> JinjaExpression {
        var e = try math2()
        while isOp("~") {
            let l = line
            k += 1
            e = .binary("~", e, try math2(), line: l)
        }
        return e
    }

    private mutating func math2() throws -> JinjaExpression {
        var e = try pow()
        while case .op(let op) = current, ["*", "/", "//", "%"].contains(op) {
            let l = line
            k += 1
            e = .binary(op, e, try pow(), line: l)
        }
        return e
    }

    private mutating func pow() throws -> JinjaExpression {
        var e = try unary(withFilter: true)
        while isOp("**") {
            let l = line
            k += 1
            e = .binary("**", e, try unary(withFilter: true), line: l)
        }
        return e
    }

    private mutating func unary(withFilter: Bool) throws -> JinjaExpression {
        let l = line
        var e: JinjaExpression
        if case .op(let op) = current, op == "-" || op == "+" {
            k += 1
            e = .unary(op, try unary(withFilter: false), line: l)
        } else {
            e = try primary()
        }
        e = try postfix(e)
        if withFilter { e = try filters(e) }
        return e
    }

    private mutating func primary() throws -> JinjaExpression {
        let l = line
        guard let t = current else { throw syntax("expected an expression, found end of template") }
        switch t {
        case .name(let n):
            k += 1
            switch n {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(n, line: l)
            }
        case .string(var s):
            k += 1
            while case .string(let more) = current {  // adjacent literals concatenate
                s += more
                k += 1
            }
            return .literal(.string(s))
        case .integer(let i):
            k += 1
            return .literal(.int(i))
        case .float(let d):
            k += 1
            return .literal(.double(d))
        case .op("("):
            k += 1
            if isOp(")") {
                k += 1
                return .tuple([])
            }
            let e = try expression(allowTuple: true)
            try expect(.op(")"), "')'")
            return e
        case .op("["):
            k += 1
            var items: [JinjaExpression] = []
            while !isOp("]") {
                items.append(try expression())
                if isOp(",") { k += 1 } else { break }
            }
            try expect(.op("]"), "']'")
            return .list(items)
        case .op("{"):
            k += 1
            var pairs: [(key: JinjaExpression, value: JinjaExpression)] = []
            while !isOp("}") {
                let key = try expression()
                try expect(.op(":"), "':'")
                pairs.append((key, try expression()))
                if isOp(",") { k += 1 } else { break }
            }
            try expect(.op("}"), "'}'")
            return .dict(pairs)
        default:
            throw syntax("unexpected \(describe(t))")
        }
    }

    private mutating func postfix(_ base: JinjaExpression) throws -> JinjaExpression {
        var e = base
        while true {
            let l = line
            if isOp(".") {
                k += 1
                switch current {
                case .name(let n):
                    k += 1
                    e = .attribute(e, n, line: l)
                case .integer(let i):
                    k += 1
                    e = .index(e, .literal(.int(i)), line: l)
                default:
                    throw syntax("expected an attribute name after '.'")
                }
            } else if isOp("[") {
                k += 1
                e = try subscriptOrSlice(e, line: l)
            } else if isOp("(") {
                e = try call(e, line: l)
            } else {
                return e
            }
        }
    }

    private mutating func subscriptOrSlice(_ base: JinjaExpression, line l: Int) throws -> JinjaExpression {
        var parts: [JinjaExpression?] = [nil]
        var colons = 0
        while !isOp("]") {
            if isOp(":") {
                k += 1
                colons += 1
                parts.append(nil)
                guard colons <= 2 else { throw syntax("too many ':' in a slice") }
                continue
            }
            guard parts[parts.count - 1] == nil else { throw syntax("expected ':' or ']'") }
            parts[parts.count - 1] = try expression()
        }
        k += 1
        if colons == 0 {
            guard let index = parts[0] else { throw syntax("empty subscript") }
            return .index(base, index, line: l)
        }
        while parts.count < 3 { parts.append(nil) }
        return .slice(base, start: parts[0], stop: parts[1], step: parts[2], line: l)
    }

    private mutating func arguments() throws -> ([JinjaExpression], [(name: String, value: JinjaExpression)]) {
        try expect(.op("("), "'('")
        var args: [JinjaExpression] = []
        var kwargs: [(name: String, value: JinjaExpression)] = []
        while !isOp(")") {
            if isOp("*") || isOp("**") { throw ChatTemplateError.unsupported(line: line, "*args / **kwargs in calls") }
            if case .name(let n) = current, isOp("=", at: 1) {
                k += 2
                kwargs.append((n, try expression()))
            } else {
                guard kwargs.isEmpty else { throw syntax("positional argument after keyword argument") }
                args.append(try expression())
            }
            if isOp(",") { k += 1 } else { break }
        }
        try expect(.op(")"), "')'")
        return (args, kwargs)
    }

    private mutating func call(_ callee: JinjaExpression, line l: Int) throws -> JinjaExpression {
        let (args, kwargs) = try arguments()
        return .call(callee, args: args, kwargs: kwargs, line: l)
    }

    private mutating func filters(_ base: JinjaExpression) throws -> JinjaExpression {
        var e = base
        while true {
            let l = line
            if isOp("|") {
                k += 1
                var name = try self.name()
                while isOp(".") {
                    k += 1
                    name += "." + (try self.name())
                }
                var args: [JinjaExpression] = [], kwargs: [(name: String, value: JinjaExpression)] = []
                if isOp("(") { (args, kwargs) = try arguments() }
                e = .filter(e, name: name, args: args, kwargs: kwargs, line: l)
            } else if isName("is") {
                k += 1
                var negated = false
                if isName("not") {
                    k += 1
                    negated = true
                }
                var name = try self.name()
                while isOp(".") {
                    k += 1
                    name += "." + (try self.name())
                }
                var args: [JinjaExpression] = []
                if isOp("(") {
                    let (a, kw) = try arguments()
                    guard kw.isEmpty else { throw ChatTemplateError.unsupported(line: l, "keyword arguments to tests") }
                    args = a
                } else if let t = current, Self.startsTestArgument(t), !isName("else"), !isName("or"), !isName("and") {
                    args = [try postfix(try primary())]
                }
                e = .test(e, name: name, args: args, negated: negated, line: l)
            } else if isOp("(") {
                e = try call(e, line: l)
            } else {
                return e
            }
        }
    }

    private static func startsTestArgument(_ t: Token) -> Bool {
        switch t {
        case .name, .string, .integer, .float, .op("("), .op("["), .op("{"): return true
        default: return false
        }
    }
}
