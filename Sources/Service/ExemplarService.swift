import Foundation
import Hummingbird

/// `exemplar serve`: an OpenAI-compatible HTTP server over the same library calls as the command line (the encoder
/// as `exemplar embed` runs it, indexes as `exemplar search` opens them). It binds first and loads the models
/// behind it, so /health can answer 503 until they are ready; SIGTERM and SIGINT shut it down gracefully
/// (in-flight requests finish) and `run` returns.
public final class ExemplarService {
    public let configuration: ServiceConfiguration
    /// Required as `Authorization: Bearer <key>` on every route but /health when set.
    public let apiKey: String?
    private let state = ServiceState()
    private let queue = ModelQueue(label: "exemplar.encoder")
    private let metrics = ServiceMetrics()

    public init(configuration: ServiceConfiguration, apiKey: String?) {
        self.configuration = configuration
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Serves until a shutdown signal. A model or index that fails to load ends the process with status 1 and the
    /// reason on stderr: a server that can never become healthy should not linger.
    public func run() async throws {
        let configuration = self.configuration, state = self.state, queue = self.queue, metrics = self.metrics
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "exemplar"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                Self.log("exemplar serve: listening on http://\(configuration.host):\(port)")
                Task.detached {
                    do {
                        let start = Date()
                        let models = try await queue.run { try ServedModels(configuration, queue: queue, metrics: metrics) }
                        state.ready(models)
                        Self.log(String(format: "exemplar serve: ready in %.1f s (model %@, %d index%@)", Date().timeIntervalSince(start),
                                        models.modelID, models.searchers.count, models.searchers.count == 1 ? "" : "es"))
                    } catch {
                        Self.log("error: \(error)")
                        exit(1)
                    }
                }
            })
        try await app.runService()
        Self.log("exemplar serve: stopped")
    }

    private func makeRouter() -> Router<BasicRequestContext> {
        let state = self.state, configuration = self.configuration, metrics = self.metrics
        let router = Router(), routes = RouteMethods()
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: OpenAIErrorMiddleware(routes: routes))
        router.add(middleware: BearerAuthMiddleware(apiKey: apiKey))
        router.get("health") { _, _ -> Response in
            guard state.models != nil else {
                return Response(status: .serviceUnavailable, headers: [.contentType: "application/json"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"loading"}"#)))
            }
            return JSONText.response(Array(#"{"status":"ok"}"#.utf8))
        }
        router.get("v1/models") { _, _ -> Response in
            let models = try state.requireModels()
            let created = Int(models.loadedAt.timeIntervalSince1970)
            let ids = [models.modelID] + (models.decoder.map { [$0.modelID] } ?? [])
            return JSONText.response(JSONText.serialized(["object": "list", "data": ids.map {
                ["id": $0, "object": "model", "created": created, "owned_by": "exemplar"] as [String: Any]
            }] as [String: Any]))
        }
        router.post("v1/embeddings") { request, _ -> Response in
            let body = try await JSONRequestBody.read(request, limit: configuration.maxBodyBytes)
            let parsed = try EmbeddingRequest(body)
            let endpoint = EmbeddingsEndpoint(models: try state.requireModels(), maxInputs: configuration.maxInputs, metrics: metrics)
            return JSONText.response(try await endpoint.respond(to: parsed))
        }
        router.post("v1/search") { request, _ -> Response in
            let body = try await JSONRequestBody.read(request, limit: configuration.maxBodyBytes)
            let parsed = try SearchRequest(body, maxK: configuration.maxK)
            let endpoint = SearchEndpoint(models: try state.requireModels())
            return JSONText.response(try await metrics.queued { try await endpoint.respond(to: parsed) })
        }
        for (path, kind) in [("v1/completions", CompletionRequest.Kind.completion), ("v1/chat/completions", .chat)] {
            router.post(RouterPath(path)) { request, _ -> Response in
                let body = try await JSONRequestBody.read(request, limit: configuration.maxBodyBytes)
                let models = try state.requireModels()
                let parsed = try CompletionRequest(body, kind: kind, maxShots: configuration.maxK)
                return try await CompletionsEndpoint(models: models, decoder: try models.requireDecoder()).respond(to: parsed)
            }
        }
        router.get("tokenizer_info") { _, _ -> Response in
            JSONText.response(TokenizerEndpoints(decoder: try state.requireModels().requireDecoder()).info())
        }
        router.post("tokenize") { request, _ -> Response in
            let body = try await JSONRequestBody.read(request, limit: configuration.maxBodyBytes)
            return JSONText.response(try TokenizerEndpoints(decoder: try state.requireModels().requireDecoder()).tokenize(body))
        }
        router.post("detokenize") { request, _ -> Response in
            let body = try await JSONRequestBody.read(request, limit: configuration.maxBodyBytes)
            return JSONText.response(try TokenizerEndpoints(decoder: try state.requireModels().requireDecoder()).detokenize(body))
        }
        router.get("openapi.json") { _, _ -> Response in
            _ = try state.requireModels()
            return JSONText.response(OpenAPIDocument.json(configuration))
        }
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.text)))
        }
        routes.record(router)
        return router
    }

    static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
