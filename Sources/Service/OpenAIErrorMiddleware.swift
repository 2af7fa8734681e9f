import Hummingbird

/// Turns every failure into OpenAI's error object: `APIError`s as they are, Hummingbird's own (unknown route) with
/// their status, a known path asked with another method as 405 naming the methods it answers, anything else as a 500
/// server_error naming the error (a bug, never a crash).
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as HTTPError {
            if error.status == .notFound, case let allowed = routes.allowed(request.uri.path), !allowed.isEmpty,
               !allowed.contains(request.method) {
                let methods = allowed.map(\.rawValue).sorted().joined(separator: ", ")
                var response = APIError(.methodNotAllowed, "\(request.uri.path) answers \(methods), not \(request.method)",
                                        code: "method_not_allowed").response
                response.headers[.allow] = methods
                return response
            }
            let message = error.body ?? (error.status == .notFound ? "no route \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return APIError(error.status, message, code: error.status == .notFound ? "not_found" : nil).response
        } catch {
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            return APIError(.internalServerError, "\(error)", type: "server_error").response
        }
    }
}
