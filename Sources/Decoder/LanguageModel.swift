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
    /// The text side: tokenizer, chat template, end ids.
    public let codec: PromptCodec
    /// The merged LoRA adapter, if any.
    public let adapter: LoRAConfig?

    public init(path: String, model: DecoderModel, codec: PromptCodec, adapter: LoRAConfig? = nil) {
        self.path = path
        self.model = model
        self.codec = codec
        self.adapter = adapter
    }

    public var tokenizer: Tokenizer { codec.tokenizer }
    /// nil when the tokenizer directory has no `tokenizer_config.json`.
    public var tokenizerConfig: TokenizerConfig? { codec.tokenizerConfig }
    public var stopTokenIds: Set<Int32> { codec.stopTokenIds }

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
        let path = resolveModelPath(given), weights = weights.resolved(forModel: path)
        let codec = try PromptCodec.load(directory: tokenizerDirectory(forModel: path))
        // An adapter merges into Float32 weights, which are quantised after.
        var model = try DecoderModel.load(path: path, weights: adapter == nil ? weights : .f32)
        let merged = try adapter.map { try model.mergeLoRA(from: $0) }
        if model.weightFormat != weights { model = try model.converted(to: weights) }
        return LanguageModel(path: path, model: model, codec: codec.stopping(at: model.config.eosTokenId.map(Int32.init)), adapter: merged)
    }

    /// Whether the model at `path` has a chat template (without loading its weights).
    public static func hasChatTemplate(path: String) throws -> Bool {
        try !(PromptCodec.loadTokenizerConfig(tokenizerDirectory(forModel: resolveModelPath(path)))?.chatTemplates.isEmpty ?? true)
    }

    public var hasChatTemplate: Bool { codec.hasChatTemplate }

    /// The model's chat template (an error naming the tokenizer directory when it has none).
    public func chatTemplate() throws -> ChatTemplate { try codec.chatTemplate() }

    /// Token ids of a prompt, without added special tokens (see `PromptCodec.encode`).
    public func encode(_ prompt: String) throws -> [Int32] { try codec.encode(prompt) }
}
