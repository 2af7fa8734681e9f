/// `WordPiece` (BERT): greedy longest-match-first over each word, later pieces looked up with the continuing prefix
/// (`##`). A word with an unmatchable rest, or longer than `maxInputCharsPerWord` scalars, becomes one `[UNK]`.
/// See Wu et al. 2016, "Google's Neural Machine Translation System" (https://arxiv.org/abs/1609.08144).
public struct WordPiece: TokenizerModel {
    public let unkToken: String
    public let unkId: Int32
    public let continuingSubwordPrefix: String
    public let maxInputCharsPerWord: Int
    /// id → token; nil where the vocabulary has a hole.
    private let vocab: [String?]
    /// Every vocabulary entry from `ScalarTrie.root`, and entries with the prefix (minus it) from `continuation`.
    private let trie: ScalarTrie
    private let continuation: Int32

    /// `vocab` in file order; duplicate tokens keep the last id, as a Rust `HashMap` built from the JSON would.
    public init(vocab: [(token: String, id: Int32)], unkToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
                maxInputCharsPerWord: Int = 100) throws {
        var trie = ScalarTrie(capacity: vocab.reduce(0) { $0 + $1.token.unicodeScalars.count } + 16)
        let continuation = trie.addNode()
        let prefix = Array(continuingSubwordPrefix.unicodeScalars)
        var table = [String?](repeating: nil, count: Int(vocab.map(\.id).max() ?? -1) + 1)
        for (token, id) in vocab {
            let scalars = Array(token.unicodeScalars)
            trie.insert(scalars, id: id)
            if !prefix.isEmpty, scalars.count > prefix.count, scalars.starts(with: prefix) {
                trie.insert(scalars[prefix.count...], id: id, from: continuation)
            }
            table[Int(id)] = token
        }
        guard let unk = trie.lookup(unkToken.unicodeScalars) else {
            throw WordPieceError.unknownUnkToken(unkToken)
        }
        self.unkToken = unkToken
        self.unkId = unk
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        self.vocab = table
        self.vocabularySize = table.reduce(0) { $1 == nil ? $0 : $0 + 1 }
        self.trie = trie
        self.continuation = continuation
    }

    enum WordPieceError: Error { case unknownUnkToken(String) }

    init(json: JSONNode) throws {
        let vocabNode = try json.required("vocab")
        var entries: [(token: String, id: Int32)] = []
        for (key, node) in try vocabNode.members() { entries.append((key, Int32(try node.int()))) }
        let unk = try json.optional("unk_token")?.string() ?? "[UNK]"
        do {
            try self.init(vocab: entries, unkToken: unk,
                          continuingSubwordPrefix: try json.optional("continuing_subword_prefix")?.string() ?? "##",
                          maxInputCharsPerWord: try json.optional("max_input_chars_per_word")?.int() ?? 100)
        } catch WordPieceError.unknownUnkToken(let t) {
            throw TokenizerError.invalidField(path: json.file, field: json.path("unk_token"),
                                              reason: "'\(t)' is not in the vocabulary")
        }
    }

    public let vocabularySize: Int

    public func tokenToId(_ token: String) -> Int32? { trie.lookup(token.unicodeScalars) }

    public func idToToken(_ id: Int32) -> String? {
        id >= 0 && Int(id) < vocab.count ? vocab[Int(id)] : nil
    }

    public func tokenize(_ piece: ArraySlice<Unicode.Scalar>, into sink: inout TokenSink) {
        let whole = piece.startIndex..<piece.endIndex
        if piece.count > maxInputCharsPerWord {
            sink.append(unkId, whole)
            return
        }
        let mark = sink.ids.count
        var start = piece.startIndex
        while start < piece.endIndex {
            // Longest vocabulary entry that is a prefix of piece[start...].
            var node = start == piece.startIndex ? ScalarTrie.root : continuation
            var bestEnd = -1
            var bestId: Int32 = -1
            var i = start
            while i < piece.endIndex {
                node = trie.child(node, piece[i])
                if node < 0 { break }
                i += 1
                let id = trie.terminal[Int(node)]
                if id >= 0 { bestEnd = i; bestId = id }
            }
            if bestEnd < 0 {
                sink.ids.removeSubrange(mark...)
                sink.ranges.removeSubrange(mark...)
                sink.append(unkId, whole)
                return
            }
            sink.append(bestId, start..<bestEnd)
            start = bestEnd
        }
    }
}
