import JSONCore

/// A JSON number read as a non-negative `Int`, as the safetensors reference's `usize` fields are: no sign, fraction or
/// exponent (the reference rejects `2.0`, `2e0` and `-0` too).
enum UsizeLiteral {
    case value(Int)
    case negative
    case notAnInteger
    case tooLarge

    init(_ json: JSONValue) {
        guard case .number(let literal) = json, !json.isFractionalLiteral else { self = .notAnInteger; return }
        if literal.hasPrefix("-") {
            self = .negative
        } else if let value = Int(literal) {
            self = .value(value)
        } else {
            self = .tooLarge
        }
    }
}
