/// A model's Jinja `chat_template`, rendered as transformers' `apply_chat_template(..., tokenize=False)` renders it:
/// same Jinja environment settings (`trim_blocks`, `lstrip_blocks`, `raise_exception`, `tojson` as `json.dumps`),
/// same variables (`messages`, `tools`, `documents`, `add_generation_prompt`, the special tokens, extra keyword
/// arguments), message keys whose value is `none` dropped first.
///
///     let template = try TokenizerConfig.load(directory: modelDir).chatTemplate()
///     let prompt = try template.render(messages: [["role": "user", "content": "What is 7 * 8?"]],
///                                      addGenerationPrompt: true)
///
/// The interpreter covers the Jinja that chat templates use (see `JinjaParser`, `JinjaBuiltins`); anything else is
/// a `ChatTemplateError.unsupported` naming the construct, at load time where it can be seen then (tags, filters,
/// tests) and otherwise when rendering reaches it (functions, methods) — never output rendered differently.
public struct ChatTemplate: Sendable {
    public let source: String
    /// The file (or label) errors name.
    public let name: String
    /// `bos_token`, `eos_token`, … as the template sees them.
    public let specialTokens: [String: String]
    let nodes: [JinjaNode]

    public init(source: String, name: String = "chat_template", specialTokens: [String: String] = [:]) throws {
        self.source = source
        self.name = name
        self.specialTokens = specialTokens
        do {
            nodes = try JinjaParser.parse(source)
            try Self.check(nodes)
        } catch let e as ChatTemplateError {
            throw e.named(name)
        }
    }

    /// Renders `messages` (each an object with at least `role` and `content`). `tools` are JSON schemas;
    /// `extra` adds or overrides template variables (e.g. a `bos_token`, or `enable_thinking`).
    public func render(messages: [JinjaValue], addGenerationPrompt: Bool = false, tools: [JinjaValue]? = nil,
                       documents: [JinjaValue]? = nil, extra: [String: JinjaValue] = [:]) throws -> String {
        var variables: [String: JinjaRuntimeValue] = [:]
        for (k, v) in specialTokens { variables[k] = .string(v) }
        for (k, v) in extra { variables[k] = JinjaRuntimeValue(v) }
        variables["messages"] = .array(messages.map { message in
            guard case .object(let members) = message else { return JinjaRuntimeValue(message) }
            return JinjaRuntimeValue(.object(members.filter { $0.value != JinjaValue.none }))
        })
        variables["tools"] = tools.map { JinjaRuntimeValue(.array($0)) } ?? JinjaRuntimeValue.none
        variables["documents"] = documents.map { JinjaRuntimeValue(.array($0)) } ?? JinjaRuntimeValue.none
        variables["add_generation_prompt"] = .bool(addGenerationPrompt)
        var interpreter = JinjaInterpreter(variables: variables)
        do { return try interpreter.render(nodes) } catch let e as ChatTemplateError {
            throw e.named(name)
        }
    }

    /// Rejects filters and tests the interpreter does not implement, before anything renders.
    private static func check(_ nodes: [JinjaNode]) throws {
        for node in nodes {
            switch node {
            case .text, .breakLoop, .continueLoop: break
            case .output(let e): try check(e)
            case .ifBlock(let branches, let otherwise):
                for b in branches {
                    try check(b.condition)
                    try check(b.body)
                }
                try check(otherwise)
            case .forLoop(_, let iterable, let filter, let body, let otherwise, _):
                try check(iterable)
                if let filter { try check(filter) }
                try check(body)
                try check(otherwise)
            case .set(_, let value, _), .setAttribute(_, _, let value, _): try check(value)
            case .setBlock(_, let body), .generation(let body): try check(body)
            }
        }
    }

    private static func check(_ e: JinjaExpression) throws {
        switch e {
        case .literal, .name: break
        case .list(let items), .tuple(let items): for i in items { try check(i) }
        case .dict(let pairs):
            for p in pairs {
                try check(p.key)
                try check(p.value)
            }
        case .attribute(let base, _, _): try check(base)
        case .index(let base, let index, _):
            try check(base)
            try check(index)
        case .slice(let base, let start, let stop, let step, _):
            try check(base)
            for part in [start, stop, step] { if let part { try check(part) } }
        case .call(let callee, let args, let kwargs, _):
            try check(callee)
            for a in args { try check(a) }
            for k in kwargs { try check(k.value) }
        case .filter(let base, let name, let args, let kwargs, let line):
            guard JinjaBuiltins.filterNames.contains(name) else {
                throw ChatTemplateError.unsupported(line: line, "the filter '\(name)'")
            }
            try check(base)
            for a in args { try check(a) }
            for k in kwargs { try check(k.value) }
        case .test(let base, let name, let args, _, let line):
            guard JinjaBuiltins.testNames.contains(name) else {
                throw ChatTemplateError.unsupported(line: line, "the test '\(name)'")
            }
            try check(base)
            for a in args { try check(a) }
        case .unary(_, let x, _), .not(let x): try check(x)
        case .binary(_, let l, let r, _), .and(let l, let r), .or(let l, let r):
            try check(l)
            try check(r)
        case .conditional(let v, let c, let o):
            try check(v)
            try check(c)
            if let o { try check(o) }
        }
    }
}
