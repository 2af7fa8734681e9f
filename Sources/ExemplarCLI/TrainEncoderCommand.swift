import ArgumentParser
import Encoder
import Foundation
import MathTasks
import ModelFormats
import NN
import Retrieval
import Tensor
import Training

struct TrainEncoderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-encoder",
        abstract: "Fine-tune a sentence encoder with LoRA or QLoRA adapters on anchor/positive pairs (in-batch InfoNCE).",
        discussion: """
            Writes output_dir/name/: metrics.jsonl (step, loss, lr, grad norm, pairs/s), eval.jsonl (validation loss and \
            gsm8k-train-holdout retrieval metrics), loss.svg, checkpoints/step-N/ and the final adapter/ (PEFT layout: \
            use it with --adapter, or `exemplar merge`). Ctrl-C stops after the current step with a checkpoint; \
            --resume continues the same run bit for bit.
            """)

    @Option(help: "Run config (YAML).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key, e.g. --set training.max_steps=20 --set lora.qlora=true. Repeatable.", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(help: "Continue from the newest checkpoint of the run.")
    var resume = false

    func run() throws {
        try reportingErrors {
            let cfg = try EncoderTrainingConfig.load(path: config, overrides: overrides)
            let settings = try cfg.settings()
            let runDirectory = URL(fileURLWithPath: cfg.outputDir).appendingPathComponent(cfg.name)
            try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
            try writeResolvedConfig(cfg, to: runDirectory)

            let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: cfg.model))
            let (pairs, validation, holdoutTask) = try loadPairs(cfg, encoder: encoder, maxLength: min(settings.maxSeqLength, encoder.maxSequenceLength))
            let model = encoder.model
            if cfg.lora.qlora {
                let bytes = model.quantizeProjections()
                log("QLoRA: projections in NF4 (\(bytes / 1_048_576) MiB)")
            }
            let lora = cfg.lora.config(baseModel: cfg.model, taskType: "FEATURE_EXTRACTION")
            var generator = RandomGenerator(seed: settings.seed, stream: 0xADA97)
            let wrapped = try model.applyLoRA(lora, generator: &generator)
            let trainable = model.trainableParameters.reduce(0) { $0 + $1.1.value.count }
            log("LoRA r=\(lora.r) alpha=\(lora.loraAlpha) on \(wrapped.count) modules, \(trainable) trainable parameters; "
                + "\(pairs.count) training pairs, \(validation.count) validation pairs")

            let trainer = try EncoderTrainer(model: model, pooling: encoder.pooling, loraConfig: lora, settings: settings,
                                             pairs: pairs, validation: validation, runDirectory: runDirectory)
            log(String(format: "BERT dropout: hidden %.2f, attention probabilities %.2f; %d steps (%d warm-up)",
                       model.embeddings.dropout.p, model.layers[0].attention.dropout!.p, trainer.totalSteps,
                       trainer.schedule.warmupSteps))
            if let holdoutTask, cfg.data.evaluateRetrieval {
                trainer.evaluate = { _ in
                    let report = try RetrievalEvaluator.evaluate([holdoutTask], embedder: encoder)[0]
                    return ["recall@1": report.metrics.recall[1] ?? 0, "recall@10": report.metrics.recall[10] ?? 0,
                            "mrr@10": report.metrics.mrr[10] ?? 0, "ndcg@10": report.metrics.ndcg[10] ?? 0]
                }
            }
            let interrupted = InterruptFlag()
            trainer.shouldStop = { _ in interrupted.isSet }
            var firstStep = -1
            var records: [EncoderTrainer.StepRecord] = []
            let began = Date()
            trainer.onStep = { r in
                records.append(r)
                if firstStep < 0 { firstStep = r.step - 1 }
                let eta = r.elapsedSeconds / Double(max(1, r.step - firstStep)) * Double(r.totalSteps - r.step)
                let line = String(format: "step %d/%d  loss %.4f  lr %.2e  grad %.3f  %.1f pairs/s  ETA %@",
                                  r.step, r.totalSteps, r.loss, r.lr, r.gradNorm, r.pairsPerSecond, clockString(eta) as NSString)
                log(line)
            }
            trainer.onEvaluation = { e in
                log("eval: " + e.keys.sorted().map { "\($0) \(String(format: "%.4f", e[$0]!))" }.joined(separator: "  "))
            }
            try trainer.train(resume: resume)
            log(interrupted.isSet ? "stopped; continue with --resume" : "adapter → \(runDirectory.appendingPathComponent("adapter").path)")
            let losses = (try? JSONLines.read(runDirectory.appendingPathComponent("metrics.jsonl")))?
                .compactMap { ($0.fields["loss"] as? NSNumber)?.doubleValue } ?? []
            let summary = TrainingSummary(records: records, losses: losses, wallSeconds: Date().timeIntervalSince(began))
            let jsonEncoder = JSONEncoder()
            jsonEncoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let json = try jsonEncoder.encode(summary)
            try json.write(to: runDirectory.appendingPathComponent("summary.json"))
            print(String(decoding: json, as: UTF8.self))
        }
    }

    /// Training and validation pairs, and the retrieval task of the held-out problems (with holdout).
    private func loadPairs(_ cfg: EncoderTrainingConfig, encoder: SentenceEncoder, maxLength: Int) throws
        -> ([TrainingPair], [TrainingPair], RetrievalTask?) {
        func tokenize(_ texts: [String]) throws -> [[Int32]] {
            let batch = try encoder.tokenizer.encodeBatch(texts, truncation: .init(maxLength: maxLength))
            return (0..<batch.count).map { Array(batch.ids(row: $0).prefix(batch.lengths[$0])) }
        }
        func pairs(_ texts: [TextPair]) throws -> [TrainingPair] {
            let a = try tokenize(texts.map(\.anchor)), p = try tokenize(texts.map(\.positive))
            let withNegative = texts.indices.filter { texts[$0].negative != nil }
            let n = Dictionary(uniqueKeysWithValues: zip(withNegative, try tokenize(withNegative.map { texts[$0].negative! })))
            let keys = TrainingPair.duplicateKeys(anchors: texts.map(\.anchor), positives: texts.map(\.positive))
            return texts.indices.map { TrainingPair(anchor: a[$0], positive: p[$0], negative: n[$0], duplicateKey: keys[$0]) }
        }
        func questionToSolution(_ problems: [GSM8KProblem]) -> [TextPair] {
            problems.map { TextPair(anchor: $0.question, positive: $0.answer, line: $0.line + 1, ids: [$0.line]) }
        }
        let dataDirectory = URL(fileURLWithPath: cfg.data.source == "gsm8k" ? cfg.data.path : cfg.data.gsm8kDirectory)
        let needsTrain = cfg.data.source == "gsm8k" || cfg.data.holdout || cfg.data.qaRatio > 0
        let problems = needsTrain ? try GSM8KProblem.load(dataDirectory.appendingPathComponent("gsm8k/train.jsonl")) : []
        let (training, holdout) = cfg.data.holdout ? GSM8KTrainSplit.split(problems) : (problems, [])
        let valid = try pairs(questionToSolution(holdout))
        let task = cfg.data.holdout && cfg.data.evaluateRetrieval
            ? try BuiltinTask(rawValue: cfg.data.evaluateTask)!.load(dataDirectory: dataDirectory) : nil
        guard cfg.data.source == "pairs" else { return (try pairs(questionToSolution(training)), valid, task) }

        let url = URL(fileURLWithPath: cfg.data.path)
        let file = try PairsFile.read(url)
        if cfg.data.holdout { try refuseHeldOut(file.pairs, holdout, path: url.path) }
        let joined = file.pairs.filter { $0.negativeLine != nil }.count
        var generator = RandomGenerator(seed: cfg.training.seed, stream: 0x9A)
        let qaCount = min(training.count, Int((cfg.data.qaRatio * Double(file.pairs.count)).rounded()))
        let mixed = training.shuffled(using: &generator).prefix(qaCount).sorted { $0.line < $1.line }
        log("\(url.path): \(file.pairs.count) pairs, \(file.pairs.filter { $0.negative != nil }.count) with a hard negative "
            + "(\(joined) joined from negative-only lines, \(file.unjoinedNegatives.count) such lines left without a pair); "
            + "+ \(mixed.count) question → solution pairs (qa_ratio \(cfg.data.qaRatio))")
        return (try pairs(file.pairs + questionToSolution(mixed)), valid, task)
    }

    /// With holdout, no pair may use a held-out problem: by id (mine-pairs' GSM8K train lines) or by text.
    private func refuseHeldOut(_ pairs: [TextPair], _ holdout: [GSM8KProblem], path: String) throws {
        let lines = Set(holdout.map(\.line))
        var texts: [String: Int] = [:]
        for p in holdout { texts[p.question] = p.line; texts[p.answer] = p.line }
        for p in pairs {
            let uses = [(p.line, p.ids.first(where: lines.contains) ?? [p.anchor, p.positive].lazy.compactMap { texts[$0] }.first),
                        (p.negativeLine ?? p.line, p.negativeIDs.first(where: lines.contains) ?? p.negative.flatMap { texts[$0] })]
            if let use = uses.first(where: { $0.1 != nil }) {
                throw JSONLines.Error(path: path, line: use.0, reason: "uses GSM8K train problem \(use.1!), which is held out "
                    + "(data.holdout: true; GSM8KTrainSplit's \(GSM8KTrainSplit.holdoutSize), seed \(GSM8KTrainSplit.seed)): "
                    + "mine pairs with that holdout, or set data.holdout=false")
            }
        }
    }

    private func writeResolvedConfig(_ cfg: EncoderTrainingConfig, to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let out = try AtomicFileOutput(path: directory.appendingPathComponent("config.json").path)
        try out.write(Array(try encoder.encode(cfg)))
        try out.commit()
    }
}

func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

func clockString(_ seconds: Double) -> String {
    let s = Int(seconds.isFinite ? seconds.rounded() : 0)
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}

/// Set by SIGINT (Ctrl-C): the trainer stops after the current step and writes a checkpoint.
final class InterruptFlag: @unchecked Sendable {
    private let source: DispatchSourceSignal
    private let lock = NSLock()
    private var flag = false

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            lock.lock(); flag = true; lock.unlock()
            log("interrupt: stopping after this step (again to abort)")
            signal(SIGINT, SIG_DFL)
        }
        source.resume()
    }

    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return flag }
}
