import Foundation
import JSONCore

/// Reads tokenizer.json and tokenizer_config.json with the project's strict parser (`JSONCore.JSONParser`: key
/// order kept, keys compared scalar by scalar, so a vocabulary never merges "é" and "e\u{301}"). A repeated key keeps
/// its first value.
enum TokenizerJSON {
    /// Reads and parses a file; a missing or unreadable file and bad JSON are `TokenizerError`s naming the file (and
    /// the line and column of the syntax error).
    static func parse(contentsOf url: URL) throws -> JSONValue {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw TokenizerError.fileNotFound(path: path) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadableFile(path: path, reason: "\(error.localizedDescription)")
        }
        return try parse([UInt8](data), path: path)
    }

    static func parse(_ bytes: [UInt8], path: String) throws -> JSONValue {
        try bytes.withUnsafeBytes { raw in
            do throws(JSONParseError) {
                return try JSONParser.parse(raw, duplicateKeys: .keepFirst)
            } catch {
                let (line, column) = error.lineAndColumn(in: raw)
                throw TokenizerError.malformedJSON(path: path, line: line, column: column, reason: error.reason)
            }
        }
    }
}

/// A JSON value together with the file and the dotted field path it came from, so that every accessor can throw an
/// error that names both.
struct JSONNode {
    let value: JSONValue
    let file: String
    let field: String

    init(_ value: JSONValue, file: String, field: String = "") {
        self.value = value
        self.file = file
        self.field = field
    }

    func path(_ key: String) -> String { field.isEmpty ? key : "\(field).\(key)" }

    func invalid(_ reason: String) -> TokenizerError {
        .invalidField(path: file, field: field.isEmpty ? "(root)" : field, reason: reason)
    }

    /// The member `key`, absent or null → nil.
    func optional(_ key: String) throws -> JSONNode? {
        guard case .object = value else { throw invalid("expected an object, found \(value.kindName)") }
        guard let v = value[key], !v.isNull else { return nil }
        return JSONNode(v, file: file, field: path(key))
    }

    func required(_ key: String) throws -> JSONNode {
        guard let node = try optional(key) else { throw TokenizerError.missingField(path: file, field: path(key)) }
        return node
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw invalid("expected a string, found \(value.kindName)") }
        return s
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw invalid("expected a boolean, found \(value.kindName)") }
        return b
    }

    /// A non-negative integer that fits the token-id and length types used here (`3.0` counts, as serde_json's
    /// float-to-integer fields of tokenizer.json accept it).
    func int() throws -> Int {
        guard let d = value.double, d >= 0, d <= Double(Int32.max), d.rounded() == d else {
            throw invalid("expected a non-negative integer, found \(value.kindName)")
        }
        return Int(d)
    }

    func array() throws -> [JSONNode] {
        guard case .array(let a) = value else { throw invalid("expected an array, found \(value.kindName)") }
        return a.enumerated().map { JSONNode($1, file: file, field: "\(field)[\($0)]") }
    }

    func members() throws -> [(key: String, node: JSONNode)] {
        guard case .object(let m) = value else { throw invalid("expected an object, found \(value.kindName)") }
        return m.map { ($0.key, JSONNode($0.value, file: file, field: path($0.key))) }
    }

    func string(_ key: String) throws -> String { try required(key).string() }
    func int(_ key: String) throws -> Int { try required(key).int() }
    func bool(_ key: String, default d: Bool) throws -> Bool { try optional(key)?.bool() ?? d }
}
