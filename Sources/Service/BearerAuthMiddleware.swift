import Hummingbird

/// With an API key set (EXEMPLAR_API_KEY), every route but /health needs `Authorization: Bearer <key>`: load
/// balancers probe health without credentials, everything else is the service itself.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let apiKey: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let apiKey, request.uri.path != "/health" else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw APIError(.unauthorized, "no API key given: send 'Authorization: Bearer <key>'", code: "invalid_api_key")
        }
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), Self.constantTimeEqual(Array(header.dropFirst(prefix.count).utf8), Array(apiKey.utf8)) else {
            throw APIError(.unauthorized, "incorrect API key", code: "invalid_api_key")
        }
        return try await next(request, context)
    }

    /// Compares without an early exit, so response times do not tell how much of a guess was right.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
