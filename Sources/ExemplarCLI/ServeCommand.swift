import ArgumentParser
import Decoder
import Foundation
import Service

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "An OpenAI-compatible HTTP server: embeddings, nearest solved problems and (with a decoder) completions, the models loaded once.",
        discussion: """
            Routes: GET /health (503 until the models are loaded and a first forward ran, then 200), GET /v1/models, \
            POST /v1/embeddings (OpenAI's request and reply: input as a string, strings, token ids or lists of them; \
            encoding_format float or base64; dimensions; the vectors of `exemplar embed --no-embedding-cache`), \
            POST /v1/search ({"index", "query" | "queries", "k"} → what `exemplar search --json` prints). With a \
            decoder: POST /v1/completions and /v1/chat/completions (OpenAI's fields, stream with server-sent events; \
            chat's `retrieval: {"index", "shots"}` puts the nearest solved problems before the question as \
            `eval gsm8k --shot-selection retrieved` does), continuously batched (a request joins the running batch at \
            the next step; greedy output is the same at any concurrency), 429 with Retry-After when decoder.max_waiting \
            requests already wait; GET /tokenizer_info, POST /tokenize and /detokenize (vLLM's shapes, which \
            lm-evaluation-harness reads). GET /openapi.json: the API as OpenAPI 3.0. GET /metrics: Prometheus text. Errors are \
            OpenAI's error object with a 4xx status. With EXEMPLAR_API_KEY set, every route but /health needs \
            'Authorization: Bearer <key>'. SIGTERM or Ctrl-C: in-flight requests finish, then exit 0.

            Flags override the config file (--config, see configs/serve.yaml) and its --set overrides.
            """)

    @Option(help: "Run config (YAML, see configs/serve.yaml).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key, e.g. --set port=9000. Repeatable.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Address to bind (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to bind (default 8080; 0 picks a free one and logs it).")
    var port: Int?

    @Option(help: "Sentence encoder directory served on /v1/embeddings.")
    var encoder: String?

    @Option(help: "PEFT LoRA adapter directory applied to the encoder.")
    var adapter: String?

    @Option(help: "Decoder served on /v1/completions and /v1/chat/completions (HF directory, .gguf, or a directory holding one).")
    var decoder: String?

    @Option(help: "How the decoder keeps its weights: auto (gguf for a GGUF file, else f32), f32, int8, q4, gguf.")
    var decoderWeights: DecoderWeightFormat?

    @Option(help: "PEFT LoRA adapter directory merged into the decoder.")
    var decoderAdapter: String?

    @Option(help: "Index served on /v1/search (repeatable; replaces the config's list).")
    var index: [String] = []

    @Option(help: "Directory of the indexes.")
    var indexDir: String?

    @Flag(help: "Print this configuration's OpenAPI document (what /openapi.json serves) and exit; loads nothing.")
    var printOpenapi = false

    func run() throws {
        try reportingErrors {
            var cfg = try ServiceConfiguration.load(path: config, overrides: overrides)
            if let host { cfg.host = host }
            if let port { cfg.port = port }
            if let encoder { cfg.encoder.model = encoder }
            if let adapter { cfg.encoder.adapter = adapter }
            if let decoder { cfg.decoder.model = decoder }
            if let decoderWeights { cfg.decoder.weights = decoderWeights }
            if let decoderAdapter { cfg.decoder.adapter = decoderAdapter }
            if !index.isEmpty { cfg.indexes = index }
            if let indexDir { cfg.indexDir = indexDir }
            if let problem = cfg.problems().first { throw RunConfigError(description: "\(config ?? "options"): \(problem)") }
            if printOpenapi {
                FileHandle.standardOutput.write(Data(OpenAPIDocument.json(cfg, pretty: true)))
                return
            }
            let service = ExemplarService(configuration: cfg, apiKey: ProcessInfo.processInfo.environment["EXEMPLAR_API_KEY"])
            try runBlocking { try await service.run() }
        }
    }
}

extension ServiceConfiguration: RunConfig {}

/// Runs async work to the end from a synchronous command (the other commands are synchronous).
func runBlocking(_ body: @escaping @Sendable () async throws -> Void) throws {
    let done = DispatchSemaphore(value: 0)
    let result = ResultBox()
    Task.detached {
        do { try await body() } catch { result.error = error }
        done.signal()
    }
    done.wait()
    if let error = result.error { throw error }
}

/// The error of `runBlocking`'s task, handed back to the waiting thread (the semaphore orders the accesses).
private final class ResultBox: @unchecked Sendable {
    var error: Error?
}
