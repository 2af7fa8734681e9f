/// A regular expression for `Split` pre-tokenizers, matched the way the Rust `tokenizers` library's Oniguruma
/// engine matches it (see `RegexSyntax.swift` for the supported subset). Patterns that can match the empty string
/// are refused: Oniguruma's handling of empty matches inside `find_iter` is not reproduced.
///
///     let re = try TokenizerRegex(#"(?i:'s|'t)|\p{L}+|\s+(?!\S)|\s+"#)
///     re.matches(in: Array("it's ok".unicodeScalars)[...])  // [0..<2, 2..<4, 4..<5, 5..<7]
public struct TokenizerRegex: Sendable {
    public let pattern: String
    let program: RegexProgram
    /// Scalars 0..<128 that can begin a match, so positions that cannot are skipped without running the program.
    private let asciiStarts: (UInt64, UInt64)

    public init(_ pattern: String) throws {
        let node: RegexNode
        do { node = try RegexParser.parse(pattern) } catch let e as RegexSyntaxError {
            throw TokenizerRegexError(pattern: pattern, offset: e.offset, reason: e.message)
        }
        if node.isNullable {
            throw TokenizerRegexError(pattern: pattern, offset: 0, reason: "the pattern can match the empty string")
        }
        self.pattern = pattern
        program = RegexProgram(node)
        var low: UInt64 = 0, high: UInt64 = 0
        let firsts = RegexProgram.firstClasses(node)
        for v in 0..<128 {
            let s = Unicode.Scalar(UInt8(v))
            if firsts.map({ $0.contains { $0.contains(s) } }) ?? true {
                if v < 64 { low |= 1 << UInt64(v) } else { high |= 1 << UInt64(v - 64) }
            }
        }
        asciiStarts = (low, high)
    }

    /// The non-overlapping matches in `scalars`, leftmost first, as ranges of its indices.
    public func matches(in scalars: ArraySlice<Unicode.Scalar>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        forEachMatch(in: scalars) { out.append($0) }
        return out
    }

    /// Calls `body` with each non-overlapping match, leftmost first (indices of `scalars`).
    func forEachMatch(in scalars: ArraySlice<Unicode.Scalar>, _ body: (Range<Int>) -> Void) {
        var stack: [RegexProgram.Backtrack] = []
        forEachMatch(in: scalars, stack: &stack, body)
    }

    /// The same, reusing `stack` (the backtracking memory) across calls.
    func forEachMatch(in scalars: ArraySlice<Unicode.Scalar>, stack: inout [RegexProgram.Backtrack],
                      _ body: (Range<Int>) -> Void) {
        scalars.withUnsafeBufferPointer { buffer in
            let offset = scalars.startIndex
            var pos = 0
            let end = buffer.count
            while pos < end {
                let v = buffer[pos].value
                if v < 128 {
                    let bit = v < 64 ? asciiStarts.0 >> UInt64(v) : asciiStarts.1 >> UInt64(v - 64)
                    if bit & 1 == 0 { pos += 1; continue }
                }
                if let e = program.match(buffer, at: pos, end: end, stack: &stack), e > pos {
                    body(offset + pos ..< offset + e)
                    pos = e
                } else {
                    pos += 1
                }
            }
        }
    }
}

/// A `Split` pattern this module cannot run exactly: which pattern, where, and what.
public struct TokenizerRegexError: Error, Equatable, CustomStringConvertible {
    public let pattern: String
    /// Offset in Unicode scalars of the pattern.
    public let offset: Int
    public let reason: String
    public var description: String { "unsupported regex construct: \(reason) at offset \(offset) of \(pattern.debugDescription)" }
}
