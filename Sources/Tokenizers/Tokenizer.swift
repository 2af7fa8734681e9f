import Dispatch
import Foundation

/// A Hugging Face `tokenizer.json` pipeline, reproducing the Rust `tokenizers` library token for token:
/// added tokens are split out of the raw text, each remaining stretch is normalized, pre-tokenized and run through the
/// model, then truncated, post-processed (special tokens, type ids) and padded.
///
///     let tok = try Tokenizer.load(directory: modelDirectory)
///     let enc = try tok.encode("What is 2 + 3?", truncation: Truncation(maxLength: 256))
///     let batch = try tok.encodeBatch(texts, truncation: Truncation(maxLength: 256), padding: .batchLongest)
///
/// Immutable and `Sendable`: one instance serves any number of threads.
public final class Tokenizer: Sendable {
    public let normalizer: (any Normalizer)?
    public let preTokenizer: (any PreTokenizer)?
    public let model: any TokenizerModel
    public let postProcessor: (any PostProcessor)?
    public let decoder: (any TokenDecoder)?
    /// tokenizer.json's `added_tokens`, in file order.
    public var addedTokens: [AddedToken] { added.tokens }

    /// tokenizer.json's `truncation` (MiniLM's says 128). Not applied unless passed to `encode`/`encodeBatch`.
    public let defaultTruncation: Truncation?
    /// tokenizer.json's `padding` (MiniLM's says Fixed 128). Not applied unless passed.
    public let defaultPadding: Padding?

    /// Special tokens, from tokenizer_config.json when loaded with one, else from tokenizer.json (unk from the model,
    /// pad from `padding`, cls/sep from a `[CLS] $A [SEP]`-shaped template).
    public let clsToken: String?, sepToken: String?, padToken: String?, unkToken: String?, maskToken: String?
    public let clsTokenId: Int32?, sepTokenId: Int32?, padTokenId: Int32?, unkTokenId: Int32?, maskTokenId: Int32?

    let added: AddedVocabulary

    /// Loads `tokenizer.json` and, if present, `tokenizer_config.json` from a Hugging Face model directory.
    public static func load(directory: URL) throws -> Tokenizer {
        let config = directory.appendingPathComponent("tokenizer_config.json")
        return try Tokenizer(tokenizerJSON: directory.appendingPathComponent("tokenizer.json"),
                             tokenizerConfig: FileManager.default.fileExists(atPath: config.path) ? config : nil)
    }

    /// Loads a `tokenizer.json`; `tokenizerConfig` (optional) supplies the names of the special tokens.
    public convenience init(tokenizerJSON: URL, tokenizerConfig: URL? = nil) throws {
        let json = try TokenizerJSON.parse(contentsOf: tokenizerJSON)
        let config = try tokenizerConfig.map { try TokenizerJSON.parse(contentsOf: $0) }
        try self.init(json: JSONNode(json, file: tokenizerJSON.path),
                      config: config.map { JSONNode($0, file: tokenizerConfig!.path) })
    }

    init(json root: JSONNode, config: JSONNode?) throws {
        func stage<T>(_ key: String, _ table: [String: StageRegistry.Factory<T>]) throws -> T? {
            try root.optional(key).map { try StageRegistry.build(table, stage: key, node: $0) }
        }
        normalizer = try stage("normalizer", StageRegistry.normalizers)
        preTokenizer = try stage("pre_tokenizer", StageRegistry.preTokenizers)
        model = try StageRegistry.build(StageRegistry.models, stage: "model", node: try root.required("model"))
        postProcessor = try stage("post_processor", StageRegistry.postProcessors)
        decoder = try stage("decoder", StageRegistry.decoders)
        let addedTokens = try root.optional("added_tokens")?.array().map(AddedToken.init(json:)) ?? []
        added = AddedVocabulary(tokens: addedTokens, normalizer: normalizer)
        defaultTruncation = try root.optional("truncation").map(Truncation.init(json:))
        defaultPadding = try root.optional("padding").map(Padding.init(json:))

        // Special tokens: the config's names win; each must exist in the vocabulary.
        let model = self.model, added = self.added
        func lookup(_ token: String) -> Int32? { added.id(content: token) ?? model.tokenToId(token) }
        func fromConfig(_ key: String) throws -> (String, Int32)? {
            guard let node = try config?.optional(key) else { return nil }
            let name: String
            if case .string(let s) = node.value { name = s } else { name = try node.string("content") }
            guard let id = lookup(name) else { throw node.invalid("'\(name)' is not in the vocabulary of \(root.file)") }
            return (name, id)
        }
        var template: (cls: (String, Int32), sep: (String, Int32))?
        if let t = postProcessor as? TemplateProcessing, t.single.count == 3,
           case .specialToken(let c, _) = t.single[0], case .sequence = t.single[1], case .specialToken(let s, _) = t.single[2],
           let cs = t.specialTokens[c], let ss = t.specialTokens[s], cs.ids.count == 1, ss.ids.count == 1 {
            template = ((cs.tokens[0], cs.ids[0]), (ss.tokens[0], ss.ids[0]))
        }
        let cls = try fromConfig("cls_token") ?? template?.cls
        let sep = try fromConfig("sep_token") ?? template?.sep
        var pad = try fromConfig("pad_token")
        if pad == nil, let p = defaultPadding, let token = p.padToken, let id = p.padId { pad = (token, id) }
        var unk = try fromConfig("unk_token")
        if unk == nil, let w = model as? WordPiece { unk = (w.unkToken, w.unkId) }
        let mask = try fromConfig("mask_token")
        (clsToken, clsTokenId) = (cls?.0, cls?.1)
        (sepToken, sepTokenId) = (sep?.0, sep?.1)
        (padToken, padTokenId) = (pad?.0, pad?.1)
        (unkToken, unkTokenId) = (unk?.0, unk?.1)
        (maskToken, maskTokenId) = (mask?.0, mask?.1)
    }

    // MARK: - Vocabulary

    /// Vocabulary size including added tokens that the model's vocabulary lacks (`get_vocab_size(True)`).
    public var vocabularySize: Int {
        model.vocabularySize + added.tokens.filter { model.idToToken($0.id) == nil }.count
    }

    /// The id of `token`, added tokens first (exact scalar match).
    public func tokenToId(_ token: String) -> Int32? { added.id(content: token) ?? model.tokenToId(token) }

    /// The token of `id`, added tokens first (a `normalized` added token shows its normalized content, as in the
    /// Rust library, which decodes it that way).
    public func idToToken(_ id: Int32) -> String? { added.decodedContent(id: id) ?? model.idToToken(id) }

    // MARK: - Encoding

    /// Encodes one text, or a pair (`pair`, type id 1 under BERT's template). Offsets are in Unicode scalars of each
    /// text. `truncation`'s max length includes the special tokens; pass `defaultTruncation`/`defaultPadding` to get
    /// tokenizer.json's settings.
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true,
                       truncation: Truncation? = nil, padding: Padding? = nil) throws -> Encoding {
        let pad = try padding.map(resolve)
        var out = try encodePair(text, pair, addSpecialTokens: addSpecialTokens, truncation: truncation)
        if let pad { out.pad(to: pad.length(out.count), id: pad.id, typeId: pad.typeId, token: pad.token, direction: pad.direction) }
        return out
    }

    /// Encodes many texts (in parallel over the cores) and pads them to one width: `(count, width)` row-major ids,
    /// type ids and attention mask. Rows equal `encode`'s ids; with `.fixed(n)` padding and rows longer than `n`,
    /// shorter rows are padded further so the batch stays rectangular.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true, truncation: Truncation? = nil,
                            padding: Padding = .batchLongest) throws -> BatchEncoding {
        let pad = try resolve(padding)
        let n = texts.count
        // Each chunk keeps only its rows' ids, type ids and masks back to back: the per-text Encodings (tokens,
        // offsets) are dropped as soon as they are made, so memory stays small and is reused.
        struct Chunk {
            var ids: [Int32] = [], typeIds: [Int32] = [], mask: [Int32] = [], lengths: [Int] = []
            var error: TokenizerError?
        }
        let chunkCount = n < 64 ? 1 : min(n, ProcessInfo.processInfo.activeProcessorCount * 8)
        var chunks = [Chunk](repeating: Chunk(), count: chunkCount)
        chunks.withUnsafeMutableBufferPointer { buffer in
            let buffer = buffer
            DispatchQueue.concurrentPerform(iterations: chunkCount) { c in
                var chunk = Chunk()
                for i in (n * c / chunkCount)..<(n * (c + 1) / chunkCount) {
                    do {
                        let e = try self.encodePair(texts[i], nil, addSpecialTokens: addSpecialTokens, truncation: truncation)
                        chunk.ids += e.ids
                        chunk.typeIds += e.typeIds
                        chunk.mask += e.attentionMask
                        chunk.lengths.append(e.count)
                    } catch {
                        chunk.error = error as? TokenizerError ?? .truncationImpossible(reason: "\(error)")
                        break
                    }
                }
                buffer[c] = chunk
            }
        }
        if let error = chunks.lazy.compactMap(\.error).first { throw error }

        let lengths = chunks.flatMap(\.lengths)
        let longest = lengths.max() ?? 0
        let width = max(pad.length(longest), longest)
        var ids = [Int32](repeating: pad.id, count: n * width)
        var typeIds = [Int32](repeating: pad.typeId, count: n * width)
        var mask = [Int32](repeating: 0, count: n * width)
        var row = 0
        for chunk in chunks {
            var from = 0
            for length in chunk.lengths {
                let start = row * width + (pad.direction == .right ? 0 : width - length)
                ids.replaceSubrange(start ..< start + length, with: chunk.ids[from ..< from + length])
                typeIds.replaceSubrange(start ..< start + length, with: chunk.typeIds[from ..< from + length])
                mask.replaceSubrange(start ..< start + length, with: chunk.mask[from ..< from + length])
                from += length
                row += 1
            }
        }
        return BatchEncoding(count: n, width: width, ids: ids, typeIds: typeIds, attentionMask: mask, lengths: lengths)
    }

    /// Padding with every choice made: pad token looked up, target length as a function of the batch's longest row.
    struct ResolvedPadding {
        let padding: Padding
        let id: Int32
        let typeId: Int32
        let token: String
        var direction: EncodingSide { padding.direction }
        func length(_ longest: Int) -> Int { padding.targetLength(longest: longest) }
    }

    func resolve(_ padding: Padding) throws -> ResolvedPadding {
        let id: Int32, token: String
        switch (padding.padId, padding.padToken) {
        case let (id?, token?): return ResolvedPadding(padding: padding, id: id, typeId: padding.padTypeId, token: token)
        case let (nil, t?):
            guard let i = tokenToId(t) else { throw TokenizerError.missingPadToken(reason: "'\(t)' is not in the vocabulary") }
            (id, token) = (i, t)
        case let (i?, nil):
            guard let t = idToToken(i) else { throw TokenizerError.missingPadToken(reason: "id \(i) is not in the vocabulary") }
            (id, token) = (i, t)
        case (nil, nil):
            guard let i = padTokenId, let t = padToken else {
                throw TokenizerError.missingPadToken(reason: "set Padding.padId/padToken; the tokenizer files name none")
            }
            (id, token) = (i, t)
        }
        return ResolvedPadding(padding: padding, id: id, typeId: padding.padTypeId, token: token)
    }

    /// Encode, truncate and post-process (no padding).
    func encodePair(_ text: String, _ pair: String?, addSpecialTokens: Bool, truncation: Truncation?) throws -> Encoding {
        var first = encodeSequence(text, typeId: 0)
        var second = pair.map { encodeSequence($0, typeId: 1) }
        if let t = truncation {
            let specials = addSpecialTokens ? (postProcessor?.addedTokenCount(isPair: second != nil) ?? 0) : 0
            // The Rust library subtracts without a check (and then wraps around): refuse instead.
            guard t.maxLength >= specials else { throw TokenizerError.truncationTooShort(maxLength: t.maxLength, specialTokens: specials) }
            try Encoding.truncate(&first, &second, maxLength: t.maxLength - specials, strategy: t.strategy, direction: t.direction)
        }
        if let p = postProcessor { return p.process(first, pair: second, addSpecialTokens: addSpecialTokens) }
        if let second { first.append(second) }
        return first
    }

    /// One text through added-token splitting, normalizer, pre-tokenizer and model.
    func encodeSequence(_ text: String, typeId: Int32) -> Encoding {
        let input = Array(text.unicodeScalars)
        var pre = PreTokenizedString(text: NormalizedString(scalars: [], alignments: []), pieces: [])
        for (range, token) in added.split(input, normalizedPass: false) {
            var stretch = NormalizedString(original: input[range], offset: range.lowerBound)
            if let token {
                let start = pre.text.count
                pre.text.append(stretch)
                pre.pieces.append(.init(range: start..<pre.text.count, addedTokenId: added.tokens[token].id))
                continue
            }
            normalizer?.normalize(&stretch)
            for (r, token) in added.split(stretch.scalars, normalizedPass: true) where !r.isEmpty {
                let start = pre.text.count
                pre.text.append(stretch, range: r)
                pre.pieces.append(.init(range: start..<pre.text.count, addedTokenId: token.map { added.tokens[$0].id }))
            }
        }
        preTokenizer?.preTokenize(&pre)

        var ids: [Int32] = [], tokens: [String] = [], offsets: [Range<Int>] = []
        ids.reserveCapacity(pre.pieces.count + pre.pieces.count / 2)
        offsets.reserveCapacity(ids.capacity)
        var sink = TokenSink()
        for piece in pre.pieces {
            if let id = piece.addedTokenId {
                ids.append(id)
                offsets.append(pre.text.originalRange(of: piece.range))
                tokens.append(String(scalars: pre.text.scalars[piece.range]))
                continue
            }
            sink.ids.removeAll(keepingCapacity: true)
            sink.ranges.removeAll(keepingCapacity: true)
            model.tokenize(pre.text.scalars[piece.range], into: &sink)
            for k in sink.ids.indices {
                ids.append(sink.ids[k])
                offsets.append(pre.text.originalRange(of: sink.ranges[k]))
                tokens.append(model.idToToken(sink.ids[k]) ?? "")
            }
        }
        let n = ids.count
        return Encoding(ids: ids, typeIds: [Int32](repeating: typeId, count: n), tokens: tokens, offsets: offsets,
                        specialTokensMask: [Int32](repeating: 0, count: n), attentionMask: [Int32](repeating: 1, count: n))
    }

    // MARK: - Decoding

    /// Text for `ids` through the decoder (WordPiece: `##` joined, spaces before punctuation removed). Like the Rust
    /// library, ids outside the vocabulary are dropped and special added tokens are skipped unless asked for.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = true) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard let token = idToToken(id) else { continue }
            if skipSpecialTokens, added.isSpecial(content: token) { continue }
            tokens.append(token)
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decodeChain(tokens).joined()
    }
}
