import Decoder
import Foundation
import JSONCore
import MathTasks

/// A `POST /v1/completions` or `/v1/chat/completions` body, in OpenAI's fields: `model`, `prompt` (completions: a
/// string, strings, token ids or lists of them) or `messages` (chat), `max_tokens` (chat also
/// `max_completion_tokens`), `temperature`, `top_p`, `top_k` (llama.cpp's and vLLM's extension), `seed`, `stop`,
/// `stream`, `stream_options.include_usage`, `n` (1 only), and on chat requests Exemplar's `retrieval`. Fields this
/// server cannot honour (`echo`, `logprobs`, penalties, `n` > 1) are refused by name rather than ignored.
struct CompletionRequest {
    enum Kind { case completion, chat }

    /// Chat only: the nearest solved problems of `index` before the last user turn (see `CompletionsEndpoint`).
    struct Retrieval {
        var index: String
        var shots: Int
    }

    var kind: Kind
    var model: String
    var prompts: TextInputs
    var messages: [FewShotPrompt.Message]
    var retrieval: Retrieval?
    var maxTokens: Int?
    var temperature: Float
    var topP: Float
    var topK: Int
    var seed: UInt64?
    var stop: [String]
    var stream: Bool
    var includeUsage: Bool

    /// OpenAI's limit on stop strings.
    static let maxStops = 4

    /// `requiresModel` false: /tokenize's messages, which name no model.
    init(_ body: JSONRequestBody, kind: Kind, maxShots: Int, requiresModel: Bool = true) throws {
        self.kind = kind
        model = requiresModel ? try body.requiredString("model") : ""
        switch kind {
        case .completion:
            prompts = try TextInputs(try body.requiredField("prompt"), field: "prompt")
            messages = []
            if body.field("messages") != nil { throw APIError.invalid("'messages' belongs to /v1/chat/completions; send 'prompt' here", param: "messages") }
        case .chat:
            prompts = .texts([])
            messages = try Self.messages(try body.requiredField("messages"))
            if body.field("prompt") != nil { throw APIError.invalid("'prompt' belongs to /v1/completions; send 'messages' here", param: "prompt") }
        }
        let maxTokens = try body.integer("max_tokens"), maxCompletionTokens = kind == .chat ? try body.integer("max_completion_tokens") : nil
        self.maxTokens = maxCompletionTokens ?? maxTokens
        if let m = self.maxTokens, m < 1 {
            throw APIError.invalid("'\(maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens")' must be at least 1, not \(m)",
                                   param: maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens")
        }
        let temperature = try body.number("temperature") ?? 1
        guard (0...2).contains(temperature) else { throw APIError.invalid("'temperature' must be between 0 and 2, not \(temperature)", param: "temperature") }
        self.temperature = Float(temperature)
        let topP = try body.number("top_p") ?? 1
        guard topP > 0 && topP <= 1 else { throw APIError.invalid("'top_p' must be in (0, 1], not \(topP)", param: "top_p") }
        self.topP = Float(topP)
        topK = try body.integer("top_k") ?? 0
        guard topK >= 0 else { throw APIError.invalid("'top_k' must be ≥ 0 (0: no limit), not \(topK)", param: "top_k") }
        if let seed = try body.integer("seed") {
            guard seed >= 0 else { throw APIError.invalid("'seed' must be ≥ 0, not \(seed)", param: "seed") }
            self.seed = UInt64(seed)
        }
        stop = try Self.stops(body.field("stop"))
        stream = try body.bool("stream") ?? false
        includeUsage = false
        if let options = try body.object("stream_options") {
            guard stream else { throw APIError.invalid("'stream_options' is only allowed with 'stream': true", param: "stream_options") }
            includeUsage = try options.bool("include_usage") ?? false
        }
        if let n = try body.integer("n"), n != 1 { throw APIError.invalid("'n' must be 1 on this server, not \(n)", param: "n") }
        if try body.bool("echo") == true { throw APIError.invalid("'echo' is not supported", param: "echo") }
        switch body.field("logprobs") {
        case nil, .bool(false)?: break
        default: throw APIError.invalid("'logprobs' is not supported", param: "logprobs")
        }
        for penalty in ["frequency_penalty", "presence_penalty"] where (try body.number(penalty) ?? 0) != 0 {
            throw APIError.invalid("'\(penalty)' is not supported (send 0 or leave it out)", param: penalty)
        }
        if let retrieval = try body.object("retrieval") {
            guard kind == .chat else { throw APIError.invalid("'retrieval' is a chat request field", param: "retrieval") }
            let index = try retrieval.requiredString("index")
            let shots = try retrieval.integer("shots") ?? 4
            guard (0...maxShots).contains(shots) else {
                throw APIError.invalid("'retrieval.shots' must be between 0 and \(maxShots), not \(shots)", param: "retrieval")
            }
            guard messages.last?.role == "user" else {
                throw APIError.invalid("'retrieval' needs the last message to be the user's question", param: "messages")
            }
            self.retrieval = Retrieval(index: index, shots: shots)
        }
    }

    var sampling: Sampling {
        Sampling(temperature: temperature, topK: topK, topP: topP, seed: seed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// `messages`: objects with a `role` (system, developer, user, assistant) and a `content` (a string, or a list
    /// of `{"type": "text", "text": …}` parts, joined).
    private static func messages(_ value: JSONValue) throws -> [FewShotPrompt.Message] {
        guard case .array(let items) = value else { throw APIError.invalid("'messages' must be a list, not \(value.kindName)", param: "messages") }
        guard !items.isEmpty else { throw APIError.invalid("'messages' is an empty list", param: "messages") }
        return try items.enumerated().map { i, item in
            func invalid(_ message: String) -> APIError { .invalid("'messages[\(i)]' \(message)", param: "messages") }
            guard case .object = item else { throw invalid("must be an object, not \(item.kindName)") }
            guard case .string(let role)? = item["role"] else { throw invalid("needs a 'role' string") }
            guard ["system", "developer", "user", "assistant"].contains(role) else {
                throw invalid("has role '\(role)'; this server takes system, developer, user and assistant")
            }
            let content: String
            switch item["content"] {
            case .string(let text)?: content = text
            case .array(let parts)?:
                content = try parts.enumerated().map { j, part in
                    guard case .string("text")? = part["type"], case .string(let text)? = part["text"] else {
                        throw invalid("content[\(j)] must be {\"type\": \"text\", \"text\": …} (only text parts are supported)")
                    }
                    return text
                }.joined()
            default: throw invalid("needs a 'content' string or a list of text parts")
            }
            return FewShotPrompt.Message(role: role == "developer" ? "system" : role, content: content)
        }
    }

    /// `stop`: a string or a list of at most `maxStops` non-empty strings.
    private static func stops(_ value: JSONValue?) throws -> [String] {
        switch value {
        case nil: return []
        case .string(let s)?: return s.isEmpty ? [] : [s]
        case .array(let items)?:
            guard items.count <= maxStops else { throw APIError.invalid("'stop' has \(items.count) strings; the limit is \(maxStops)", param: "stop") }
            return try items.enumerated().map { i, item in
                guard case .string(let s) = item, !s.isEmpty else { throw APIError.invalid("'stop[\(i)]' must be a non-empty string", param: "stop") }
                return s
            }
        case let other?: throw APIError.invalid("'stop' must be a string or a list of strings, not \(other.kindName)", param: "stop")
        }
    }
}
