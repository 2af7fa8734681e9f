/// The key/value metadata of a GGUF file, in file order, with typed accessors whose errors name the file and key.
public struct GGUFMetadata: Sendable {
    public let path: String
    /// Keys in file order.
    public let keys: [String]
    private let values: [String: GGUFValue]

    init(path: String, entries: [(key: String, value: GGUFValue)]) {
        self.path = path
        keys = entries.map(\.key)
        values = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    public var count: Int { keys.count }

    public subscript(key: String) -> GGUFValue? { values[key] }

    public func contains(_ key: String) -> Bool { values[key] != nil }

    /// The value of `key`; throws `keyNotFound` when absent.
    public func value(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let value = values[key] else { throw .keyNotFound(path: path, key: key) }
        return value
    }

    public func string(_ key: String) throws(GGUFError) -> String {
        let value = try value(key)
        guard case .string(let text) = value else { throw mismatch(key, "STRING", value) }
        return text
    }

    /// Any integer type whose value fits an Int (llama.cpp writes UINT32 for most counts, but not always).
    public func int(_ key: String) throws(GGUFError) -> Int {
        let value = try value(key)
        guard let int = value.intValue else { throw mismatch(key, "an integer that fits Int", value) }
        return int
    }

    /// FLOAT32 (widened exactly) or FLOAT64.
    public func double(_ key: String) throws(GGUFError) -> Double {
        let value = try value(key)
        guard let double = value.floatValue else { throw mismatch(key, "FLOAT32 or FLOAT64", value) }
        return double
    }

    public func bool(_ key: String) throws(GGUFError) -> Bool {
        let value = try value(key)
        guard case .bool(let flag) = value else { throw mismatch(key, "BOOL", value) }
        return flag
    }

    public func array(_ key: String) throws(GGUFError) -> GGUFArray {
        let value = try value(key)
        guard case .array(let array) = value else { throw mismatch(key, "ARRAY", value) }
        return array
    }

    public func strings(_ key: String) throws(GGUFError) -> GGUFStringArray {
        let value = try value(key)
        guard case .array(.string(let strings)) = value else { throw mismatch(key, "ARRAY of STRING", value) }
        return strings
    }

    /// An array of any integer type whose elements all fit Int (e.g. `tokenizer.ggml.token_type`, INT32).
    public func ints(_ key: String) throws(GGUFError) -> [Int] {
        let value = try value(key)
        guard case .array(let array) = value, let ints = array.intValues else {
            throw mismatch(key, "ARRAY of integers that fit Int", value)
        }
        return ints
    }

    /// An array of FLOAT32 (e.g. `tokenizer.ggml.scores`).
    public func floats(_ key: String) throws(GGUFError) -> [Float] {
        let value = try value(key)
        guard case .array(.float32(let floats)) = value else { throw mismatch(key, "ARRAY of FLOAT32", value) }
        return floats
    }

    private func mismatch(_ key: String, _ expected: String, _ value: GGUFValue) -> GGUFError {
        .typeMismatch(path: path, key: key, expected: expected, found: value.typeDescription)
    }
}
