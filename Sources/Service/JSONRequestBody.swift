import Foundation
import Hummingbird
import JSONCore

/// A request body read as one JSON object, with the typed field readers every route shares, so that a wrong type
/// gets the same kind of 400 (naming the field) wherever it is sent.
struct JSONRequestBody {
    let value: JSONValue

    /// Reads at most `limit` bytes (413 past it, before reading further when Content-Length says so) and parses
    /// them strictly: invalid UTF-8, syntax errors and duplicate keys are 400s.
    static func read(_ request: Request, limit: Int) async throws -> JSONRequestBody {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw tooLarge(limit)
        }
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            guard bytes.count + buffer.readableBytes <= limit else { throw tooLarge(limit) }
            bytes += buffer.readableBytesView
        }
        guard !bytes.isEmpty else { throw APIError.invalid("the request body is empty; send a JSON object", param: nil) }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, duplicateKeys: .reject) } catch let error as JSONParseError {
            throw APIError.invalid("the request body is not valid JSON: \(error.reason) at byte \(error.offset)", param: nil)
        }
        guard case .object = value else {
            throw APIError.invalid("the request body must be a JSON object, not \(value.kindName)", param: nil)
        }
        return JSONRequestBody(value: value)
    }

    private static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "the request body is larger than the limit of \(limit) bytes", code: "request_too_large")
    }

    /// The field, nil when absent or null (OpenAI's clients send null for "not given").
    func field(_ name: String) -> JSONValue? {
        guard let v = value[name], !v.isNull else { return nil }
        return v
    }

    func requiredField(_ name: String) throws -> JSONValue {
        guard let v = field(name) else { throw APIError.invalid("'\(name)' is required", param: name) }
        return v
    }

    func string(_ name: String) throws -> String? {
        guard let v = field(name) else { return nil }
        guard case .string(let s) = v else { throw APIError.invalid("'\(name)' must be a string, not \(v.kindName)", param: name) }
        return s
    }

    func requiredString(_ name: String) throws -> String {
        guard let s = try string(name) else { throw APIError.invalid("'\(name)' is required", param: name) }
        return s
    }

    /// An integer field (a number without fraction or exponent that fits an Int).
    func integer(_ name: String) throws -> Int? {
        guard let v = field(name) else { return nil }
        guard let i = Self.integer(v) else { throw APIError.invalid("'\(name)' must be an integer, not \(v.kindName == "a number" ? "\(v.literal)" : v.kindName)", param: name) }
        return i
    }

    /// A number field (integer or not).
    func number(_ name: String) throws -> Double? {
        guard let v = field(name) else { return nil }
        guard let d = v.double, d.isFinite else { throw APIError.invalid("'\(name)' must be a number, not \(v.kindName)", param: name) }
        return d
    }

    func bool(_ name: String) throws -> Bool? {
        guard let v = field(name) else { return nil }
        guard case .bool(let b) = v else { throw APIError.invalid("'\(name)' must be true or false, not \(v.kindName)", param: name) }
        return b
    }

    /// An object field, as a body of its own (its fields read the same way; messages name them as `name.field`
    /// through `param`).
    func object(_ name: String) throws -> JSONRequestBody? {
        guard let v = field(name) else { return nil }
        guard case .object = v else { throw APIError.invalid("'\(name)' must be an object, not \(v.kindName)", param: name) }
        return JSONRequestBody(value: v)
    }

    static func integer(_ v: JSONValue) -> Int? {
        guard case .number(let literal) = v, !v.isFractionalLiteral else { return nil }
        return Int(literal)
    }
}

extension JSONValue {
    /// A number's literal text (for messages).
    var literal: String {
        if case .number(let literal) = self { return literal }
        return kindName
    }
}
