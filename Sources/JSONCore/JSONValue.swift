/// A parsed JSON document, as `JSONParser` reads it.
///
/// Objects keep their members in file order, and keys are compared scalar by scalar, never by Swift's `String`
/// equality (canonical equivalence would fold "é" and "e\u{301}" into one key, which serde_json and Python never do).
/// Numbers keep their literal text, already checked against JSON's grammar, so each reader decides what a number is:
/// safetensors wants `usize` and refuses `2.0`, Python's `json.loads` makes `1.0` a float and `1` an int.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// The literal text of the number.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// The member named `key`, compared scalar by scalar (the first one, if the parser kept duplicates).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The number as a Double (nil for anything else).
    public var double: Double? { if case .number(let literal) = self { return Double(literal) } else { return nil } }

    /// Whether the number is written with a fraction or an exponent (`1.0`, `2e3`): a float to Python and serde_json.
    public var isFractionalLiteral: Bool {
        guard case .number(let literal) = self else { return false }
        return literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }
    }

    /// Names the kind of value for error messages: "an object", "a number", ….
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
