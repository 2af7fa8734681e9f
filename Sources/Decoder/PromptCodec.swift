import Foundation
import ModelFormats
import Tokenizers

/// A decoder's text side without its weights: the tokenizer, its config (chat templates, special tokens) and the ids
/// that end generation. `LanguageModel` holds one beside the weights; a client of a remote server needs only this
/// (its prompts are built and counted here, generated there).
public struct PromptCodec: @unchecked Sendable {
    public let directory: URL
    public let tokenizer: Tokenizer
    /// nil when the tokenizer directory has no `tokenizer_config.json`.
    public let tokenizerConfig: TokenizerConfig?
    /// Ids that end generation: `generation_config.json`'s eos ids, the tokenizer's eos token and its pad token, and
    /// (with `stopping(at:)`) the model's own eos ids (config.json or the GGUF header). Qwen2.5's generation config
    /// lists both `<|im_end|>` and `<|endoftext|>` (its pad token); a GGUF keeps only one of them, so the pad token
    /// stands in for the other — the Python peer stops on the same set.
    public private(set) var stopTokenIds: Set<Int32>

    /// Reads `tokenizer.json`, `tokenizer_config.json` and `generation_config.json` of `directory`.
    public static func load(directory: URL) throws -> PromptCodec {
        let tokenizerFile = directory.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: tokenizerFile.path) else { throw ModelLoadingError.missingFile(tokenizerFile.path) }
        let tokenizer = try Tokenizer.load(directory: directory)
        let tokenizerConfig = try loadTokenizerConfig(directory)
        var stops = Set(try generationConfigEOS(directory))
        for key in ["eos_token", "pad_token"] {
            if let token = tokenizerConfig?.specialTokens[key], let id = tokenizer.tokenToId(token) { stops.insert(id) }
        }
        return PromptCodec(directory: directory, tokenizer: tokenizer, tokenizerConfig: tokenizerConfig, stopTokenIds: stops)
    }

    /// The same codec also stopping at `ids` (the model's eos ids).
    public func stopping(at ids: [Int32]) -> PromptCodec {
        var codec = self
        codec.stopTokenIds.formUnion(ids)
        return codec
    }

    static func loadTokenizerConfig(_ directory: URL) throws -> TokenizerConfig? {
        let file = directory.appendingPathComponent("tokenizer_config.json")
        return FileManager.default.fileExists(atPath: file.path) ? try TokenizerConfig.load(directory: directory) : nil
    }

    /// `eos_token_id` of `generation_config.json` (a number or a list), if the file exists.
    private static func generationConfigEOS(_ directory: URL) throws -> [Int32] {
        let url = directory.appendingPathComponent("generation_config.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelLoadingError.invalidFile(path: url.path, reason: "not a JSON object")
        }
        switch object["eos_token_id"] {
        case let id as Int: return [Int32(id)]
        case let ids as [Int]: return ids.map(Int32.init)
        case nil, is NSNull: return []
        default: throw ModelLoadingError.invalidFile(path: url.path, reason: "eos_token_id is neither a number nor a list")
        }
    }

    public var hasChatTemplate: Bool { !(tokenizerConfig?.chatTemplates.isEmpty ?? true) }

    /// The chat template (an error naming the tokenizer directory when it has none).
    public func chatTemplate() throws -> ChatTemplate {
        guard let tokenizerConfig else { throw ModelLoadingError.missingFile(directory.appendingPathComponent("tokenizer_config.json").path) }
        return try tokenizerConfig.chatTemplate()
    }

    /// Token ids of a prompt, without added special tokens: a chat template writes its own (`bos_token` included
    /// where the model wants one), and lm-evaluation-harness encodes plain prompts the same way.
    public func encode(_ prompt: String) throws -> [Int32] {
        try tokenizer.encode(prompt, addSpecialTokens: false).ids
    }
}
