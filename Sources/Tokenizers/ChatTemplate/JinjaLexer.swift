/// Splits a template into text and tag tokens exactly as Jinja's lexer does in the environment transformers
/// renders chat templates with (`trim_blocks=True, lstrip_blocks=True`, `keep_trailing_newline=False`):
/// `\r\n` and `\r` become `\n` and one final newline is dropped; `{%-`/`{{-`/`{#-` strip all whitespace before
/// the tag, `-%}`/`-}}`/`-#}` all whitespace after it; a block or comment tag alone on its line loses the
/// indentation before it (unless opened with `{%+`), and the newline right after `%}` or `#}` is dropped (unless
/// closed with `+%}`).
struct JinjaLexer {
    enum Token: Equatable {
        case text(String)
        case variableBegin, variableEnd, blockBegin, blockEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
    }

    struct Located: Equatable {
        var token: Token
        var line: Int
    }

    private let s: [Unicode.Scalar]
    private var i = 0
    private var line = 1
    private var tokens: [Located] = []
    private var lineStarting = true

    static func tokenize(_ source: String) throws -> [Located] {
        var normalized: [Unicode.Scalar] = []
        var it = Array(source.unicodeScalars)[...]
        while let c = it.popFirst() {
            if c == "\r" {
                if it.first == "\n" { it.removeFirst() }
                normalized.append("\n")
            } else {
                normalized.append(c)
            }
        }
        if normalized.last == "\n" { normalized.removeLast() }
        var lexer = JinjaLexer(s: normalized)
        try lexer.run()
        return lexer.tokens
    }

    private init(s: [Unicode.Scalar]) { self.s = s }

    private func error(_ message: String) -> ChatTemplateError { .syntax(line: line, message: message) }

    private func starts(_ text: String, at k: Int) -> Bool {
        var j = k
        for c in text.unicodeScalars {
            guard j < s.count, s[j] == c else { return false }
            j += 1
        }
        return true
    }

    private mutating func emit(_ t: Token) { tokens.append(Located(token: t, line: line)) }

    private mutating func emitText(_ scalars: ArraySlice<Unicode.Scalar>) {
        guard !scalars.isEmpty else { return }
        emit(.text(String(String.UnicodeScalarView(scalars))))
        line += scalars.lazy.filter { $0 == "\n" }.count
    }

    private mutating func run() throws {
        while i < s.count {
            // The next tag opener.
            var j = i
            var kind: Unicode.Scalar?
            while j + 1 < s.count {
                if s[j] == "{", s[j + 1] == "{" || s[j + 1] == "%" || s[j + 1] == "#" { kind = s[j + 1]; break }
                j += 1
            }
            guard let kind else {
                emitText(s[i...])
                i = s.count
                break
            }
            var text = s[i..<j]
            var after = j + 2
            let sign: Unicode.Scalar? = after < s.count && (s[after] == "-" || s[after] == "+") ? s[after] : nil
            if sign != nil { after += 1 }
            if sign == "-" {
                while let last = text.last, Self.isSpace(last) { text.removeLast() }
            } else if sign != "+" && kind != "{" {
                // lstrip_blocks: only whitespace between the line start and the tag.
                let lineStart = text.lastIndex(of: "\n").map { $0 + 1 } ?? text.startIndex
                if lineStart > text.startIndex || lineStarting {
                    let tail = text[lineStart...]
                    if !tail.isEmpty && tail.allSatisfy(Self.isSpace) { text = text[..<lineStart] }
                }
            }
            emitText(text)
            line += s[text.endIndex..<j].lazy.filter { $0 == "\n" }.count
            i = after
            lineStarting = false
            switch kind {
            case "#": try comment()
            case "%":
                if Self.tagName(s, from: i) == "raw" { throw error("unsupported tag 'raw'") }
                emit(.blockBegin)
                try tag(block: true)
            default:
                emit(.variableBegin)
                try tag(block: false)
            }
        }
    }

    private static func tagName(_ s: [Unicode.Scalar], from k: Int) -> String {
        var j = k
        while j < s.count, isSpace(s[j]) { j += 1 }
        var name = ""
        while j < s.count, s[j].properties.isAlphabetic || s[j] == "_" { name.unicodeScalars.append(s[j]); j += 1 }
        return name
    }

    /// After `{#`: up to the first `#}` (with its whitespace control).
    private mutating func comment() throws {
        var j = i
        while j + 1 < s.count {
            if s[j] == "+" || s[j] == "-", j + 2 < s.count, s[j + 1] == "#", s[j + 2] == "}" { break }
            if s[j] == "#", s[j + 1] == "}" { break }
            j += 1
        }
        guard j + 1 < s.count else { throw error("missing end of comment tag") }
        line += s[i..<j].lazy.filter { $0 == "\n" }.count
        i = j
        closeTag(sign: s[i] == "#" ? nil : s[i], closerLength: 2, trimNewline: true)
    }

    /// Consumes a closing `%}`, `}}` or `#}` at `i` (after its optional sign) and the whitespace control.
    private mutating func closeTag(sign: Unicode.Scalar?, closerLength: Int, trimNewline: Bool) {
        if sign != nil { i += 1 }
        i += closerLength
        var last: Unicode.Scalar = "}"
        if sign == "-" {
            while i < s.count, Self.isSpace(s[i]) {
                if s[i] == "\n" { line += 1 }
                last = s[i]
                i += 1
            }
        } else if sign == nil, trimNewline, i < s.count, s[i] == "\n" {
            line += 1
            last = "\n"
            i += 1
        }
        lineStarting = last == "\n"
    }

    /// Expression tokens up to the closing `%}` / `}}` (outside brackets).
    private mutating func tag(block: Bool) throws {
        var balance: [Unicode.Scalar] = []
        let closer: Unicode.Scalar = block ? "%" : "}"
        while true {
            guard i < s.count else { throw error(block ? "unclosed block tag" : "unclosed variable tag") }
            if balance.isEmpty {
                if s[i] == "-" || (block && s[i] == "+"), i + 2 < s.count, s[i + 1] == closer, s[i + 2] == "}" {
                    let sign = s[i]
                    closeTag(sign: sign, closerLength: 2, trimNewline: block)
                    emit(block ? .blockEnd : .variableEnd)
                    return
                }
                if i + 1 < s.count, s[i] == closer, s[i + 1] == "}" {
                    closeTag(sign: nil, closerLength: 2, trimNewline: block)
                    emit(block ? .blockEnd : .variableEnd)
                    return
                }
            }
            let c = s[i]
            if Self.isSpace(c) {
                if c == "\n" { line += 1 }
                i += 1
                continue
            }
            if c == "'" || c == "\"" { emit(.string(try string(quote: c))); continue }
            if c.isASCII, c.properties.numericType != nil { emit(try number()); continue }
            if c == "_" || c.properties.isXIDStart {
                var name = ""
                while i < s.count, s[i] == "_" || s[i].properties.isXIDContinue { name.unicodeScalars.append(s[i]); i += 1 }
                emit(.name(name))
                continue
            }
            // Operators, longest first.
            var matched: String?
            for op in ["//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}",
                       ">", "<", "=", ".", ":", "|", ",", ";"] where starts(op, at: i) {
                matched = op
                break
            }
            guard let op = matched else { throw error("unexpected character '\(c)'") }
            switch op {
            case "(", "[", "{": balance.append(op == "(" ? ")" : op == "[" ? "]" : "}")
            case ")", "]", "}":
                guard let expected = balance.popLast() else { throw error("unexpected '\(op)'") }
                guard String(expected) == op else { throw error("unexpected '\(op)', expected '\(expected)'") }
            default: break
            }
            i += op.unicodeScalars.count
            emit(.op(op))
        }
    }

    /// A number as Jinja reads it: digits with optional `_` separators, a fraction and/or an exponent.
    private mutating func number() throws -> Token {
        var text = ""
        func digits() {
            while i < s.count, (s[i].isASCII && s[i].properties.numericType != nil) || (s[i] == "_" && i + 1 < s.count && s[i + 1].isASCII && s[i + 1].properties.numericType != nil) {
                if s[i] != "_" { text.unicodeScalars.append(s[i]) }
                i += 1
            }
        }
        digits()
        var isFloat = false
        if i + 1 < s.count, s[i] == ".", s[i + 1].isASCII, s[i + 1].properties.numericType != nil {
            isFloat = true
            text += "."
            i += 1
            digits()
        }
        if i < s.count, s[i] == "e" || s[i] == "E" {
            var j = i + 1
            if j < s.count, s[j] == "+" || s[j] == "-" { j += 1 }
            if j < s.count, s[j].isASCII, s[j].properties.numericType != nil {
                isFloat = true
                text += "e" + (s[i + 1] == "-" ? "-" : "")
                i = j
                digits()
            }
        }
        if isFloat {
            guard let d = Double(text) else { throw error("invalid number \(text)") }
            return .float(d)
        }
        guard let v = Int(text) else { throw error("integer \(text) out of range") }
        return .integer(v)
    }

    /// A quoted string with Python's escapes (`\n`, `\t`, `\\`, `\'`, `\"`, `\xhh`, `\uhhhh`, `\Uhhhhhhhh`, …);
    /// an unknown escape keeps its backslash, as Python does.
    private mutating func string(quote: Unicode.Scalar) throws -> String {
        let startLine = line
        i += 1
        var out = String.UnicodeScalarView()
        while true {
            guard i < s.count else { throw ChatTemplateError.syntax(line: startLine, message: "unterminated string") }
            let c = s[i]
            i += 1
            if c == quote { break }
            if c == "\n" { line += 1 }
            guard c == "\\" else { out.append(c); continue }
            guard i < s.count else { throw error("unterminated string") }
            let e = s[i]
            i += 1
            func hex(_ n: Int) throws -> Unicode.Scalar {
                guard i + n <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[i..<i + n])), radix: 16),
                      let u = Unicode.Scalar(v) else { throw error("invalid \\\(e) escape") }
                i += n
                return u
            }
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "v": out.append("\u{0B}")
            case "\n": line += 1  // line continuation
            case "x": out.append(try hex(2))
            case "u": out.append(try hex(4))
            case "U": out.append(try hex(8))
            case "0"..."7":
                var v = e.value - 0x30
                var n = 1
                while n < 3, i < s.count, ("0"..."7").contains(s[i]) { v = v * 8 + s[i].value - 0x30; i += 1; n += 1 }
                out.append(Unicode.Scalar(v)!)
            case "N": throw error("\\N{…} escapes are not supported")
            default:
                out.append("\\")
                out.append(e)
            }
        }
        return String(out)
    }

    /// Python's `str.isspace` / regex `\s` for the characters templates contain.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0: return true
        default: return c.value > 0x7F && c.properties.isWhitespace
        }
    }
}
