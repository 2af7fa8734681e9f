/// Why a chat template could not be loaded, parsed or rendered. `template` names the file (or the label given to
/// `ChatTemplate(source:name:)`); `line` is the template line.
public enum ChatTemplateError: Error, Equatable, CustomStringConvertible {
    /// The template is not valid Jinja.
    case syntax(template: String, line: Int, message: String)
    /// Valid Jinja this interpreter does not implement (a tag, filter, test, function or method), never skipped.
    case unsupported(template: String, line: Int, construct: String)
    /// Rendering failed as Jinja would fail (undefined attribute access, type errors, …).
    case runtime(template: String, line: Int, message: String)
    /// The template called `raise_exception(message)`.
    case raised(template: String, message: String)
    /// No chat template in the tokenizer files, or the named one is missing.
    case missingTemplate(path: String, reason: String)

    static func syntax(line: Int, message: String) -> ChatTemplateError { .syntax(template: "", line: line, message: message) }
    static func unsupported(line: Int, _ construct: String) -> ChatTemplateError {
        .unsupported(template: "", line: line, construct: construct)
    }
    static func runtime(line: Int, _ message: String) -> ChatTemplateError { .runtime(template: "", line: line, message: message) }

    /// The same error attributed to `name`.
    func named(_ name: String) -> ChatTemplateError {
        switch self {
        case .syntax(_, let l, let m): return .syntax(template: name, line: l, message: m)
        case .unsupported(_, let l, let c): return .unsupported(template: name, line: l, construct: c)
        case .runtime(_, let l, let m): return .runtime(template: name, line: l, message: m)
        case .raised(_, let m): return .raised(template: name, message: m)
        case .missingTemplate: return self
        }
    }

    public var description: String {
        switch self {
        case .syntax(let t, let l, let m): return "\(t):\(l): chat template syntax error: \(m)"
        case .unsupported(let t, let l, let c): return "\(t):\(l): chat template uses \(c), which this interpreter does not support"
        case .runtime(let t, let l, let m): return "\(t):\(l): chat template error: \(m)"
        case .raised(let t, let m): return "\(t): chat template raised an exception: \(m)"
        case .missingTemplate(let p, let r): return "\(p): \(r)"
        }
    }
}
