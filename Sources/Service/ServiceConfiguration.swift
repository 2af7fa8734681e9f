import Decoder
import Foundation

/// `exemplar serve`'s settings (configs/serve.yaml); keys are the YAML names, and the command's flags set the same
/// fields. Empty strings mean "not set" (run configs have no nulls).
public struct ServiceConfiguration: Codable, Equatable, Sendable {
    /// Loopback by default: exposing the server is a decision, not an accident.
    public var host = "127.0.0.1"
    /// 0 binds a free port (the log says which): what tests use.
    public var port = 8080
    public var encoder = EncoderSection()
    /// The decoder of /v1/completions and /v1/chat/completions (none: those routes answer 404).
    public var decoder = DecoderSection()
    /// Indexes searchable through /v1/search, by name (NAME.sqlite + its FAISS file in `index_dir`).
    public var indexes: [String] = []
    public var indexDir = "indexes"
    /// Largest request body accepted (413 beyond it).
    public var maxBodyBytes = 2 * 1024 * 1024
    /// Most inputs in one embeddings request (OpenAI's limit).
    public var maxInputs = 2048
    /// Most results per query on /v1/search.
    public var maxK = 100

    /// The sentence encoder served on /v1/embeddings (and used for an index built with it).
    public struct EncoderSection: Codable, Equatable, Sendable {
        /// Hugging Face / sentence-transformers directory.
        public var model = "models/all-MiniLM-L6-v2"
        /// PEFT LoRA adapter directory applied on top ("" = none).
        public var adapter = ""
        /// The model id clients send and /v1/models lists ("" = the model directory's name).
        public var name = ""

        public init() {}

        /// The id the server answers to: `name`, or the model directory's name.
        public var servedID: String { name.isEmpty ? URL(fileURLWithPath: model).standardized.lastPathComponent : name }
    }

    /// The decoder served on the generation routes, and how many requests it takes at once.
    public struct DecoderSection: Codable, Equatable, Sendable {
        /// Hugging Face directory, .gguf file or a directory holding one ("" = no generation routes).
        public var model = ""
        /// PEFT LoRA adapter directory merged at load ("" = none).
        public var adapter = ""
        /// How the weights are kept (auto: gguf for a GGUF file, f32 otherwise; f32 exact; int8, q4, gguf faster; see
        /// `DecoderWeightFormat`).
        public var weights = DecoderWeightFormat.auto
        /// The model id clients send ("" = the model path's last component, without .gguf).
        public var name = ""
        /// Sequences decoded together; a request arriving while they are busy waits for a free one.
        public var maxBatch = 8
        /// Requests that may wait for a free sequence; one more is refused at once with 429 and Retry-After.
        public var maxWaiting = 32
        /// Most tokens one request may generate (max_tokens above it is a 400).
        public var maxTokens = 2048

        /// The id the server answers to: `name`, or the model path's last component without .gguf.
        public var servedID: String {
            guard name.isEmpty else { return name }
            let last = URL(fileURLWithPath: model).standardized.lastPathComponent
            return last.hasSuffix(".gguf") ? String(last.dropLast(".gguf".count)) : last
        }

        enum CodingKeys: String, CodingKey {
            case model, adapter, weights, name
            case maxBatch = "max_batch", maxWaiting = "max_waiting", maxTokens = "max_tokens"
        }

        public init() {}
    }

    enum CodingKeys: String, CodingKey {
        case host, port, encoder, decoder, indexes
        case indexDir = "index_dir"
        case maxBodyBytes = "max_body_bytes"
        case maxInputs = "max_inputs"
        case maxK = "max_k"
    }

    public init() {}

    /// Problems the loaders cannot see: ranges and names.
    public func problems() -> [String] {
        var problems: [String] = []
        if host.isEmpty { problems.append("host is required") }
        if !(0...65535).contains(port) { problems.append("port must be in 0...65535") }
        if encoder.model.isEmpty { problems.append("encoder.model is required") }
        if maxBodyBytes <= 0 || maxInputs <= 0 || maxK <= 0 { problems.append("max_body_bytes, max_inputs and max_k must be positive") }
        if decoder.maxBatch <= 0 || decoder.maxWaiting < 0 || decoder.maxTokens <= 0 {
            problems.append("decoder.max_batch and decoder.max_tokens must be positive, decoder.max_waiting ≥ 0")
        }
        if Set(indexes).count != indexes.count { problems.append("indexes: a name is listed twice") }
        return problems
    }
}
