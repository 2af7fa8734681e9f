/// The parsed form of a `Split` pattern, and the parser for the subset of Oniguruma syntax that tokenizer.json
/// files use: literals and escapes, bracket classes, `\s \S \p{…} \P{…}`, groups `( )`, `(?: )`, `(?i: )`, `(?i)`,
/// alternation, the quantifiers `? * + {n} {n,} {n,m}` (greedy or lazy) and lookahead `(?= )`, `(?! )`.
/// Anything else (`.`, anchors, backreferences, lookbehind, `\d`, `\w`, possessive quantifiers, scripts, …) is a
/// `RegexSyntaxError` naming the construct: a pattern this engine cannot reproduce exactly must not load.
indirect enum RegexNode: Sendable, Equatable {
    case empty
    case scalar(Unicode.Scalar, caseInsensitive: Bool)
    case characterClass(RegexCharacterClass)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    /// `max == nil` is unbounded.
    case repetition(RegexNode, min: Int, max: Int?, greedy: Bool)
    case lookahead(RegexNode, negative: Bool)

    /// True when the node can match without consuming input.
    var isNullable: Bool {
        switch self {
        case .empty, .lookahead: return true
        case .scalar, .characterClass: return false
        case .concatenation(let nodes): return nodes.allSatisfy(\.isNullable)
        case .alternation(let nodes): return nodes.contains(where: \.isNullable)
        case .repetition(let node, let min, _, _): return min == 0 || node.isNullable
        }
    }

    /// The class of a node that matches exactly one scalar, if it is one.
    var singleScalarClass: RegexCharacterClass? {
        switch self {
        case .scalar(let s, let ci): return RegexCharacterClass(scalar: s, caseInsensitive: ci)
        case .characterClass(let c): return c
        default: return nil
        }
    }
}

/// A pattern the engine cannot compile: what and where (offset in Unicode scalars of the pattern).
struct RegexSyntaxError: Error, Equatable, CustomStringConvertible {
    let offset: Int
    let message: String
    var description: String { "\(message) at offset \(offset)" }
}

struct RegexParser {
    private let s: [Unicode.Scalar]
    private var i = 0

    static func parse(_ pattern: String) throws -> RegexNode {
        var p = RegexParser(s: Array(pattern.unicodeScalars))
        let node = try p.alternation(caseInsensitive: false)
        if p.i < p.s.count {
            throw p.error(p.s[p.i] == ")" ? "unbalanced ')'" : "unexpected '\(p.s[p.i])'")
        }
        return node
    }

    private init(s: [Unicode.Scalar]) { self.s = s }

    private func error(_ message: String, at offset: Int? = nil) -> RegexSyntaxError {
        RegexSyntaxError(offset: offset ?? i, message: message)
    }

    private func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }

    private mutating func alternation(caseInsensitive: Bool) throws -> RegexNode {
        var ci = caseInsensitive
        var branches: [RegexNode] = [try concatenation(caseInsensitive: &ci)]
        while peek() == "|" {
            i += 1
            branches.append(try concatenation(caseInsensitive: &ci))
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    /// Items up to `|`, `)` or the end. An inline `(?i)` switches case-insensitivity on for the rest of the
    /// enclosing group, later alternatives included (Oniguruma's Ruby syntax).
    private mutating func concatenation(caseInsensitive ci: inout Bool) throws -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek(), c != "|", c != ")" {
            if c == "(", peek(1) == "?", let flag = inlineFlag() {
                ci = flag
                continue
            }
            let atomStart = i
            var atom = try self.atom(caseInsensitive: ci)
            atom = try quantifiers(on: atom, atomStart: atomStart)
            items.append(atom)
        }
        if items.isEmpty { return .empty }
        return items.count == 1 ? items[0] : .concatenation(items)
    }

    /// Consumes `(?i)` / `(?-i)` and returns the new flag; nil (consuming nothing) for any other group.
    private mutating func inlineFlag() -> Bool? {
        if peek(2) == "i", peek(3) == ")" { i += 4; return true }
        if peek(2) == "-", peek(3) == "i", peek(4) == ")" { i += 5; return false }
        return nil
    }

    private mutating func quantifiers(on atom: RegexNode, atomStart: Int) throws -> RegexNode {
        var node = atom
        while let c = peek() {
            var min = 0, max: Int?
            let quantStart = i
            switch c {
            case "?": min = 0; max = 1; i += 1
            case "*": min = 0; max = nil; i += 1
            case "+": min = 1; max = nil; i += 1
            case "{":
                guard let (lo, hi, length) = braces() else { return node }  // a literal '{' (Oniguruma)
                min = lo; max = hi; i += length
            default: return node
            }
            if case .lookahead = node { throw error("quantified lookahead", at: quantStart) }
            if case .repetition = node { throw error("nested quantifier (use a group)", at: quantStart) }
            var greedy = true
            if peek() == "?" { greedy = false; i += 1 } else if peek() == "+" {
                throw error("possessive quantifier", at: quantStart)
            }
            if let max, max < min { throw error("quantifier {\(min),\(max)} has max < min", at: quantStart) }
            if max == nil, atom.isNullable {
                throw error("unbounded quantifier on a group that can match the empty string", at: quantStart)
            }
            node = .repetition(node, min: min, max: max, greedy: greedy)
        }
        return node
    }

    /// `{n}`, `{n,}`, `{n,m}` starting at `i`: (min, max, length) or nil when the text is not a quantifier.
    private func braces() -> (Int, Int?, Int)? {
        var j = i + 1
        func number(_ j: inout Int) -> Int? {
            var v = 0, n = 0
            while j < s.count, let d = Int(String(s[j])), s[j].isASCII { v = v * 10 + d; j += 1; n += 1 }
            return n > 0 && n < 7 ? v : nil
        }
        guard let lo = number(&j) else { return nil }
        if j < s.count, s[j] == "}" { return (lo, lo, j + 1 - i) }
        guard j < s.count, s[j] == "," else { return nil }
        j += 1
        if j < s.count, s[j] == "}" { return (lo, nil, j + 1 - i) }
        guard let hi = number(&j), j < s.count, s[j] == "}" else { return nil }
        return (lo, hi, j + 1 - i)
    }

    private mutating func atom(caseInsensitive ci: Bool) throws -> RegexNode {
        let c = s[i]
        switch c {
        case "(": return try group(caseInsensitive: ci)
        case "[":
            i += 1
            return .characterClass(try bracket(caseInsensitive: ci))
        case "\\":
            return try escape(caseInsensitive: ci, inClass: false).node
        case ".": throw error("'.' (any character)")
        case "^", "$": throw error("anchor '\(c)'")
        case "*", "+", "?": throw error("quantifier '\(c)' with nothing to repeat")
        default:
            i += 1
            return .scalar(c, caseInsensitive: ci)
        }
    }

    private mutating func group(caseInsensitive ci: Bool) throws -> RegexNode {
        let start = i
        i += 1
        var inner: RegexNode
        if peek() == "?" {
            switch (peek(1), peek(2)) {
            case (":", _):
                i += 2
                inner = try alternation(caseInsensitive: ci)
            case ("i", ":"):
                i += 3
                inner = try alternation(caseInsensitive: true)
            case ("-", "i") where peek(3) == ":":
                i += 4
                inner = try alternation(caseInsensitive: false)
            case ("=", _), ("!", _):
                let negative = peek(1) == "!"
                i += 2
                inner = .lookahead(try alternation(caseInsensitive: ci), negative: negative)
            case ("<", "="), ("<", "!"): throw error("lookbehind", at: start)
            case ("<", _), ("P", _), ("'", _): throw error("named group", at: start)
            case (">", _): throw error("atomic group", at: start)
            default: throw error("group option '(?\(peek(1).map(String.init) ?? "")'", at: start)
            }
        } else {
            inner = try alternation(caseInsensitive: ci)  // capturing group: captures are not used
        }
        guard peek() == ")" else { throw error("unclosed group", at: start) }
        i += 1
        return inner
    }

    /// A bracket expression after its `[`.
    private mutating func bracket(caseInsensitive ci: Bool) throws -> RegexCharacterClass {
        let start = i - 1
        var negated = false
        if peek() == "^" { negated = true; i += 1 }
        var items: [RegexCharacterClass.Item] = []
        var first = true
        while true {
            guard let c = peek() else { throw error("unclosed '['", at: start) }
            if c == "]" && !first { i += 1; break }
            first = false
            if c == "[" { throw error("nested or POSIX bracket class", at: i) }
            if c == "&", peek(1) == "&" { throw error("class intersection '&&'", at: i) }
            var lo: Unicode.Scalar
            if c == "\\" {
                let e = try escape(caseInsensitive: ci, inClass: true)
                guard let scalar = e.scalar else {
                    guard case .characterClass(let cls) = e.node else { throw error("escape in class") }
                    items.append(contentsOf: cls.negated ? [Self.complement(cls)] : cls.items)
                    continue
                }
                lo = scalar
            } else {
                lo = c
                i += 1
            }
            if peek() == "-", let next = peek(1), next != "]" {
                i += 1
                var hi: Unicode.Scalar
                if next == "\\" {
                    let e = try escape(caseInsensitive: ci, inClass: true)
                    guard let scalar = e.scalar else { throw error("class escape as range end") }
                    hi = scalar
                } else {
                    hi = next
                    i += 1
                }
                guard lo.value <= hi.value else { throw error("empty range \(lo)-\(hi)") }
                items.append(.range(lo.value, hi.value))
            } else {
                items.append(.range(lo.value, lo.value))
            }
        }
        return RegexCharacterClass(items: items, negated: negated, caseInsensitive: ci)
    }

    /// Only single-item negated classes can sit inside a bracket (`[\S]`, `[\P{L}]`).
    private static func complement(_ cls: RegexCharacterClass) -> RegexCharacterClass.Item {
        switch cls.items.first! {
        case .whitespace(let n): return .whitespace(negated: !n)
        case .categories(let m, let n): return .categories(m, negated: !n)
        case .range: preconditionFailure("ranges are never negated escapes")
        }
    }

    /// An escape at `i` (the backslash): a scalar, or a class for `\s \S \p{…} \P{…}`.
    private mutating func escape(caseInsensitive ci: Bool, inClass: Bool) throws -> (node: RegexNode, scalar: Unicode.Scalar?) {
        let start = i
        i += 1
        guard let c = peek() else { throw error("trailing backslash", at: start) }
        i += 1
        func lit(_ v: UInt32) -> (RegexNode, Unicode.Scalar?) {
            let u = Unicode.Scalar(v)!
            return (.scalar(u, caseInsensitive: ci), u)
        }
        switch c {
        case "n": return lit(0x0A)
        case "r": return lit(0x0D)
        case "t": return lit(0x09)
        case "f": return lit(0x0C)
        case "v": return lit(0x0B)
        case "a": return lit(0x07)
        case "e": return lit(0x1B)
        case "s", "S":
            return (.characterClass(RegexCharacterClass(items: [.whitespace(negated: false)], negated: c == "S")), nil)
        case "p", "P":
            guard peek() == "{" else { throw error("\\\(c) without {name}", at: start) }
            guard let close = s[i...].firstIndex(of: "}") else { throw error("unclosed \\\(c){", at: start) }
            var name = String(String.UnicodeScalarView(s[(i + 1)..<close]))
            i = close + 1
            var negated = c == "P"
            if name.hasPrefix("^") { negated.toggle(); name.removeFirst() }
            guard let mask = RegexCharacterClass.categoryMask(named: name) else {
                throw error("unsupported property \\\(c){\(name)} (only general categories)", at: start)
            }
            return (.characterClass(RegexCharacterClass(items: [.categories(mask, negated: false)], negated: negated)), nil)
        case "x":
            if peek() == "{" {
                guard let close = s[i...].firstIndex(of: "}"),
                      let v = UInt32(String(String.UnicodeScalarView(s[(i + 1)..<close])), radix: 16),
                      Unicode.Scalar(v) != nil else { throw error("invalid \\x{…}", at: start) }
                i = close + 1
                return lit(v)
            }
            guard i + 2 <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[i..<i + 2])), radix: 16) else {
                throw error("invalid \\x escape", at: start)
            }
            i += 2
            return lit(v)
        case "u":
            guard i + 4 <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[i..<i + 4])), radix: 16),
                  Unicode.Scalar(v) != nil else { throw error("invalid \\u escape", at: start) }
            i += 4
            return lit(v)
        case "d", "D", "w", "W", "h", "H":
            throw error("\\\(c) (its ASCII/Unicode meaning differs between engines)", at: start)
        case "b", "B", "A", "z", "Z", "G":
            throw error("anchor \\\(c)", at: start)
        case "0"..."9", "k", "g":
            throw error("backreference or subroutine \\\(c)", at: start)
        case "Q", "E", "K", "R", "X", "N", "O", "y", "Y", "c", "C", "M":
            throw error("escape \\\(c)", at: start)
        default:
            if c.properties.isAlphabetic && c.isASCII { throw error("escape \\\(c)", at: start) }
            return (.scalar(c, caseInsensitive: ci), c)  // escaped punctuation or other literal
        }
    }
}
