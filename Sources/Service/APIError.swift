import Hummingbird

/// A request the service refuses, as OpenAI reports it: `{"error": {"message", "type", "param", "code"}}` with a
/// 4xx status, so clients written for OpenAI show the message instead of failing to parse the reply.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    /// OpenAI's error type: invalid_request_error for the client's mistakes, server_error otherwise.
    public var type: String
    /// The request field at fault, if one is.
    public var param: String?
    public var code: String?

    public init(_ status: HTTPResponse.Status, _ message: String, type: String = "invalid_request_error", param: String? = nil,
                code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    public var description: String { "\(status.code) \(message)" }

    /// 400 naming the field at fault.
    public static func invalid(_ message: String, param: String?, code: String? = nil) -> APIError {
        APIError(.badRequest, message, param: param, code: code)
    }

    /// The error object's JSON.
    public var json: [UInt8] {
        var out: [UInt8] = []
        out += Array(#"{"error":{"message":"#.utf8)
        JSONText.appendString(message, to: &out)
        out += Array(#","type":"#.utf8)
        JSONText.appendString(type, to: &out)
        out += Array(#","param":"#.utf8)
        JSONText.appendOptionalString(param, to: &out)
        out += Array(#","code":"#.utf8)
        JSONText.appendOptionalString(code, to: &out)
        out += Array("}}".utf8)
        return out
    }

    /// 429 (busy) and 503 (loading) say when to retry, in seconds, as OpenAI's clients and lm-eval read it.
    public var response: Response {
        var response = JSONText.response(json)
        response.status = status
        if status == .tooManyRequests || status == .serviceUnavailable { response.headers[.retryAfter] = "1" }
        return response
    }
}
