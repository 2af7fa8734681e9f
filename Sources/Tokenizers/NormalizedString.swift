/// Text as it moves through the pipeline: Unicode scalars (what the Rust library calls chars) plus, for each scalar,
/// the range of scalars of the original input it came from. Keeping the alignment per scalar is what lets every
/// token report offsets into the caller's text, whatever the normalizer removed, inserted or decomposed.
public struct NormalizedString: Sendable, Equatable {
    /// The current (normalized) text.
    public private(set) var scalars: [Unicode.Scalar]
    /// `alignments[i]` is the range, in scalar offsets of the original input, that `scalars[i]` stands for.
    public private(set) var alignments: [Range<Int>]

    /// Text not yet normalized: scalar `i` of `original` is aligned to `offset + i`.
    public init<C: Collection>(original: C, offset: Int = 0) where C.Element == Unicode.Scalar {
        scalars = Array(original)
        alignments = (0..<scalars.count).map { offset + $0 ..< offset + $0 + 1 }
    }

    public init(scalars: [Unicode.Scalar], alignments: [Range<Int>]) {
        precondition(scalars.count == alignments.count, "one alignment per scalar")
        self.scalars = scalars
        self.alignments = alignments
    }

    public var isEmpty: Bool { scalars.isEmpty }
    public var count: Int { scalars.count }

    /// The normalized text as a `String`.
    public var string: String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars)
        return String(s)
    }

    /// Replaces every scalar by zero or more scalars; each output scalar keeps the alignment of its source scalar
    /// (the Rust library's `transform` does the same for removals, replacements and insertions next to a char).
    public mutating func transform(_ body: (Unicode.Scalar, inout [Unicode.Scalar]) -> Void) {
        var newScalars: [Unicode.Scalar] = []
        var newAlignments: [Range<Int>] = []
        newScalars.reserveCapacity(scalars.count)
        newAlignments.reserveCapacity(scalars.count)
        var out: [Unicode.Scalar] = []
        for i in scalars.indices {
            out.removeAll(keepingCapacity: true)
            body(scalars[i], &out)
            for s in out {
                newScalars.append(s)
                newAlignments.append(alignments[i])
            }
        }
        scalars = newScalars
        alignments = newAlignments
    }

    /// Keeps the scalars for which `keep` is true.
    public mutating func filter(_ keep: (Unicode.Scalar) -> Bool) {
        var w = 0
        for i in scalars.indices where keep(scalars[i]) {
            scalars[w] = scalars[i]
            alignments[w] = alignments[i]
            w += 1
        }
        scalars.removeSubrange(w...)
        alignments.removeSubrange(w...)
    }

    /// Replaces each scalar by exactly one scalar.
    public mutating func map(_ f: (Unicode.Scalar) -> Unicode.Scalar) {
        for i in scalars.indices { scalars[i] = f(scalars[i]) }
    }

    /// Reorders scalars in place; `permutation[i]` is the old index of the new scalar `i`. Used by canonical
    /// reordering, where combining marks move but keep their alignments.
    mutating func permute(_ range: Range<Int>, by permutation: [Int]) {
        let oldS = Array(scalars[range]), oldA = Array(alignments[range])
        for (k, j) in permutation.enumerated() {
            scalars[range.lowerBound + k] = oldS[j - range.lowerBound]
            alignments[range.lowerBound + k] = oldA[j - range.lowerBound]
        }
    }

    /// Appends another normalized string (its alignments already refer to the same original text).
    mutating func append(_ other: NormalizedString, range: Range<Int>? = nil) {
        let r = range ?? 0..<other.count
        scalars.append(contentsOf: other.scalars[r])
        alignments.append(contentsOf: other.alignments[r])
    }

    /// The original-text range covered by scalars `range` (first start to last end), as the Rust library's
    /// `convert_offsets` reports it; an empty range maps to an empty range at its position.
    public func originalRange(of range: Range<Int>) -> Range<Int> {
        guard !range.isEmpty else {
            let at = range.lowerBound < alignments.count ? alignments[range.lowerBound].lowerBound
                : (alignments.last?.upperBound ?? 0)
            return at..<at
        }
        return alignments[range.lowerBound].lowerBound ..< max(alignments[range.lowerBound].lowerBound,
                                                               alignments[range.upperBound - 1].upperBound)
    }
}

/// The input split into pieces, each a range of `text`. A piece either is an added token already matched (it keeps
/// its id and no later stage touches it) or still has to be pre-tokenized and given to the model.
public struct PreTokenizedString: Sendable {
    public struct Piece: Sendable, Equatable {
        public var range: Range<Int>
        /// Set for added/special tokens split out before the model runs.
        public var addedTokenId: Int32?
        public init(range: Range<Int>, addedTokenId: Int32? = nil) {
            self.range = range
            self.addedTokenId = addedTokenId
        }
    }

    /// All pieces' text, one after another; pieces index into it.
    public var text: NormalizedString
    public var pieces: [Piece]

    public init(text: NormalizedString, pieces: [Piece]) {
        self.text = text
        self.pieces = pieces
    }

    /// Re-splits every piece that is not an added token. `split` receives the piece's scalars (indices are positions
    /// in `text`) and appends sub-ranges; empty sub-ranges are dropped, as in the Rust library.
    public mutating func split(_ split: (ArraySlice<Unicode.Scalar>, inout [Range<Int>]) -> Void) {
        var newPieces: [Piece] = []
        newPieces.reserveCapacity(pieces.count * 2)
        var parts: [Range<Int>] = []
        for piece in pieces {
            if piece.addedTokenId != nil { newPieces.append(piece); continue }
            parts.removeAll(keepingCapacity: true)
            split(text.scalars[piece.range], &parts)
            for r in parts where !r.isEmpty { newPieces.append(Piece(range: r)) }
        }
        pieces = newPieces
    }
}
