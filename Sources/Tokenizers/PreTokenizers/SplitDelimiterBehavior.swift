/// What a split does with the stretches its pattern matches (the Rust library's `SplitDelimiterBehavior`). For
/// `the-final--countdown` split on `-`: removed `the final countdown`, isolated `the - final - - countdown`,
/// merged with previous `the- final- - countdown`, merged with next `the -final - -countdown`, contiguous
/// `the - final -- countdown`.
public enum SplitDelimiterBehavior: String, Sendable, Equatable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    init(json: JSONNode) throws {
        let name = try json.string()
        guard let b = SplitDelimiterBehavior(rawValue: name) else { throw json.invalid("unknown split behavior '\(name)'") }
        self = b
    }

    /// `spans` tile a piece in order, each flagged when the pattern matched it; appends the resulting pieces.
    func apply(_ spans: [(range: Range<Int>, isMatch: Bool)], into parts: inout [Range<Int>]) {
        switch self {
        case .isolated:
            for s in spans { parts.append(s.range) }
        case .removed:
            for s in spans where !s.isMatch { parts.append(s.range) }
        case .contiguous, .mergedWithPrevious:
            let first = parts.count
            var previousMatch = false
            for s in spans {
                let merge = self == .contiguous ? s.isMatch == previousMatch : s.isMatch && !previousMatch
                if merge, parts.count > first {
                    parts[parts.count - 1] = parts[parts.count - 1].lowerBound ..< s.range.upperBound
                } else {
                    parts.append(s.range)
                }
                previousMatch = s.isMatch
            }
        case .mergedWithNext:
            var reversed: [Range<Int>] = []
            var previousMatch = false
            for s in spans.reversed() {
                if s.isMatch && !previousMatch, let last = reversed.last {
                    reversed[reversed.count - 1] = s.range.lowerBound ..< last.upperBound
                } else {
                    reversed.append(s.range)
                }
                previousMatch = s.isMatch
            }
            parts.append(contentsOf: reversed.reversed())
        }
    }

    /// The tiling of `piece` by `matches` (ascending, non-overlapping ranges inside it), optionally inverted.
    static func spans(of piece: Range<Int>, matches: [Range<Int>], invert: Bool) -> [(range: Range<Int>, isMatch: Bool)] {
        var spans: [(range: Range<Int>, isMatch: Bool)] = []
        spans.reserveCapacity(matches.count * 2 + 1)
        var prev = piece.lowerBound
        for m in matches {
            if prev < m.lowerBound { spans.append((prev..<m.lowerBound, invert)) }
            spans.append((m, !invert))
            prev = m.upperBound
        }
        if prev < piece.upperBound || spans.isEmpty { spans.append((prev..<piece.upperBound, invert)) }
        return spans
    }
}
