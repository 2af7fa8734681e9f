import ArgumentParser
import Decoder
import Foundation
import MathTasks
import ModelFormats
import NN
import Retrieval
import Tensor
import Training

struct TrainDecoderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-decoder",
        abstract: "Supervised fine-tuning of a decoder with LoRA or QLoRA on GSM8K-style question/answer pairs.",
        discussion: """
            Each problem becomes the zero-shot prompt `eval gsm8k` renders (the model's chat template, generation \
            prompt included) and a completion (the reference solution and the template's end-of-turn); the loss is \
            on completion tokens only. Writes output_dir/name/: metrics.jsonl (loss, lr, grad norm, tokens/s, \
            completion tokens, token accuracy per step), eval.jsonl (validation loss and token accuracy), loss.svg, \
            summary.json, checkpoints/step-N/ and the final adapter/ (PEFT layout: use it with --adapter on \
            generate, eval gsm8k and merge). Ctrl-C stops after the current step with a checkpoint; --resume \
            continues the same run bit for bit.
            """)

    @Option(help: "Run config (YAML), e.g. configs/sft-gsm8k.yaml.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key, e.g. --set training.max_steps=20 --set lora.r=8. Repeatable.", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(help: "Continue from the newest checkpoint of the run.")
    var resume = false

    func run() throws {
        try reportingErrors {
            let cfg = try DecoderSFTConfig.load(path: config, overrides: overrides)
            let settings = try cfg.settings()
            let runDirectory = URL(fileURLWithPath: cfg.outputDir).appendingPathComponent(cfg.name)
            try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
            try writeJSON(cfg, to: runDirectory.appendingPathComponent("config.json"))

            // QLoRA reads each projection dense and keeps it in NF4 before reading the next.
            let language = try LanguageModel.load(path: cfg.model, weights: cfg.lora.qlora ? .nf4 : .f32)
            let data = try SFTData(cfg, model: language)
            log("\(data.train.count) training and \(data.validation.count) validation examples from \(cfg.data.train); "
                + "\(data.truncated) truncated to \(settings.maxLength) tokens; "
                + "\(data.train.reduce(0) { $0 + $1.completion.count }) completion tokens")

            let model = language.model
            if cfg.lora.qlora { log("QLoRA: projections in NF4 (\(model.quantizedProjectionBytes / 1_048_576) MiB)") }
            let lora = cfg.lora.config(baseModel: cfg.model, taskType: "CAUSAL_LM")
            let wrapped: [String]
            if let initAdapter = cfg.initAdapter {
                let start = try model.loadLoRA(from: URL(fileURLWithPath: initAdapter))
                guard start.r == lora.r, start.loraAlpha == lora.loraAlpha, start.targetModules == lora.targetModules else {
                    throw RunConfigError(description: "init_adapter \(initAdapter): r \(start.r), lora_alpha \(start.loraAlpha), "
                                         + "target_modules \(start.targetModules) differ from lora.* (\(lora.r), \(lora.loraAlpha), \(lora.targetModules))")
                }
                for (_, layer) in model.loraLayers { layer.dropout.p = lora.loraDropout }
                wrapped = model.loraLayers.map(\.0)
                log("starting from the adapter \(initAdapter)")
            } else {
                var generator = RandomGenerator(seed: settings.seed, stream: 0xADA97)
                wrapped = try model.applyLoRA(lora, generator: &generator)
            }
            let trainable = model.trainableParameters.reduce(0) { $0 + $1.1.value.count }
            log("LoRA r=\(lora.r) alpha=\(lora.loraAlpha) dropout \(lora.loraDropout) on \(wrapped.count) modules, "
                + "\(trainable) trainable parameters")

            let trainer = try SFTTrainer(model: model, loraConfig: lora, settings: settings, examples: data.train,
                                         validation: data.validation, runDirectory: runDirectory)
            log("\(trainer.totalSteps) steps of \(settings.batchSize) × \(settings.gradientAccumulationSteps) examples "
                + "(\(trainer.schedule.warmupSteps) warm-up)")
            let interrupted = InterruptFlag()
            trainer.shouldStop = { _ in interrupted.isSet }
            var firstStep = -1
            var records: [SFTTrainer.StepRecord] = []
            trainer.onStep = { r in
                records.append(r)
                if firstStep < 0 { firstStep = r.step - 1 }
                let eta = r.elapsedSeconds / Double(max(1, r.step - firstStep)) * Double(r.totalSteps - r.step)
                log(String(format: "step %d/%d  loss %.4f  acc %.3f  lr %.2e  grad %.3f  %.0f tok/s  ETA %@",
                           r.step, r.totalSteps, r.loss, r.meanTokenAccuracy, r.lr, r.gradNorm, r.tokensPerSecond,
                           clockString(eta) as NSString))
            }
            trainer.onEvaluation = { e in
                log(String(format: "eval: val_loss %.4f  val_token_accuracy %.4f", e["val_loss"] ?? .nan, e["val_token_accuracy"] ?? .nan))
            }
            let began = Date()
            try trainer.train(resume: resume)
            log(interrupted.isSet ? "stopped; continue with --resume" : "adapter → \(trainer.run.adapterDirectory.path)")
            let losses = trainer.run.read(TrainingRun.metricsLog).compactMap { $0["loss"] }
            let speed = TrainingSummary(records: records, losses: losses, wallSeconds: Date().timeIntervalSince(began))
            var summary = try JSONSerialization.jsonObject(with: JSONEncoder().encode(speed)) as! [String: Any]
            summary["train_examples"] = data.train.count
            summary["validation_examples"] = data.validation.count
            summary["truncated_examples"] = data.truncated
            summary["total_steps"] = trainer.totalSteps
            if let last = trainer.run.read(TrainingRun.evaluationLog).last {
                summary["val_loss"] = last["val_loss"]
                summary["val_token_accuracy"] = last["val_token_accuracy"]
            }
            let json = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
            let out = try AtomicFileOutput(path: runDirectory.appendingPathComponent("summary.json").path)
            try out.write(Array(json))
            try out.commit()
            print(String(decoding: json, as: UTF8.self))
        }
    }
}

/// The training and validation examples of a decoder SFT config, rendered and tokenised for `model`.
struct SFTData {
    var train: [SFTExample]
    var validation: [SFTExample]
    /// Rendered text of `train`, in the same order (for `export sft`).
    var renderedTrain: [GSM8KSFTData.Rendered]
    var renderedValidation: [GSM8KSFTData.Rendered]
    var truncated: Int

    init(_ cfg: DecoderSFTConfig, model: LanguageModel) throws {
        guard model.hasChatTemplate else {
            throw ModelLoadingError.invalidFile(
                path: LanguageModel.tokenizerDirectory(forModel: model.path).appendingPathComponent("tokenizer_config.json").path,
                reason: "the model has no chat template; SFT renders prompts with the model's own template")
        }
        let template = try model.chatTemplate()
        let url = URL(fileURLWithPath: cfg.data.train)
        guard FileManager.default.fileExists(atPath: url.path) else { throw ModelLoadingError.missingFile(url.path) }
        let problems = try GSM8KProblem.load(url)
        let (trainProblems, validationProblems) = GSM8KSFTData.split(problems, validationSize: cfg.data.validationSize,
                                                                    seed: UInt64(cfg.data.validationSeed))
        let used = cfg.data.limit.map { Array(trainProblems.prefix($0)) } ?? trainProblems
        func prepare(_ problems: [GSM8KProblem]) throws -> ([GSM8KSFTData.Rendered], [SFTExample], Int) {
            let rendered = try problems.map { try GSM8KSFTData.render($0, chatTemplate: template) }
            let examples = try zip(problems, rendered).map { p, r in
                try GSM8KSFTData.tokenize(r, model: model, source: url.path, line: p.line + 1)
            }
            let (fitted, truncated) = try SFTExample.fit(examples, maxLength: cfg.training.maxLength,
                                                          overlong: cfg.training.overlong, source: url.path,
                                                          lines: problems.map { $0.line + 1 })
            return (rendered, fitted, truncated)
        }
        let (rt, t, truncatedTrain) = try prepare(used)
        let (rv, v, truncatedValidation) = try prepare(validationProblems)
        (renderedTrain, train, renderedValidation, validation) = (rt, t, rv, v)
        truncated = truncatedTrain + truncatedValidation
    }
}

/// Writes `value` as pretty, key-sorted JSON under a temporary name, then renames it into place.
func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let out = try AtomicFileOutput(path: url.path)
    try out.write(Array(try encoder.encode(value)))
    try out.commit()
}
