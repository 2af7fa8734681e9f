import JSONCore

/// `input` of an embeddings request, in the four shapes OpenAI accepts: a string, a list of strings, a list of
/// token ids (one input), a list of such lists.
enum EmbeddingInput: Equatable {
    case texts([String])
    /// Token ids exactly as the encoder sees them: [CLS] … [SEP] included, what `SentenceEncoder.tokenize` gives for a
    /// text, so the ids of a text embed to the text's vector.
    case tokens([[Int32]])

    var count: Int {
        switch self {
        case .texts(let t): t.count
        case .tokens(let t): t.count
        }
    }

    /// Reads `input`; empty strings and lists are refused (there is nothing to embed), as OpenAI refuses them.
    init(_ value: JSONValue) throws {
        func invalid(_ message: String) -> APIError { .invalid(message, param: "input") }
        switch value {
        case .string(let text):
            guard !text.isEmpty else { throw invalid("'input' is an empty string") }
            self = .texts([text])
        case .array(let items):
            guard let first = items.first else { throw invalid("'input' is an empty list") }
            switch first {
            case .string:
                self = .texts(try items.enumerated().map { i, item in
                    guard case .string(let text) = item else {
                        throw invalid("'input[\(i)]' must be a string like the other items, not \(item.kindName)")
                    }
                    guard !text.isEmpty else { throw invalid("'input[\(i)]' is an empty string") }
                    return text
                })
            case .number:
                self = .tokens([try Self.tokenIDs(items, at: "input")])
            case .array:
                self = .tokens(try items.enumerated().map { i, item in
                    guard case .array(let ids) = item else {
                        throw invalid("'input[\(i)]' must be a list of token ids like the other items, not \(item.kindName)")
                    }
                    guard !ids.isEmpty else { throw invalid("'input[\(i)]' is an empty list of token ids") }
                    return try Self.tokenIDs(ids, at: "input[\(i)]")
                })
            default:
                throw invalid("'input' must be a string, a list of strings, a list of token ids or a list of such lists; its first item is \(first.kindName)")
            }
        default:
            throw invalid("'input' must be a string, a list of strings, a list of token ids or a list of such lists, not \(value.kindName)")
        }
    }

    private static func tokenIDs(_ items: [JSONValue], at path: String) throws -> [Int32] {
        try items.enumerated().map { i, item in
            guard let id = JSONRequestBody.integer(item), let id32 = Int32(exactly: id), id32 >= 0 else {
                throw APIError.invalid("'\(path)[\(i)]' must be a non-negative integer token id, not \(item.literal)", param: "input")
            }
            return id32
        }
    }
}
