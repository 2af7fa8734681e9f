import Foundation
import Prometheus

/// What /metrics reports, in Prometheus' text format (swift-prometheus): requests and their latency per route and
/// status, the encoder's queue depth, inputs per embeddings request and tokens embedded. Registered on its own
/// registry, not the process-wide swift-metrics system, so each service instance reports only itself.
final class ServiceMetrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    private let queueDepth: Gauge
    private let inputsPerRequest: ValueHistogram
    private let tokens: Counter

    /// Seconds: the encoder answers a short text in milliseconds and a full 2048-input request in tens of seconds.
    static let latencyBuckets: [Duration] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
        .map { Duration.nanoseconds(Int64($0 * 1e9)) }

    init() {
        queueDepth = registry.makeGauge(name: "exemplar_encoder_queue_depth",
                                        help: "Requests waiting for or running on the encoder.")
        inputsPerRequest = registry.makeValueHistogram(name: "exemplar_embedding_inputs", buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
                                                       help: "Inputs (texts or token lists) per embeddings request: the encoder's batch.")
        tokens = registry.makeCounter(name: "exemplar_embedding_tokens_total", help: "Tokens embedded ([CLS] and [SEP] included).")
    }

    /// One finished request: `route` is the matched route's path ("unmatched" for none).
    func request(route: String, method: String, status: Int, seconds: Double) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(name: "exemplar_requests_total", labels: labels, help: "HTTP requests answered.").increment()
        registry.makeDurationHistogram(name: "exemplar_request_duration_seconds", labels: labels, buckets: Self.latencyBuckets,
                                       help: "Time from the request's arrival to its response.")
            .record(Duration.nanoseconds(Int64(seconds * 1e9)))
    }

    func embedded(inputs: Int, tokens count: Int) {
        inputsPerRequest.record(Double(inputs))
        tokens.increment(by: Int64(count))
    }

    /// Runs `body` counted in the queue depth.
    func queued<T>(_ body: () async throws -> T) async rethrows -> T {
        queueDepth.increment()
        defer { queueDepth.decrement() }
        return try await body()
    }

    var text: [UInt8] { registry.emitToBuffer() }
}
