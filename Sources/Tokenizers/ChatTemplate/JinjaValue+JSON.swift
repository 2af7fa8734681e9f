import JSONCore

extension JinjaValue {
    /// Parses JSON text as Python's `json.loads` does: a number with a fraction or exponent is a float (`1.0` stays
    /// `1.0` when `tojson` prints it back), any other an int; objects keep their key order, and a repeated key keeps
    /// its last value at its first position.
    public init(json text: String) throws {
        self.init(try JSONParser.parse(Array(text.utf8), duplicateKeys: .keepLast))
    }

    init(_ json: JSONValue) {
        switch json {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .number(let literal):
            if !json.isFractionalLiteral, let i = Int(literal) { self = .int(i) } else { self = .double(Double(literal)!) }
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(JinjaValue.init))
        case .object(let members): self = .object(members.map { ($0.key, JinjaValue($0.value)) })
        }
    }
}
