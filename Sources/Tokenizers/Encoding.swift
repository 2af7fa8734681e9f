/// Which end of a sequence truncation cuts or padding fills.
public enum EncodingSide: String, Sendable, Equatable {
    case left = "Left", right = "Right"
}

/// How to shorten encodings that are too long (the Rust library's `TruncationParams`). `maxLength` counts the special
/// tokens the post-processor adds, so the content gets `maxLength` minus those.
public struct Truncation: Sendable, Equatable {
    public enum Strategy: String, Sendable, Equatable {
        /// Cut the longer of the pair first (for a single sequence: just cut it).
        case longestFirst = "LongestFirst"
        case onlyFirst = "OnlyFirst"
        case onlySecond = "OnlySecond"
    }

    public var maxLength: Int
    public var strategy: Strategy
    /// `.right` keeps the first tokens.
    public var direction: EncodingSide

    public init(maxLength: Int, strategy: Strategy = .longestFirst, direction: EncodingSide = .right) {
        self.maxLength = maxLength
        self.strategy = strategy
        self.direction = direction
    }

    /// From tokenizer.json's `truncation` object. Its `stride` only shapes the overflowing pieces, which this module
    /// does not return, so it is read for validity and otherwise ignored.
    init(json: JSONNode) throws {
        let strategy = try json.optional("strategy")?.string() ?? "LongestFirst"
        guard let s = Strategy(rawValue: strategy) else {
            throw TokenizerError.invalidField(path: json.file, field: json.path("strategy"), reason: "unknown strategy '\(strategy)'")
        }
        let direction = try json.optional("direction")?.string() ?? "Right"
        guard let d = EncodingSide(rawValue: direction) else {
            throw TokenizerError.invalidField(path: json.file, field: json.path("direction"), reason: "unknown direction '\(direction)'")
        }
        _ = try json.optional("stride")?.int()
        self.init(maxLength: try json.int("max_length"), strategy: s, direction: d)
    }
}

/// How to lengthen encodings (the Rust library's `PaddingParams`). A nil `padId`/`padToken` means the tokenizer's
/// own pad token (from tokenizer.json's `padding`, else tokenizer_config.json's `pad_token`).
public struct Padding: Sendable, Equatable {
    public enum Strategy: Sendable, Equatable {
        /// Pad to the longest encoding of the batch.
        case batchLongest
        /// Pad to this length (longer encodings are left as they are).
        case fixed(Int)
    }

    public var strategy: Strategy
    public var direction: EncodingSide
    public var padToMultipleOf: Int?
    public var padId: Int32?
    public var padTypeId: Int32
    public var padToken: String?

    public init(strategy: Strategy = .batchLongest, direction: EncodingSide = .right, padToMultipleOf: Int? = nil,
                padId: Int32? = nil, padTypeId: Int32 = 0, padToken: String? = nil) {
        self.strategy = strategy
        self.direction = direction
        self.padToMultipleOf = padToMultipleOf
        self.padId = padId
        self.padTypeId = padTypeId
        self.padToken = padToken
    }

    /// Pad to the longest in the batch with the tokenizer's pad token.
    public static let batchLongest = Padding()
    /// Pad to `length` with the tokenizer's pad token.
    public static func fixed(_ length: Int) -> Padding { Padding(strategy: .fixed(length)) }

    /// From tokenizer.json's `padding` object.
    init(json: JSONNode) throws {
        let strategyNode = try json.required("strategy")
        let strategy: Strategy
        if case .string("BatchLongest") = strategyNode.value {
            strategy = .batchLongest
        } else if let fixed = try? strategyNode.required("Fixed").int() {
            strategy = .fixed(fixed)
        } else {
            throw strategyNode.invalid("expected \"BatchLongest\" or {\"Fixed\": n}")
        }
        let direction = try json.optional("direction")?.string() ?? "Right"
        guard let d = EncodingSide(rawValue: direction) else {
            throw TokenizerError.invalidField(path: json.file, field: json.path("direction"), reason: "unknown direction '\(direction)'")
        }
        self.init(strategy: strategy, direction: d, padToMultipleOf: try json.optional("pad_to_multiple_of")?.int(),
                  padId: Int32(try json.optional("pad_id")?.int() ?? 0),
                  padTypeId: Int32(try json.optional("pad_type_id")?.int() ?? 0),
                  padToken: try json.optional("pad_token")?.string() ?? "[PAD]")
    }

    /// The length every encoding of a batch whose longest has `longest` tokens is padded to.
    func targetLength(longest: Int) -> Int {
        var n: Int
        switch strategy {
        case .batchLongest: n = longest
        case .fixed(let size): n = size
        }
        if let m = padToMultipleOf, m > 0, n % m > 0 { n += m - n % m }
        return n
    }
}

/// One encoded text (or pair of texts), as the Rust library's `Encoding`.
public struct Encoding: Sendable, Equatable {
    public var ids: [Int32]
    /// Segment ids: 0 for the first text, 1 for the second of a pair (as the post-processor's template says).
    public var typeIds: [Int32]
    public var tokens: [String]
    /// Per token, the range of Unicode scalars of its input text (Python `str` indices); for a pair, of its own
    /// text. Special tokens added by the post-processor and padding have `0..<0`.
    public var offsets: [Range<Int>]
    /// 1 for special tokens added by the post-processor and for padding.
    public var specialTokensMask: [Int32]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int32]

    public var count: Int { ids.count }

    public init(ids: [Int32] = [], typeIds: [Int32] = [], tokens: [String] = [], offsets: [Range<Int>] = [],
                specialTokensMask: [Int32] = [], attentionMask: [Int32] = []) {
        self.ids = ids
        self.typeIds = typeIds
        self.tokens = tokens
        self.offsets = offsets
        self.specialTokensMask = specialTokensMask
        self.attentionMask = attentionMask
    }

    mutating func reserveCapacity(_ n: Int) {
        ids.reserveCapacity(n)
        typeIds.reserveCapacity(n)
        tokens.reserveCapacity(n)
        offsets.reserveCapacity(n)
        specialTokensMask.reserveCapacity(n)
        attentionMask.reserveCapacity(n)
    }

    /// Appends special tokens added by a post-processor: no offsets, marked special, attended to.
    mutating func appendSpecial(ids newIds: [Int32], tokens newTokens: [String], typeId: Int32) {
        let n = newIds.count
        ids += newIds
        tokens += newTokens
        typeIds.append(contentsOf: repeatElement(typeId, count: n))
        offsets.append(contentsOf: repeatElement(0..<0, count: n))
        specialTokensMask.append(contentsOf: repeatElement(1, count: n))
        attentionMask.append(contentsOf: repeatElement(1, count: n))
    }

    mutating func append(_ other: Encoding) {
        ids += other.ids
        typeIds += other.typeIds
        tokens += other.tokens
        offsets += other.offsets
        specialTokensMask += other.specialTokensMask
        attentionMask += other.attentionMask
    }

    /// Keeps `maxLength` tokens: the first ones (`.right`) or the last ones (`.left`).
    mutating func truncate(to maxLength: Int, direction: EncodingSide) {
        guard maxLength < count else { return }
        let keep = direction == .right ? 0..<maxLength : count - maxLength ..< count
        ids = Array(ids[keep])
        typeIds = Array(typeIds[keep])
        tokens = Array(tokens[keep])
        offsets = Array(offsets[keep])
        specialTokensMask = Array(specialTokensMask[keep])
        attentionMask = Array(attentionMask[keep])
    }

    /// Pads up to `length` (no-op when already that long).
    mutating func pad(to length: Int, id: Int32, typeId: Int32, token: String, direction: EncodingSide) {
        let n = length - count
        guard n > 0 else { return }
        func fill<T>(_ a: inout [T], _ v: T) {
            if direction == .right { a.append(contentsOf: repeatElement(v, count: n)) } else { a.insert(contentsOf: repeatElement(v, count: n), at: 0) }
        }
        fill(&ids, id)
        fill(&typeIds, typeId)
        fill(&tokens, token)
        fill(&offsets, 0..<0)
        fill(&specialTokensMask, 1)
        fill(&attentionMask, 0)
    }

    /// The Rust library's `truncate_encodings`: the lengths left to the first and second sequence so that together
    /// they fit `maxLength` (already reduced by the special tokens).
    static func truncate(_ a: inout Encoding, _ b: inout Encoding?, maxLength: Int, strategy: Truncation.Strategy,
                         direction: EncodingSide) throws {
        if maxLength == 0 {
            a.truncate(to: 0, direction: direction)
            b?.truncate(to: 0, direction: direction)
            return
        }
        let total = a.count + (b?.count ?? 0)
        guard total > maxLength else { return }
        let toRemove = total - maxLength
        switch strategy {
        case .longestFirst:
            guard var second = b else {
                a.truncate(to: total - toRemove, direction: direction)
                return
            }
            var n1 = a.count, n2 = second.count
            let swap = n1 > n2
            if swap { (n1, n2) = (n2, n1) }
            n2 = n1 > maxLength ? n1 : max(n1, maxLength - n1)
            if n1 + n2 > maxLength {
                n1 = maxLength / 2
                n2 = n1 + maxLength % 2
            }
            if swap { (n1, n2) = (n2, n1) }
            a.truncate(to: n1, direction: direction)
            second.truncate(to: n2, direction: direction)
            b = second
        case .onlyFirst, .onlySecond:
            if strategy == .onlySecond && b == nil {
                throw TokenizerError.truncationImpossible(reason: "OnlySecond needs a second sequence")
            }
            let length = strategy == .onlyFirst ? a.count : b!.count
            guard length > toRemove else {
                throw TokenizerError.truncationImpossible(reason: "the sequence to truncate has \(length) tokens, \(toRemove) must go")
            }
            if strategy == .onlyFirst { a.truncate(to: length - toRemove, direction: direction) } else { b!.truncate(to: length - toRemove, direction: direction) }
        }
    }
}

/// Many texts encoded together and padded to one width: row-major `(count, width)` arrays ready for a model.
public struct BatchEncoding: Sendable, Equatable {
    /// Number of rows (texts), B.
    public let count: Int
    /// Tokens per row after padding, T.
    public let width: Int
    public var ids: [Int32]            // (B, T)
    public var typeIds: [Int32]        // (B, T)
    public var attentionMask: [Int32]  // (B, T)
    /// Tokens of each row before padding (special tokens included).
    public var lengths: [Int]          // (B)

    public init(count: Int, width: Int, ids: [Int32], typeIds: [Int32], attentionMask: [Int32], lengths: [Int]) {
        precondition(ids.count == count * width && typeIds.count == ids.count && attentionMask.count == ids.count
                        && lengths.count == count, "BatchEncoding arrays must be (count, width)")
        self.count = count
        self.width = width
        self.ids = ids
        self.typeIds = typeIds
        self.attentionMask = attentionMask
        self.lengths = lengths
    }

    /// Row `i` of `ids`, padding included.
    public func ids(row i: Int) -> ArraySlice<Int32> { ids[i * width ..< (i + 1) * width] }
    /// Row `i` of `attentionMask`.
    public func attentionMask(row i: Int) -> ArraySlice<Int32> { attentionMask[i * width ..< (i + 1) * width] }
    /// Row `i` of `typeIds`.
    public func typeIds(row i: Int) -> ArraySlice<Int32> { typeIds[i * width ..< (i + 1) * width] }
}
