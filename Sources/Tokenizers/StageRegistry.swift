/// Maps tokenizer.json's `type` names to implementations, one table per stage. A name not listed is a
/// `TokenizerError.unknownStageType`: a tokenizer this module cannot reproduce exactly must not load as something close.
/// To add a stage: one file implementing the stage protocol with an `init(json: JSONNode)` that reads its fields
/// (throwing errors that name the field), one entry here, and fixtures from the Python library.
enum StageRegistry {
    typealias Factory<T> = @Sendable (JSONNode) throws -> T

    static let normalizers: [String: Factory<any Normalizer>] = [
        "BertNormalizer": { try BertNormalizer(json: $0) },
        "NFC": { _ in UnicodeNormalizer(form: .nfc) },
        "NFD": { _ in UnicodeNormalizer(form: .nfd) },
        "NFKC": { _ in UnicodeNormalizer(form: .nfkc) },
        "NFKD": { _ in UnicodeNormalizer(form: .nfkd) },
        "Sequence": { try SequenceNormalizer(json: $0) },
    ]
    static let preTokenizers: [String: Factory<any PreTokenizer>] = [
        "BertPreTokenizer": { try BertPreTokenizer(json: $0) },
        "ByteLevel": { try ByteLevelPreTokenizer(json: $0) },
        "Digits": { try DigitsPreTokenizer(json: $0) },
        "Sequence": { try SequencePreTokenizer(json: $0) },
        "Split": { try SplitPreTokenizer(json: $0) },
    ]
    static let models: [String: Factory<any TokenizerModel>] = [
        "WordPiece": { try WordPiece(json: $0) },
        "BPE": { try BPE(json: $0) },
    ]
    static let postProcessors: [String: Factory<any PostProcessor>] = [
        "TemplateProcessing": { try TemplateProcessing(json: $0) },
        "BertProcessing": { try BertProcessing.make(json: $0) },
        "ByteLevel": { try ByteLevelProcessor(json: $0) },
    ]
    static let decoders: [String: Factory<any TokenDecoder>] = [
        "WordPiece": { try WordPieceDecoder(json: $0) },
        "ByteLevel": { try ByteLevelDecoder(json: $0) },
    ]

    /// Builds the stage described by `node` (an object with a `type`) from `table`.
    static func build<T>(_ table: [String: Factory<T>], stage: String, node: JSONNode) throws -> T {
        let type = try node.string("type")
        guard let factory = table[type] else {
            throw TokenizerError.unknownStageType(path: node.file, stage: stage, type: type)
        }
        return try factory(node)
    }

    /// The type names accepted for `stage` (tokenizer.json key), for error messages.
    static func supportedTypes(_ stage: String) -> [String] {
        let names: [String]
        switch stage {
        case "normalizer": names = Array(normalizers.keys)
        case "pre_tokenizer": names = Array(preTokenizers.keys)
        case "model": names = Array(models.keys)
        case "post_processor": names = Array(postProcessors.keys)
        case "decoder": names = Array(decoders.keys)
        default: names = []
        }
        return names.sorted()
    }
}
