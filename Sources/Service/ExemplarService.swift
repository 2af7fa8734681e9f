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
        let configuration = self.configuration, state = self.state, queue = self.queue
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "exemplar"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                Self.log("exemplar serve: listening on http://\(configuration.host):\(port)")
                Task.detached {
                    do {
                        let start = Date()
                        let models = try await queue.run { try ServedModels(configuration, queue: queue) }
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
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: OpenAIErrorMiddleware())
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
            var out = Array(#"{"object":"list","data":[{"id":"#.utf8)
            JSONText.appendString(models.modelID, to: &out)
            out += Array(#","object":"model","created":\#(Int(models.loadedAt.timeIntervalSince1970)),"owned_by":"exemplar"}]}"#.utf8)
            return JSONText.response(out)
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
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.text)))
        }
        return router
    }

    static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
