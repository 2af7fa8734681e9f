import JSONCore

/// An embeddings request's `input` or a completions request's `prompt`, in the four shapes OpenAI accepts for
/// both: a string, a list of strings, a list of token ids (one input), a list of such lists.
enum TextInputs: Equatable {
    case texts([String])
    /// Token ids exactly as the model sees them: for the encoder [CLS] … [SEP] included (what
    /// `SentenceEncoder.tokenize` gives for a text, so the ids of a text embed to the text's vector); for the decoder
    /// the prompt's ids without added special tokens.
    case tokens([[Int32]])

    var count: Int {
        switch self {
        case .texts(let t): t.count
        case .tokens(let t): t.count
        }
    }

    /// Reads field `name`; empty strings and lists are refused (there is nothing to embed or continue), as OpenAI
    /// refuses them.
    init(_ value: JSONValue, field name: String) throws {
        func invalid(_ message: String) -> APIError { .invalid(message, param: name) }
        switch value {
        case .string(let text):
            guard !text.isEmpty else { throw invalid("'\(name)' is an empty string") }
            self = .texts([text])
        case .array(let items):
            guard let first = items.first else { throw invalid("'\(name)' is an empty list") }
            switch first {
            case .string:
                self = .texts(try items.enumerated().map { i, item in
                    guard case .string(let text) = item else {
                        throw invalid("'\(name)[\(i)]' must be a string like the other items, not \(item.kindName)")
                    }
                    guard !text.isEmpty else { throw invalid("'\(name)[\(i)]' is an empty string") }
                    return text
                })
            case .number:
                self = .tokens([try Self.tokenIDs(items, at: name, field: name)])
            case .array:
                self = .tokens(try items.enumerated().map { i, item in
                    guard case .array(let ids) = item else {
                        throw invalid("'\(name)[\(i)]' must be a list of token ids like the other items, not \(item.kindName)")
                    }
                    guard !ids.isEmpty else { throw invalid("'\(name)[\(i)]' is an empty list of token ids") }
                    return try Self.tokenIDs(ids, at: "\(name)[\(i)]", field: name)
                })
            default:
                throw invalid("'\(name)' must be a string, a list of strings, a list of token ids or a list of such lists; its first item is \(first.kindName)")
            }
        default:
            throw invalid("'\(name)' must be a string, a list of strings, a list of token ids or a list of such lists, not \(value.kindName)")
        }
    }

    private static func tokenIDs(_ items: [JSONValue], at path: String, field: String) throws -> [Int32] {
        try items.enumerated().map { i, item in
            guard let id = JSONRequestBody.integer(item), let id32 = Int32(exactly: id), id32 >= 0 else {
                throw APIError.invalid("'\(path)[\(i)]' must be a non-negative integer token id, not \(item.literal)", param: field)
            }
            return id32
        }
    }
}
