/// A compiled pattern and the backtracking machine that runs it. Backtracking with alternatives tried in order is
/// what Oniguruma does, so the match found at each position is Oniguruma's (leftmost, first alternative, greedy
/// quantifiers longest first) — not the leftmost-longest match a DFA would give.
///
/// The program lives in memory allocated once and never resized, so running it costs no reference counting; an
/// alternative whose possible first scalars exclude the next one is skipped without saving a backtrack point.
final class RegexProgram: @unchecked Sendable {
    enum Instruction {
        case scalar(Unicode.Scalar)
        case scalarCaseInsensitive(Unicode.Scalar)
        case characterClass(Int32)
        /// Try `first`; on failure resume at `second`. When `guardSet` ≥ 0 and the next scalar cannot start
        /// `first` (first-scalar set `guardSet`), go to `second` directly.
        case split(first: Int32, second: Int32, guardSet: Int32)
        case jump(Int32)
        /// `class{min,max}` of a single-scalar class in one step (max -1 = unbounded).
        case repeatClass(Int32, min: Int32, max: Int32, greedy: Bool)
        /// Succeed iff the next scalar exists and is (not) in the class, consuming nothing: `(?!\S)`, `(?=\s)`.
        case peekClass(Int32, negative: Bool)
        /// A general lookahead: the sub-program at `start` (ending in `.match`) run at the current position.
        case lookahead(start: Int32, negative: Bool)
        case match
    }

    /// Scalars that can start a piece of the pattern: ASCII as bits, others through classes.
    struct FirstSet {
        var ascii: (UInt64, UInt64)
        var classes: [Int32]
    }

    private let code: UnsafeMutableBufferPointer<Instruction>
    let classes: [RegexCharacterClass]
    /// ASCII membership of each class (negation applied), kept apart so the common test touches no array.
    private let asciiBits: UnsafeMutableBufferPointer<(UInt64, UInt64)>
    private let firstSets: [FirstSet]
    private let firstASCII: UnsafeMutableBufferPointer<(UInt64, UInt64)>

    /// A saved choice: resume at `pc` with position `pos`; for a class repeat, `limit` is the other end of the
    /// positions still to try (greedy: down to `limit`, lazy: up to `limit`), else -1.
    struct Backtrack {
        var pc: Int32
        var pos: Int32
        var limit: Int32
        var greedy: Bool
    }

    init(_ node: RegexNode) {
        var compiler = Compiler()
        compiler.compile(node)
        code = .allocate(capacity: compiler.instructions.count)
        _ = code.initialize(from: compiler.instructions)
        classes = compiler.classes
        asciiBits = .allocate(capacity: max(1, classes.count))
        for (k, c) in classes.enumerated() { asciiBits[k] = c.asciiBits }
        firstSets = compiler.firstSets
        firstASCII = .allocate(capacity: max(1, firstSets.count))
        for (k, f) in firstSets.enumerated() { firstASCII[k] = f.ascii }
    }

    deinit {
        code.deallocate()
        asciiBits.deallocate()
        firstASCII.deallocate()
    }

    var instructionCount: Int { code.count }

    @inline(__always)
    private func inClass(_ k: Int32, _ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 128 {
            let bits = asciiBits[Int(k)]
            return (v < 64 ? bits.0 >> UInt64(v) : bits.1 >> UInt64(v - 64)) & 1 != 0
        }
        return classes[Int(k)].contains(s)
    }

    @inline(__always)
    private func mayStart(_ k: Int32, _ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 128 {
            let bits = firstASCII[Int(k)]
            return (v < 64 ? bits.0 >> UInt64(v) : bits.1 >> UInt64(v - 64)) & 1 != 0
        }
        for c in firstSets[Int(k)].classes where classes[Int(c)].contains(s) { return true }
        return false
    }

    /// Runs the program from `entry` anchored at `start`; returns where the match ends, or nil.
    func match(_ s: UnsafeBufferPointer<Unicode.Scalar>, at start: Int, end: Int, from entry: Int32 = 0,
               stack: inout [Backtrack]) -> Int? {
        let base = stack.count
        defer { stack.removeSubrange(base...) }
        var pc = Int(entry)
        var pos = start
        while true {
            var ok = true
            switch code[pc] {
            case .scalar(let c):
                if pos < end && s[pos] == c { pos += 1; pc += 1 } else { ok = false }
            case .scalarCaseInsensitive(let c):
                if pos < end && RegexCaseFolding.equal(s[pos], c) { pos += 1; pc += 1 } else { ok = false }
            case .characterClass(let k):
                if pos < end && inClass(k, s[pos]) { pos += 1; pc += 1 } else { ok = false }
            case .split(let first, let second, let guardSet):
                if guardSet >= 0 && (pos >= end || !mayStart(guardSet, s[pos])) {
                    pc = Int(second)
                } else {
                    stack.append(Backtrack(pc: second, pos: Int32(pos), limit: -1, greedy: true))
                    pc = Int(first)
                }
            case .jump(let target):
                pc = Int(target)
            case .repeatClass(let k, let min, let max, let greedy):
                let limit = max < 0 ? end : Swift.min(end, pos + Int(max))
                var n = pos
                while n < limit && inClass(k, s[n]) { n += 1 }
                let low = pos + Int(min)
                if n < low { ok = false; break }
                if greedy {
                    if n > low { stack.append(Backtrack(pc: Int32(pc + 1), pos: Int32(n - 1), limit: Int32(low), greedy: true)) }
                    pos = n
                } else {
                    if n > low { stack.append(Backtrack(pc: Int32(pc + 1), pos: Int32(low + 1), limit: Int32(n), greedy: false)) }
                    pos = low
                }
                pc += 1
            case .peekClass(let k, let negative):
                let isIn = pos < end && inClass(k, s[pos])
                if isIn != negative { pc += 1 } else { ok = false }
            case .lookahead(let sub, let negative):
                let found = match(s, at: pos, end: end, from: sub, stack: &stack) != nil
                if found != negative { pc += 1 } else { ok = false }
            case .match:
                return pos
            }
            if ok { continue }
            // Backtrack.
            guard stack.count > base, let b = stack.popLast() else { return nil }
            pc = Int(b.pc)
            pos = Int(b.pos)
            if b.limit >= 0 {
                if b.greedy, b.pos > b.limit {
                    stack.append(Backtrack(pc: b.pc, pos: b.pos - 1, limit: b.limit, greedy: true))
                } else if !b.greedy, b.pos < b.limit {
                    stack.append(Backtrack(pc: b.pc, pos: b.pos + 1, limit: b.limit, greedy: false))
                }
            }
        }
    }

    /// Classes one of which must hold the first scalar of any match of `node` (nil: unknown, any may start it).
    static func firstClasses(_ node: RegexNode) -> [RegexCharacterClass]? {
        switch node {
        case .empty, .lookahead: return []
        case .scalar, .characterClass: return [node.singleScalarClass!]
        case .alternation(let branches):
            var all: [RegexCharacterClass] = []
            for b in branches {
                guard let f = firstClasses(b) else { return nil }
                all += f
            }
            return all
        case .concatenation(let items):
            var all: [RegexCharacterClass] = []
            for item in items {
                guard let f = firstClasses(item) else { return nil }
                all += f
                if !item.isNullable { return all }
            }
            return all
        case .repetition(let body, _, _, _): return firstClasses(body)
        }
    }

    private struct Compiler {
        var instructions: [Instruction] = []
        var classes: [RegexCharacterClass] = []
        var firstSets: [FirstSet] = []

        mutating func compile(_ node: RegexNode) {
            var deferred: [(at: Int, node: RegexNode)] = []
            emit(node, deferred: &deferred)
            instructions.append(.match)
            // Lookahead bodies go after the main program, each ending in its own `.match`.
            while let (at, body) = deferred.popLast() {
                let start = Int32(instructions.count)
                guard case .lookahead(_, let negative) = instructions[at] else { preconditionFailure() }
                instructions[at] = .lookahead(start: start, negative: negative)
                emit(body, deferred: &deferred)
                instructions.append(.match)
            }
        }

        mutating func classIndex(_ c: RegexCharacterClass) -> Int32 {
            if let k = classes.firstIndex(of: c) { return Int32(k) }
            classes.append(c)
            return Int32(classes.count - 1)
        }

        /// The first-scalar guard of a branch, or -1 when it can match empty or its first scalar is unknown.
        mutating func guardSet(_ node: RegexNode) -> Int32 {
            guard !node.isNullable, let firsts = RegexProgram.firstClasses(node) else { return -1 }
            var low: UInt64 = 0, high: UInt64 = 0
            for c in firsts {
                let bits = c.asciiBits
                low |= bits.0
                high |= bits.1
            }
            firstSets.append(FirstSet(ascii: (low, high), classes: firsts.map { classIndex($0) }))
            return Int32(firstSets.count - 1)
        }

        private var here: Int32 { Int32(instructions.count) }

        mutating func emit(_ node: RegexNode, deferred: inout [(at: Int, node: RegexNode)]) {
            switch node {
            case .empty: break
            case .scalar(let s, let ci):
                instructions.append(ci && RegexCaseFolding.variants(of: s).count > 1 ? .scalarCaseInsensitive(s) : .scalar(s))
            case .characterClass(let c):
                instructions.append(.characterClass(classIndex(c)))
            case .concatenation(let nodes):
                for n in nodes { emit(n, deferred: &deferred) }
            case .alternation(let branches):
                var jumpsToEnd: [Int] = []
                for (k, branch) in branches.enumerated() {
                    if k < branches.count - 1 {
                        let split = instructions.count
                        let guardIndex = guardSet(branch)
                        instructions.append(.split(first: 0, second: 0, guardSet: -1))
                        emit(branch, deferred: &deferred)
                        jumpsToEnd.append(instructions.count)
                        instructions.append(.jump(0))
                        instructions[split] = .split(first: Int32(split + 1), second: here, guardSet: guardIndex)
                    } else {
                        emit(branch, deferred: &deferred)
                    }
                }
                for j in jumpsToEnd { instructions[j] = .jump(here) }
            case .repetition(let body, let min, let max, let greedy):
                if let cls = body.singleScalarClass {
                    instructions.append(.repeatClass(classIndex(cls), min: Int32(min), max: Int32(max ?? -1), greedy: greedy))
                    return
                }
                for _ in 0..<min { emit(body, deferred: &deferred) }
                if let max {
                    // Each optional copy: try it (or skip it, when lazy); skipping jumps past all remaining copies.
                    var exits: [Int] = []
                    for _ in min..<max {
                        exits.append(instructions.count)
                        instructions.append(.split(first: 0, second: 0, guardSet: -1))
                        emit(body, deferred: &deferred)
                    }
                    let end = here
                    for e in exits {
                        instructions[e] = greedy ? .split(first: Int32(e + 1), second: end, guardSet: -1)
                            : .split(first: end, second: Int32(e + 1), guardSet: -1)
                    }
                } else {
                    let loop = instructions.count
                    instructions.append(.split(first: 0, second: 0, guardSet: -1))
                    emit(body, deferred: &deferred)
                    instructions.append(.jump(Int32(loop)))
                    let end = here
                    instructions[loop] = greedy ? .split(first: Int32(loop + 1), second: end, guardSet: -1)
                        : .split(first: end, second: Int32(loop + 1), guardSet: -1)
                }
            case .lookahead(let body, let negative):
                if let cls = body.singleScalarClass {
                    instructions.append(.peekClass(classIndex(cls), negative: negative))
                } else {
                    deferred.append((instructions.count, body))
                    instructions.append(.lookahead(start: -1, negative: negative))
                }
            }
        }
    }
}
