/// `ByteLevel` (GPT-2): optionally adds a space before each piece that lacks one (`add_prefix_space`), optionally
/// splits it with GPT-2's word regex (`use_regex`), then spells every piece in the byte alphabet
/// (`ByteLevelAlphabet`), one scalar per UTF-8 byte, each keeping the alignment of the character it came from.
/// `trim_offsets` matters only to the post-processor of the same name.
public struct ByteLevelPreTokenizer: PreTokenizer {
    public let addPrefixSpace: Bool
    public let trimOffsets: Bool
    public let useRegex: Bool

    /// GPT-2's split rule, hard-coded in the Rust library: case-sensitive contractions, letters, numbers and
    /// other runs each with an optional leading space, trailing whitespace kept apart from the next word.
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let gpt2Regex = try! TokenizerRegex(gpt2Pattern)

    public init(addPrefixSpace: Bool = true, trimOffsets: Bool = true, useRegex: Bool = true) {
        self.addPrefixSpace = addPrefixSpace
        self.trimOffsets = trimOffsets
        self.useRegex = useRegex
    }

    init(json: JSONNode) throws {
        self.init(addPrefixSpace: try json.bool("add_prefix_space", default: true),
                  trimOffsets: try json.bool("trim_offsets", default: true),
                  useRegex: try json.bool("use_regex", default: true))
    }

    public func preTokenize(_ text: inout PreTokenizedString) {
        if addPrefixSpace {
            // The space takes the first scalar's place in the alignment, as the Rust `prepend` does.
            text.rewritePieces { scalars, alignments, out, outAlignments in
                if let first = scalars.first, first != " " {
                    out.append(" ")
                    outAlignments.append(alignments.first!)
                }
                out.append(contentsOf: scalars)
                outAlignments.append(contentsOf: alignments)
            }
        }
        if useRegex {
            var stack: [RegexProgram.Backtrack] = []
            text.split { scalars, parts in
                var prev = scalars.startIndex
                Self.gpt2Regex.forEachMatch(in: scalars, stack: &stack) { m in
                    if prev < m.lowerBound { parts.append(prev..<m.lowerBound) }
                    parts.append(m)
                    prev = m.upperBound
                }
                parts.append(prev..<scalars.endIndex)
            }
        }
        Self.mapToBytes(&text)
    }

    /// Replaces each scalar of the pieces that are not added tokens by the alphabet scalars of its UTF-8 bytes.
    /// Written out over raw buffers (not `rewritePieces`): it runs on every scalar of every text.
    static func mapToBytes(_ text: inout PreTokenizedString) {
        let source = text.text
        var total = 0
        for p in text.pieces {
            if p.addedTokenId != nil { total += p.range.count; continue }
            for s in source.scalars[p.range] { total += s.value < 0x80 ? 1 : s.value < 0x800 ? 2 : s.value < 0x10000 ? 3 : 4 }
        }
        var scalars = [Unicode.Scalar](repeating: "\0", count: total)
        var alignments = [Range<Int>](repeating: 0..<0, count: total)
        var pieces = text.pieces
        scalars.withUnsafeMutableBufferPointer { out in
            alignments.withUnsafeMutableBufferPointer { outAlign in
                source.scalars.withUnsafeBufferPointer { inScalars in
                    source.alignments.withUnsafeBufferPointer { inAlign in
                        ByteLevelAlphabet.scalarOfByte.withUnsafeBufferPointer { alphabet in
                            var w = 0
                            for k in pieces.indices {
                                let r = pieces[k].range
                                let start = w
                                if pieces[k].addedTokenId != nil {
                                    for i in r { out[w] = inScalars[i]; outAlign[w] = inAlign[i]; w += 1 }
                                } else {
                                    for i in r {
                                        let v = inScalars[i].value
                                        let a = inAlign[i]
                                        if v < 0x80 {
                                            out[w] = alphabet[Int(v)]; outAlign[w] = a; w += 1
                                        } else {
                                            for b in UTF8.encode(inScalars[i])! {
                                                out[w] = alphabet[Int(b)]; outAlign[w] = a; w += 1
                                            }
                                        }
                                    }
                                }
                                pieces[k].range = start..<w
                            }
                        }
                    }
                }
            }
        }
        text = PreTokenizedString(text: NormalizedString(scalars: scalars, alignments: alignments), pieces: pieces)
    }
}
