/// `exemplar serve`'s settings (configs/serve.yaml); keys are the YAML names, and the command's flags set the same
/// fields. Empty strings mean "not set" (run configs have no nulls).
public struct ServiceConfiguration: Codable, Equatable, Sendable {
    /// Loopback by default: exposing the server is a decision, not an accident.
    public var host = "127.0.0.1"
    /// 0 binds a free port (the log says which): what tests use.
    public var port = 8080
    public var encoder = EncoderSection()
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
    }

    enum CodingKeys: String, CodingKey {
        case host, port, encoder, indexes
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
        if Set(indexes).count != indexes.count { problems.append("indexes: a name is listed twice") }
        return problems
    }
}
