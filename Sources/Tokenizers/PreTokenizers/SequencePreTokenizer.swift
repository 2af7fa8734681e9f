/// `Sequence`: runs its pre-tokenizers one after the other (Qwen2: `Split` on its word regex, then `ByteLevel`).
public struct SequencePreTokenizer: PreTokenizer {
    public let preTokenizers: [any PreTokenizer]

    public init(_ preTokenizers: [any PreTokenizer]) { self.preTokenizers = preTokenizers }

    init(json: JSONNode) throws {
        let list = try json.required("pretokenizers").array()
        self.init(try list.map { try StageRegistry.build(StageRegistry.preTokenizers, stage: "pre_tokenizer", node: $0) })
    }

    public func preTokenize(_ text: inout PreTokenizedString) {
        for p in preTokenizers { p.preTokenize(&text) }
    }
}
