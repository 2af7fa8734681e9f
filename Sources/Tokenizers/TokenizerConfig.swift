import Foundation

/// What `tokenizer_config.json` says beyond the pipeline: the special tokens transformers exposes to chat
/// templates (`special_tokens_map`), `add_bos_token` / `add_eos_token`, and the chat template(s) — a string, or a
/// list of named templates — falling back to `chat_template.jinja` beside it (transformers 5 writes that file).
public struct TokenizerConfig: Sendable {
    /// bos/eos/unk/sep/pad/cls/mask token strings that are set (transformers' `special_tokens_map`).
    public let specialTokens: [String: String]
    public let addBOSToken: Bool?
    public let addEOSToken: Bool?
    /// Named chat templates; a single template is named "default".
    public let chatTemplates: [String: String]
    /// Where the templates came from, for error messages.
    public let chatTemplatePath: String

    public var bosToken: String? { specialTokens["bos_token"] }
    public var eosToken: String? { specialTokens["eos_token"] }

    static let specialTokenKeys = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    /// Reads `tokenizer_config.json` (and `chat_template.jinja` when the config has no template) from a model
    /// directory.
    public static func load(directory: URL) throws -> TokenizerConfig {
        let file = directory.appendingPathComponent("tokenizer_config.json")
        let json = JSONNode(try TokenizerJSON.parse(contentsOf: file), file: file.path)
        var special: [String: String] = [:]
        for key in specialTokenKeys {
            guard let node = try json.optional(key) else { continue }
            if case .string(let s) = node.value { special[key] = s } else { special[key] = try node.string("content") }
        }
        var templates: [String: String] = [:]
        var path = file.path
        if let node = try json.optional("chat_template") {
            if case .string(let s) = node.value {
                templates["default"] = s
            } else {
                for entry in try node.array() { templates[try entry.string("name")] = try entry.string("template") }
            }
        } else {
            let jinja = directory.appendingPathComponent("chat_template.jinja")
            if let data = FileManager.default.contents(atPath: jinja.path) {
                guard let s = String(data: data, encoding: .utf8) else {
                    throw TokenizerError.unreadableFile(path: jinja.path, reason: "not valid UTF-8")
                }
                templates["default"] = s
                path = jinja.path
            }
        }
        return TokenizerConfig(specialTokens: special, addBOSToken: try json.optional("add_bos_token")?.bool(),
                               addEOSToken: try json.optional("add_eos_token")?.bool(), chatTemplates: templates,
                               chatTemplatePath: path)
    }

    /// The chat template as transformers picks it: `name` if given; else "tool_use" when there are tools and such
    /// a template exists; else "default".
    public func chatTemplate(named name: String? = nil, forTools: Bool = false) throws -> ChatTemplate {
        let key = name ?? (forTools && chatTemplates["tool_use"] != nil ? "tool_use" : "default")
        guard let source = chatTemplates[key] else {
            let reason = chatTemplates.isEmpty ? "no chat template (tokenizer_config.json has no chat_template, no chat_template.jinja)"
                : "no chat template named '\(key)' (have: \(chatTemplates.keys.sorted().joined(separator: ", ")))"
            throw ChatTemplateError.missingTemplate(path: chatTemplatePath, reason: reason)
        }
        return try ChatTemplate(source: source, name: chatTemplatePath, specialTokens: specialTokens)
    }
}
