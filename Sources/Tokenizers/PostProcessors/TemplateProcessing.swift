/// `TemplateProcessing`: lays out the sequences and special tokens as the `single` / `pair` templates say, e.g.
/// `[CLS] $A [SEP]` and `[CLS] $A [SEP] $B:1 [SEP]:1`, each piece with its type id.
public struct TemplateProcessing: PostProcessor {
    public enum Piece: Sendable, Equatable {
        /// `$A` (0) or `$B` (1), with the type id its tokens get.
        case sequence(index: Int, typeId: Int32)
        /// A name from `specialTokens`.
        case specialToken(name: String, typeId: Int32)
    }

    /// A named special token; one name may stand for several ids.
    public struct SpecialToken: Sendable, Equatable {
        public var ids: [Int32]
        public var tokens: [String]
        public init(ids: [Int32], tokens: [String]) {
            self.ids = ids
            self.tokens = tokens
        }
    }

    public let single: [Piece]
    public let pair: [Piece]
    public let specialTokens: [String: SpecialToken]

    public init(single: [Piece], pair: [Piece], specialTokens: [String: SpecialToken]) {
        self.single = single
        self.pair = pair
        self.specialTokens = specialTokens
    }

    init(json: JSONNode) throws {
        var specials: [String: SpecialToken] = [:]
        if let node = try json.optional("special_tokens") {
            for (name, token) in try node.members() {
                let ids = try token.required("ids").array().map { Int32(try $0.int()) }
                let tokens = try token.required("tokens").array().map { try $0.string() }
                guard ids.count == tokens.count else { throw token.invalid("'ids' and 'tokens' differ in length") }
                specials[name] = SpecialToken(ids: ids, tokens: tokens)
            }
        }
        func template(_ key: String) throws -> [Piece] {
            try json.required(key).array().map { entry in
                if let s = try entry.optional("Sequence") {
                    let id = try s.string("id")
                    guard id == "A" || id == "B" else { throw s.invalid("sequence id must be A or B, found '\(id)'") }
                    return .sequence(index: id == "A" ? 0 : 1, typeId: Int32(try s.int("type_id")))
                }
                if let s = try entry.optional("SpecialToken") {
                    let name = try s.string("id")
                    guard specials[name] != nil else { throw s.invalid("special token '\(name)' is not in special_tokens") }
                    return .specialToken(name: name, typeId: Int32(try s.int("type_id")))
                }
                throw entry.invalid("expected {\"Sequence\": …} or {\"SpecialToken\": …}")
            }
        }
        self.init(single: try template("single"), pair: try template("pair"), specialTokens: specials)
    }

    public func addedTokenCount(isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { n, piece in
            if case .specialToken(let name, _) = piece { return n + (specialTokens[name]?.ids.count ?? 0) }
            return n
        }
    }

    public func process(_ first: Encoding, pair second: Encoding?, addSpecialTokens: Bool) -> Encoding {
        var out = Encoding()
        let total = first.count + (second?.count ?? 0) + (addSpecialTokens ? addedTokenCount(isPair: second != nil) : 0)
        out.reserveCapacity(total)
        for piece in second == nil ? single : pair {
            switch piece {
            case .sequence(let index, let typeId):
                guard let part = index == 0 ? first : second else { continue }
                out.ids += part.ids
                out.tokens += part.tokens
                out.offsets += part.offsets
                out.specialTokensMask += part.specialTokensMask
                out.attentionMask += part.attentionMask
                out.typeIds.append(contentsOf: repeatElement(typeId, count: part.count))
            case .specialToken(let name, let typeId):
                guard addSpecialTokens, let special = specialTokens[name] else { continue }
                out.appendSpecial(ids: special.ids, tokens: special.tokens, typeId: typeId)
            }
        }
        return out
    }
}

/// `BertProcessing` (older BERT tokenizer.json files): the fixed template `cls $A sep` / `cls $A sep $B:1 sep:1`.
enum BertProcessing {
    static func make(json: JSONNode) throws -> TemplateProcessing {
        func special(_ key: String) throws -> (String, Int32) {
            let node = try json.required(key)
            let pair = try node.array()
            guard pair.count == 2 else { throw node.invalid("expected [token, id]") }
            return (try pair[0].string(), Int32(try pair[1].int()))
        }
        let (cls, clsId) = try special("cls")
        let (sep, sepId) = try special("sep")
        return TemplateProcessing(
            single: [.specialToken(name: cls, typeId: 0), .sequence(index: 0, typeId: 0), .specialToken(name: sep, typeId: 0)],
            pair: [.specialToken(name: cls, typeId: 0), .sequence(index: 0, typeId: 0), .specialToken(name: sep, typeId: 0),
                   .sequence(index: 1, typeId: 1), .specialToken(name: sep, typeId: 1)],
            specialTokens: [cls: .init(ids: [clsId], tokens: [cls]), sep: .init(ids: [sepId], tokens: [sep])])
    }
}
