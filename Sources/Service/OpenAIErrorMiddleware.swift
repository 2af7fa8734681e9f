import Hummingbird

/// Turns every failure into OpenAI's error object: `APIError`s as they are, Hummingbird's own (unknown route, wrong
/// method) with their status, anything else as a 500 server_error naming the error (a bug, never a crash).
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as HTTPError {
            let message = error.body ?? (error.status == .notFound ? "no route \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return APIError(error.status, message, code: error.status == .notFound ? "not_found" : nil).response
        } catch {
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            return APIError(.internalServerError, "\(error)", type: "server_error").response
        }
    }
}
