import ArgumentParser
import Decoder
import Foundation
import MathTasks
import ModelFormats
import Retrieval
import Service

struct EvalGSM8KCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gsm8k",
        abstract: "GSM8K accuracy of a decoder prompted with fixed, random or retrieved solved problems.",
        discussion: """
            Each test question is asked after K solved train problems (--shots): the first K (fixed), K drawn per \
            question with --seed (random), or the K nearest in an index (retrieved: the question embedded with the \
            index's encoder, nearest last in the prompt, never the question itself). Instruct models get chat turns \
            (each shot a user turn and its solution the assistant's), base models lm-evaluation-harness's \
            "Question: …\\nAnswer:" text; --prompt-format auto picks chat when the model has a chat template. \
            Generation is greedy, --batch-size questions at a time. Answers are extracted as lm-evaluation-harness's \
            gsm8k does (strict-match: "#### N"; flexible-extract: the last number) and from the last \\boxed{}; \
            accuracy = correct / questions for each.

            Writes to --out: run.json (the settings), predictions.jsonl (one line per question, appended and flushed \
            after each batch), summary.json and summary.md (also printed). Rerunning into the same directory skips \
            finished questions (a larger --limit extends the run); it refuses if the settings differ. Ctrl-C stops \
            after the current batch.

            --decoder-url URL generates on a remote OpenAI-compatible server instead (exemplar serve, llama.cpp's, \
            vLLM's; URL is its API root, e.g. http://127.0.0.1:8080/v1): the prompts are built and tokenised from \
            --model's tokenizer files as always and sent as token ids to URL/completions, --batch-size at once (the \
            server batches them); the server's own end-of-sequence tokens end them. EXEMPLAR_API_KEY, if set, is sent \
            as the bearer key.

            Flags override the config file (--config) and its --set overrides.
            """)

    @Option(help: "Run config (YAML, see configs/eval-gsm8k.yaml).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key, e.g. --set shots=8. Repeatable.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Decoder: Hugging Face directory, .gguf file, or a directory holding one .gguf.")
    var model: String?

    @Option(help: "PEFT LoRA adapter for the decoder, merged into its weights at load.")
    var adapter: String?

    @Option(help: "Decoder weight format: auto (gguf for a GGUF file, else f32), f32, int8, q4, nf4 or gguf (recorded in run.json).")
    var weights: DecoderWeightFormat?

    @Option(help: "The first N test questions (default: all).")
    var limit: Int?

    @Option(help: "Solved problems shown before each question.")
    var shots: Int?

    @Option(help: "fixed, random or retrieved.")
    var shotSelection: ShotSelection?

    @Option(help: "Seed of the random shot selection.")
    var seed: Int?

    @Option(help: "Index of solved problems for retrieved shots.")
    var index: String?

    @Option(help: "Directory of the indexes.")
    var indexDir: String?

    @Option(help: "Sentence encoder for the queries (default: the index's; its fingerprint must match the index's).")
    var encoder: String?

    @Option(help: "PEFT LoRA adapter of the encoder (the one the index was built with).")
    var encoderAdapter: String?

    @Option(help: "Questions generated together.")
    var batchSize: Int?

    @Option(help: "Most tokens generated per answer.")
    var maxNewTokens: Int?

    @Option(help: "Generate on this OpenAI-compatible server (its API root, e.g. http://127.0.0.1:8080/v1) instead of loading the weights.")
    var decoderURL: String?

    @Option(help: "Model id sent to --decoder-url (default: --model's file or directory name).")
    var decoderModel: String?

    @Option(help: "chat, plain or auto.")
    var promptFormat: PromptFormat?

    @Option(help: "Output directory (default: runs/gsm8k/<model>-<selection>-<shots>shot).")
    var out: String?

    @Flag(help: "Print each question's output, extracted answer and verdict to stdout as it finishes.")
    var showOutputs = false

    func run() throws {
        try reportingErrors {
            let cfg = try resolvedConfig()
            try evaluate(cfg)
        }
    }

    /// Defaults, the config file, --set, then the flags.
    private func resolvedConfig() throws -> EvalGSM8KConfig {
        var cfg = try EvalGSM8KConfig.load(path: config, overrides: overrides)
        if let model { cfg.model = model }
        if let adapter { cfg.adapter = adapter }
        if let weights { cfg.weights = weights }
        if let limit { cfg.limit = limit }
        if let shots { cfg.shots = shots }
        if let shotSelection { cfg.shotSelection = shotSelection }
        if let seed { cfg.seed = seed }
        if let index { cfg.index = index }
        if let indexDir { cfg.indexDir = indexDir }
        if let encoder { cfg.encoder = encoder }
        if let encoderAdapter { cfg.encoderAdapter = encoderAdapter }
        if let batchSize { cfg.batchSize = batchSize }
        if let maxNewTokens { cfg.maxNewTokens = maxNewTokens }
        if let promptFormat { cfg.promptFormat = promptFormat }
        if let decoderURL { cfg.decoderURL = decoderURL }
        if let decoderModel { cfg.decoderModel = decoderModel }
        if let out { cfg.out = out }
        try cfg.validate(origin: config ?? "options")
        return cfg
    }

    private func evaluate(_ given: EvalGSM8KConfig) throws {
        let runStart = Date()
        var cfg = given
        // The weights are named in run.json and the run's directory as they load (auto is gguf for a GGUF file).
        if cfg.remoteDecoder == nil { cfg.weights = cfg.weights.resolved(forModel: cfg.model) }
        let test = try GSM8KProblem.load(URL(fileURLWithPath: cfg.testData))
        guard !test.isEmpty else { throw RunConfigError(description: "\(cfg.testData): no questions") }
        let count = cfg.limit > 0 ? min(cfg.limit, test.count) : test.count

        // Everything that can fail cheaply is checked before the decoder loads.
        let modelPath = LanguageModel.resolveModelPath(cfg.model)
        guard FileManager.default.fileExists(atPath: modelPath) else { throw ModelLoadingError.missingFile(modelPath) }
        let hasTemplate = try LanguageModel.hasChatTemplate(path: modelPath)
        let format = cfg.promptFormat.resolved(hasChatTemplate: hasTemplate)
        if format == .chat && !hasTemplate {
            throw RunConfigError(description: "\(modelPath): the model has no chat template; use --prompt-format plain")
        }
        let sources = try ShotSource(selection: cfg.shotSelection, shots: cfg.shots, seed: UInt64(cfg.seed), trainData: cfg.trainData,
                                     index: cfg.index, indexDirectory: URL(fileURLWithPath: cfg.indexDir),
                                     encoder: cfg.encoder.isEmpty ? nil : cfg.encoder,
                                     encoderAdapter: cfg.encoderAdapter.isEmpty ? nil : cfg.encoderAdapter)
        // Zero shots are zero shots whatever their source: recorded as fixed, so a rerun with another selection resumes.
        var settings = GSM8KRunSettings(model: cfg.model, testData: cfg.testData, promptFormat: cfg.promptFormat, shots: cfg.shots,
                                        shotSelection: cfg.shots > 0 ? cfg.shotSelection : .fixed, maxNewTokens: cfg.maxNewTokens)
        settings.weights = cfg.weights == .f32 || cfg.weights == .auto ? nil : cfg.weights
        settings.decoderURL = cfg.remoteDecoder.map { "\($0.url.absoluteString) (\($0.model))" }
        if !cfg.adapter.isEmpty {
            settings.adapter = cfg.adapter
            let weights = URL(fileURLWithPath: cfg.adapter).appendingPathComponent("adapter_model.safetensors").path
            guard FileManager.default.fileExists(atPath: weights) else { throw ModelLoadingError.missingFile(weights) }
            settings.adapterSHA256 = try SHA256.hex(ofFile: weights)
        }
        sources.record(in: &settings)

        let outDirectory = cfg.outputDirectory
        let run = try GSM8KRunDirectory(URL(fileURLWithPath: outDirectory), settings: settings)
        if run.discardedPartialLine { log("warning: \(run.predictionsFile.path): cut off a partial last line (a run killed mid-write)") }
        for (i, p) in run.predictions where i < test.count && !ShotSelector.sameQuestion(p.question, test[i].question) {
            throw GSM8KRunError("\(run.predictionsFile.path): question \(i) is not line \(i + 1) of \(cfg.testData); the run was made on other data")
        }
        let pending = (0..<count).filter { run.predictions[$0] == nil }
        log("\(outDirectory): \(count - pending.count) of \(count) questions done, \(pending.count) to go; "
            + GSM8KSummary.describe(settings, format: format))

        if !pending.isEmpty {
            let shots = try retrievingWithProgress(sources.retriever != nil, count: pending.count) { progress in
                try sources.shots(for: pending.map { test[$0] }, indices: pending, k: cfg.shots, progress: progress)
            }
            let evaluator: GSM8KEvaluator
            if let remote = cfg.remoteDecoder {
                let codec = try PromptCodec.load(directory: LanguageModel.tokenizerDirectory(forModel: modelPath))
                log("generating on \(remote.url) (model \(remote.model)); prompts from \(codec.directory.path)")
                evaluator = try GSM8KEvaluator(codec: codec, generator: RemoteGenerator(baseURL: remote.url, model: remote.model,
                                                                                     apiKey: ProcessInfo.processInfo.environment["EXEMPLAR_API_KEY"]),
                                               format: format, maxNewTokens: cfg.maxNewTokens)
            } else {
                let loadStart = Date()
                let lm = try LanguageModel.load(path: modelPath, adapter: cfg.adapter.isEmpty ? nil : URL(fileURLWithPath: cfg.adapter),
                                                weights: cfg.weights)
                log(String(format: "loaded %@%@ (%@ weights) in %.1f s", modelPath as NSString,
                           cfg.adapter.isEmpty ? "" : " + adapter \(cfg.adapter)" as NSString, cfg.weights.rawValue as NSString,
                           Date().timeIntervalSince(loadStart)))
                evaluator = try GSM8KEvaluator(model: lm, format: format, maxNewTokens: cfg.maxNewTokens)
            }
            let questions = try zip(pending, shots).map { try evaluator.prepare(index: $0, problem: test[$0], shots: $1) }

            let interrupted = InterruptFlag()
            let progress = EvalProgress(total: count, finished: Array(run.predictions.values.filter { $0.index < count }))
            try evaluator.run(questions, batchSize: cfg.batchSize, shouldStop: { interrupted.isSet }, onToken: progress.token) { batch in
                try run.append(batch)
                progress.finished(batch)
                if showOutputs {
                    for p in batch { printOutput(p) }
                    fflush(stdout)  // show them now, also when stdout is a pipe
                }
            }
        }

        let finished = (0..<count).compactMap { run.predictions[$0] }
        let summary = GSM8KSummary(predictions: finished, questions: count, settings: settings, format: format)
        try run.writeSummary(summary)
        print(summary.markdown, terminator: "")
        log(String(format: "%@ (this run %.1f s)", run.summaryMarkdownFile.path as NSString, Date().timeIntervalSince(runStart)))
    }

    /// Runs `body` with a "retrieve" progress bar on stderr when shots are retrieved (the other sources are instant).
    private func retrievingWithProgress<T>(_ retrieving: Bool, count: Int, _ body: (((Int) -> Void)?) throws -> T) rethrows -> T {
        guard retrieving else { return try body(nil) }
        let bar = ProgressBar(total: count, label: "retrieve", unit: "questions")
        defer { bar.finish() }
        return try body { bar.update($0) }
    }

    private func printOutput(_ p: GSM8KPrediction) {
        let verdicts = AnswerExtraction.Extractor.allCases.map { e in
            "\(e.rawValue) \(p.extracted[e.rawValue] ?? AnswerExtraction.invalid) \(p.isCorrect(e) ? "✓" : "✗")"
        }.joined(separator: ", ")
        print("""
            ── question \(p.index) (shots \(p.shotIds.map(String.init).joined(separator: ", "))) ──
            \(p.question)

            \(p.output.trimmingCharacters(in: .whitespacesAndNewlines))

            gold \(p.gold): \(verdicts)

            """)
    }
}
