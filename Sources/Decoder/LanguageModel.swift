import Foundation
import ModelFormats
import Tokenizers

/// A decoder with everything needed to turn text into text: its tokenizer, its chat template and the ids that end a
/// sequence. Loaded from one path: a Hugging Face directory, or a `.gguf` file whose tokenizer files
/// (`tokenizer.json`, `tokenizer_config.json`, `chat_template.jinja`) sit beside it, as `scripts/fetch-models.sh`
/// leaves them.
public final class LanguageModel {
    public let path: String
    public let model: DecoderModel
    public let tokenizer: Tokenizer
    /// nil when the tokenizer directory has no `tokenizer_config.json`.
    public let tokenizerConfig: TokenizerConfig?
    /// Ids that end generation: the model's eos ids (config.json or the GGUF header), `generation_config.json`'s,
    /// the tokenizer's eos token and its pad token. Qwen2.5's generation config lists both `<|im_end|>` and
    /// `<|endoftext|>` (its pad token); a GGUF keeps only one of them, so the pad token stands in for the other — the
    /// Python peer stops on the same set.
    public let stopTokenIds: Set<Int32>
    /// The merged LoRA adapter, if any.
    public let adapter: LoRAConfig?

    public init(path: String, model: DecoderModel, tokenizer: Tokenizer, tokenizerConfig: TokenizerConfig?,
                stopTokenIds: Set<Int32>, adapter: LoRAConfig? = nil) {
        self.path = path
        self.model = model
        self.tokenizer = tokenizer
        self.tokenizerConfig = tokenizerConfig
        self.stopTokenIds = stopTokenIds
        self.adapter = adapter
    }

    /// The file or directory to load for `path`: a directory without `config.json` that holds exactly one `.gguf`
    /// file (how `scripts/fetch-models.sh` leaves the proxies) means that file.
    public static func resolveModelPath(_ path: String) -> String {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
              !fm.fileExists(atPath: URL(fileURLWithPath: path).appendingPathComponent("config.json").path),
              let ggufs = try? fm.contentsOfDirectory(atPath: path).filter({ $0.hasSuffix(".gguf") }), ggufs.count == 1
        else { return path }
        return (path as NSString).appendingPathComponent(ggufs[0])
    }

    /// The directory holding the tokenizer files of the model at `path`.
    public static func tokenizerDirectory(forModel path: String) -> URL {
        let url = URL(fileURLWithPath: path)
        return path.hasSuffix(".gguf") ? url.deletingLastPathComponent() : url
    }

    /// Loads the model at `path` (HF directory or .gguf), its tokenizer and, if given, merges a PEFT LoRA adapter;
    /// the weights are kept as `weights` says. `path` is kept as resolved (the .gguf file when given its directory).
    public static func load(path given: String, adapter: URL? = nil, weights: DecoderWeightFormat = .f32) throws -> LanguageModel {
        let path = resolveModelPath(given)
        let directory = tokenizerDirectory(forModel: path)
        let tokenizerConfig = try loadTokenizerConfig(directory)
        let tokenizerFile = directory.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: tokenizerFile.path) else { throw ModelLoadingError.missingFile(tokenizerFile.path) }
        let tokenizer = try Tokenizer.load(directory: directory)
        // An adapter merges into Float32 weights, which are quantised after.
        var model = try DecoderModel.load(path: path, weights: adapter == nil ? weights : .f32)
        let merged = try adapter.map { try model.mergeLoRA(from: $0) }
        if model.weightFormat != weights { model = try model.converted(to: weights) }

        var stops = Set(model.config.eosTokenId.map(Int32.init))
        stops.formUnion(try generationConfigEOS(directory))
        for key in ["eos_token", "pad_token"] {
            if let token = tokenizerConfig?.specialTokens[key], let id = tokenizer.tokenToId(token) { stops.insert(id) }
        }
        return LanguageModel(path: path, model: model, tokenizer: tokenizer, tokenizerConfig: tokenizerConfig,
                             stopTokenIds: stops, adapter: merged)
    }

    /// Whether the model at `path` has a chat template (without loading its weights).
    public static func hasChatTemplate(path: String) throws -> Bool {
        try !(loadTokenizerConfig(tokenizerDirectory(forModel: resolveModelPath(path)))?.chatTemplates.isEmpty ?? true)
    }

    private static func loadTokenizerConfig(_ directory: URL) throws -> TokenizerConfig? {
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

    /// The model's chat template (an error naming the tokenizer directory when it has none).
    public func chatTemplate() throws -> ChatTemplate {
        guard let tokenizerConfig else {
            throw ModelLoadingError.missingFile(Self.tokenizerDirectory(forModel: path).appendingPathComponent("tokenizer_config.json").path)
        }
        return try tokenizerConfig.chatTemplate()
    }

    /// Token ids of a prompt, without added special tokens: a chat template writes its own (`bos_token` included
    /// where the model wants one), and lm-evaluation-harness encodes plain prompts the same way.
    public func encode(_ prompt: String) throws -> [Int32] {
        try tokenizer.encode(prompt, addSpecialTokens: false).ids
    }
}
