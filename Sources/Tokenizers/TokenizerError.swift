/// Everything that can go wrong while loading or using a tokenizer. Cases that come from a file carry its path, so a
/// message always says which file to look at.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist (for a directory: the directory has no `tokenizer.json`).
    case fileNotFound(path: String)
    /// The file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// The file is not valid JSON (or not valid UTF-8).
    case malformedJSON(path: String, line: Int, column: Int, reason: String)
    /// A required field is absent; `field` is a dotted path such as `model.vocab`.
    case missingField(path: String, field: String)
    /// A field is present but has the wrong type or an impossible value.
    case invalidField(path: String, field: String, reason: String)
    /// A pipeline stage names a `type` this module does not implement (never guessed at).
    case unknownStageType(path: String, stage: String, type: String)
    /// Truncation cannot leave room for the special tokens the post-processor adds.
    case truncationTooShort(maxLength: Int, specialTokens: Int)
    /// `OnlySecond` truncation was asked for a single sequence, or the chosen sequence is too short to truncate.
    case truncationImpossible(reason: String)
    /// Padding was asked for but neither the options nor the tokenizer files name a pad token.
    case missingPadToken(reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): return "\(path): file not found"
        case .unreadableFile(let path, let reason): return "\(path): cannot read file: \(reason)"
        case .malformedJSON(let path, let line, let column, let reason):
            return "\(path):\(line):\(column): malformed JSON: \(reason)"
        case .missingField(let path, let field): return "\(path): missing field '\(field)'"
        case .invalidField(let path, let field, let reason): return "\(path): invalid field '\(field)': \(reason)"
        case .unknownStageType(let path, let stage, let type):
            return "\(path): unknown \(stage) type '\(type)' (supported: "
                + StageRegistry.supportedTypes(stage).joined(separator: ", ") + ")"
        case .truncationTooShort(let maxLength, let specialTokens):
            return "truncation max_length \(maxLength) is smaller than the \(specialTokens) special tokens added"
        case .truncationImpossible(let reason): return "truncation impossible: \(reason)"
        case .missingPadToken(let reason): return "no pad token: \(reason)"
        }
    }
}
