/// The `BPE` model (byte-level for GPT-2, Qwen2, SmolLM2): each piece starts as one symbol per scalar, then the
/// adjacent pair with the lowest merge rank (leftmost on ties) is merged until no pair has a merge — the order the
/// Rust library's priority queue produces. Scalars missing from the vocabulary become `<0xXX>` byte tokens
/// (`byte_fallback`), else the unknown token (consecutive ones fused with `fuse_unk`), else are dropped, as in the
/// Rust library. `ignore_merges` emits a piece that is itself in the vocabulary as one token.
public struct BPE: TokenizerModel {
    public let unkToken: String?
    public let continuingSubwordPrefix: String?
    public let endOfWordSuffix: String?
    public let fuseUnknown: Bool
    public let byteFallback: Bool
    public let ignoreMerges: Bool

    let core: BPECore

    /// `merges` in rank order (rank = index). Throws `BPECore.BuildError` for merges or an unknown token outside
    /// the vocabulary, as the Rust builder does.
    init(vocab entries: [(token: String, id: Int32)], merges mergeList: [(String, String)], unkToken: String? = nil,
         continuingSubwordPrefix: String? = nil, endOfWordSuffix: String? = nil, fuseUnknown: Bool = false,
         byteFallback: Bool = false, ignoreMerges: Bool = false, heapThreshold: Int = 64,
         cacheCapacity: Int = 65_536) throws {
        core = try BPECore(vocab: entries, merges: mergeList, unkToken: unkToken,
                           continuingSubwordPrefix: continuingSubwordPrefix, endOfWordSuffix: endOfWordSuffix,
                           fuseUnknown: fuseUnknown, byteFallback: byteFallback, ignoreMerges: ignoreMerges,
                           heapThreshold: heapThreshold, cacheCapacity: cacheCapacity)
        self.unkToken = unkToken
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.endOfWordSuffix = endOfWordSuffix
        self.fuseUnknown = fuseUnknown
        self.byteFallback = byteFallback
        self.ignoreMerges = ignoreMerges
    }

    init(json: JSONNode) throws {
        if let dropout = try json.optional("dropout") {
            guard dropout.value.double == 0 else {
                throw dropout.invalid("BPE dropout is random; only null or 0 is supported")
            }
        }
        var entries: [(token: String, id: Int32)] = []
        let vocabNode = try json.required("vocab")
        let members = try vocabNode.members()
        entries.reserveCapacity(members.count)
        for (key, node) in members { entries.append((key, Int32(try node.int()))) }
        var mergeList: [(String, String)] = []
        let mergesNode = try json.required("merges")
        let mergeNodes = try mergesNode.array()
        mergeList.reserveCapacity(mergeNodes.count)
        for node in mergeNodes {
            switch node.value {
            case .string(let line):
                // Old format "a b": exactly one space (the Rust library's `BadMerges` otherwise).
                let parts = line.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw node.invalid("expected \"left right\", found '\(line)'") }
                mergeList.append((String(String.UnicodeScalarView(parts[0])), String(String.UnicodeScalarView(parts[1]))))
            case .array(let pair):
                guard pair.count == 2, case .string(let a) = pair[0], case .string(let b) = pair[1] else {
                    throw node.invalid("expected [left, right]")
                }
                mergeList.append((a, b))
            default:
                throw node.invalid("expected a merge as \"left right\" or [left, right]")
            }
        }
        do {
            try self.init(vocab: entries, merges: mergeList, unkToken: try json.optional("unk_token")?.string(),
                          continuingSubwordPrefix: try json.optional("continuing_subword_prefix")?.string(),
                          endOfWordSuffix: try json.optional("end_of_word_suffix")?.string(),
                          fuseUnknown: try json.bool("fuse_unk", default: false),
                          byteFallback: try json.bool("byte_fallback", default: false),
                          ignoreMerges: try json.bool("ignore_merges", default: false))
        } catch BPECore.BuildError.message(let field, let reason) {
            throw TokenizerError.invalidField(path: json.file, field: json.path(field), reason: reason)
        }
    }

    public var vocabularySize: Int { core.vocab.count }
    public func tokenToId(_ token: String) -> Int32? { core.vocab.id(of: token.unicodeScalars) }
    public func idToToken(_ id: Int32) -> String? { core.token(id) }

    public func tokenize(_ piece: ArraySlice<Unicode.Scalar>, into sink: inout TokenSink) {
        core.tokenize(piece, into: &sink)
    }
}
