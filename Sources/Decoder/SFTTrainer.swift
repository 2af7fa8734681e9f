import Foundation
import ModelFormats
import NN
import Tensor
import Training

/// Supervised fine-tuning of a decoder's LoRA (or QLoRA) parameters on prompt/completion examples, with the loss on
/// completion tokens only.
///
/// A micro-batch packs its examples without padding (positions restart and attention stays inside each example);
/// only the positions that predict a completion token are projected to the vocabulary, in chunks
/// (`ChunkedCrossEntropy`). The loss of an optimiser step is the sum over every completion token of its micro-batches
/// divided by their count across all of them — the normalisation transformers adopted in 2024 (`num_items_in_batch`),
/// so batch 8 × accumulation 1 and batch 2 × accumulation 4 take the same step.
///
/// Deterministic and resumable like the encoder's trainer: the data order is `SFTBatchOrder`'s, dropout masks are seeded per token by (seed, example, position), and checkpoints hold the adapter,
/// AdamW's moments and the step, so a resumed run ends with the adapter an uninterrupted one ends with, bit for bit.
/// Writes through `TrainingRun`: metrics.jsonl, eval.jsonl, loss.svg, checkpoints/, adapter/.
public final class SFTTrainer {
    public let model: DecoderModel
    public let settings: SFTTrainingSettings
    public let loraConfig: LoRAConfig
    public let examples: [SFTExample]
    public let validation: [SFTExample]
    public let run: TrainingRun
    /// Receives a progress record after every optimiser step (the CLI prints a line with the ETA).
    public var onStep: ((StepRecord) -> Void)?
    public var onEvaluation: (([String: Double]) -> Void)?
    /// Asked after every step; returning true stops there with a checkpoint (SIGINT: `--resume` continues).
    public var shouldStop: ((Int) -> Bool)?

    let parameters: [(String, Parameter)]
    let optimizer: AdamW
    let loss: ChunkedCrossEntropy

    public struct StepRecord: Codable, Sendable, TrainingStepRecord {
        public static let itemName = "examples"
        public var step: Int
        public var totalSteps: Int
        public var epoch: Double
        /// Σ −log p over the step's completion tokens / their count.
        public var loss: Float
        public var lr: Float
        public var gradNorm: Float
        /// Tokens (prompt and completion) of the step per second of its wall time.
        public var tokensPerSecond: Double
        public var tokens: Int
        public var completionTokens: Int
        public var examples: Int
        /// Useful matrix work of the step (`DecoderModel.trainingFLOPs`).
        public var gflop: Double
        public var items: Int { examples }
        /// Fraction of completion tokens whose argmax is the reference token (TRL's mean_token_accuracy).
        public var meanTokenAccuracy: Double
        public var elapsedSeconds: Double
        /// Process CPU time since the loop began (with `elapsedSeconds`: the cores kept busy).
        public var cpuSeconds: Double
        enum CodingKeys: String, CodingKey {
            case step, totalSteps = "total_steps", epoch, loss, lr, gradNorm = "grad_norm"
            case tokensPerSecond = "tokens_per_s", tokens, completionTokens = "completion_tokens", examples, gflop
            case meanTokenAccuracy = "mean_token_accuracy", elapsedSeconds = "elapsed_s", cpuSeconds = "cpu_s"
        }
    }

    /// `model` must already carry its LoRA layers (`applyLoRA`).
    public init(model: DecoderModel, loraConfig: LoRAConfig, settings: SFTTrainingSettings, examples: [SFTExample],
                validation: [SFTExample], runDirectory: URL) throws {
        try settings.validate()
        guard !examples.isEmpty else { throw SFTDataError("no training examples") }
        for (i, e) in (examples + validation).enumerated() where e.prompt.isEmpty || e.completion.isEmpty {
            throw SFTDataError("example \(i + 1) has an empty prompt or completion")
        }
        self.model = model
        model.recomputesActivations = settings.gradientCheckpointing
        self.loraConfig = loraConfig
        self.settings = settings
        self.examples = examples
        self.validation = validation
        run = TrainingRun(directory: runDirectory)
        parameters = model.trainableParameters
        guard !parameters.isEmpty else { throw ModelLoadingError.unsupported("no trainable parameters (apply LoRA first)") }
        optimizer = AdamW(parameters: parameters.map(\.1), hyperparameters: .init(weightDecay: settings.weightDecay))
        loss = ChunkedCrossEntropy(chunkRows: settings.lossChunkRows)
        order = SFTBatchOrder(exampleCount: examples.count, settings: settings)
    }

    var order: SFTBatchOrder
    public var microBatchesPerEpoch: Int { order.microBatchesPerEpoch }
    public var totalSteps: Int { order.totalSteps }

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(peak: settings.learningRate, warmupSteps: Int((Double(totalSteps) * settings.warmupRatio).rounded(.up)),
                             totalSteps: totalSteps, decay: settings.schedule)
    }

    // MARK: - Training loop

    /// Trains to `totalSteps`, continuing from the newest checkpoint when `resume` is set (`TrainingLoop`).
    public func train(resume: Bool) throws {
        let loop = TrainingLoop(run: run, optimizer: optimizer, schedule: .init(
            totalSteps: totalSteps, learningRate: schedule, maxGradNorm: settings.maxGradNorm,
            checkpointEvery: settings.checkpointEvery, evalEvery: settings.evalEvery, logEvery: settings.logEvery))
        try loop.train(resume: resume, restore: restore, gradients: stepGradients, onStep: onStep,
                       evaluate: runEvaluation, checkpoint: saveCheckpoint, shouldStop: shouldStop) {
            try LoRAAdapter.save(model, config: loraConfig, to: run.adapterDirectory)
            try run.writeChart(title: "SFT loss")
        }
    }

    /// Accumulates the gradients of optimiser step `step` over its micro-batches, normalised by all their completion
    /// tokens; returns how its record is made from the loop's facts.
    private func stepGradients(_ step: Int) throws -> (TrainingLoop.StepFacts) -> StepRecord {
        let batches = microBatches(ofStep: step)
        let completionTokens = batches.flatMap(\.1).reduce(0) { $0 + examples[$1].completion.count }
        var lossSum = 0.0, correct = 0, gflop = 0.0
        for (g, batch) in batches {
            let r = try lossAndGradients(batch, globalBatch: g, normalizer: Float(completionTokens))
            lossSum += r.lossSum
            correct += r.correct
            gflop += model.trainingFLOPs(lengths: batch.map { examples[$0].count },
                                         scoredRows: batch.reduce(0) { $0 + examples[$1].completion.count }) / 1e9
        }
        let tokens = batches.flatMap(\.1).reduce(0) { $0 + examples[$1].count }
        let count = batches.reduce(0) { $0 + $1.1.count }
        return { [totalSteps, microBatchesPerEpoch, settings] f in
            StepRecord(step: f.step, totalSteps: totalSteps,
                       epoch: Double(f.step * settings.gradientAccumulationSteps) / Double(microBatchesPerEpoch),
                       loss: Float(lossSum / Double(completionTokens)), lr: f.lr, gradNorm: f.gradNorm,
                       tokensPerSecond: Double(tokens) / f.seconds, tokens: tokens, completionTokens: completionTokens,
                       examples: count, gflop: gflop, meanTokenAccuracy: Double(correct) / Double(completionTokens),
                       elapsedSeconds: f.elapsedSeconds, cpuSeconds: f.cpuSeconds)
        }
    }

    /// The micro-batches of optimiser step `step` (`SFTBatchOrder`).
    func microBatches(ofStep step: Int) -> [(Int, [Int])] { order.microBatches(ofStep: step) }

    // MARK: - One micro-batch

    /// Forward over the packed examples, the completion tokens' loss, and backward: accumulates the gradient of
    /// lossSum / `normalizer` into the trainable parameters (no gradient when `normalizer` is nil).
    func lossAndGradients(_ batch: [Int], globalBatch: Int, normalizer: Float?, data: [SFTExample]? = nil)
        throws -> ChunkedCrossEntropy.Result {
        let source = data ?? examples
        let sequences = batch.map { source[$0] }
        let layout = PackedSequences(lengths: sequences.map(\.count))
        let training = normalizer != nil
        if training {
            var seeds: [UInt64] = []
            seeds.reserveCapacity(layout.tokenCount)
            for (example, s) in zip(batch, sequences) {
                for t in 0..<s.count { seeds.append(tokenSeed(example: example, position: t)) }
            }
            model.dropoutSeeds.seeds = seeds
        }
        let hidden = model.forward(sequences.flatMap(\.ids), layout: layout, training: training)
        // Row o + p + j − 1 (the position before completion token j) predicts completion[j].
        var rows: [Int] = [], targets: [Int32] = []
        for (s, offset) in zip(sequences, layout.offsets) {
            for (j, token) in s.completion.enumerated() {
                rows.append(offset + s.prompt.count + j - 1)
                targets.append(token)
            }
        }
        let result = loss.lossAndGradient(hidden: hidden, rows: rows, targets: targets, normalizer: normalizer ?? 1,
                                          logits: model.logits, inputGradient: training ? model.logitsInputGradient : nil)
        if training { model.backward(result.dHidden) }
        return result
    }

    private func tokenSeed(example: Int, position: Int) -> UInt64 {
        var h = settings.seed &* 0x9E37_79B9_7F4A_7C15
        for v in [UInt64(example), UInt64(position)] {
            h = (h ^ v) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
        }
        return h
    }

    /// Validation loss (per completion token) and token accuracy, in batches of `batchSize`, without dropout.
    public func validationMetrics() throws -> (loss: Double, tokenAccuracy: Double)? {
        guard !validation.isEmpty else { return nil }
        var lossSum = 0.0, correct = 0, tokens = 0
        for start in stride(from: 0, to: validation.count, by: settings.batchSize) {
            let batch = Array(start..<min(start + settings.batchSize, validation.count))
            let r = try lossAndGradients(batch, globalBatch: 0, normalizer: nil, data: validation)
            lossSum += r.lossSum
            correct += r.correct
            tokens += batch.reduce(0) { $0 + validation[$1].completion.count }
        }
        return (lossSum / Double(tokens), Double(correct) / Double(tokens))
    }

    private func runEvaluation(step: Int) throws {
        guard let metrics = try validationMetrics() else { return }
        let record: [String: Double] = ["step": Double(step), "val_loss": metrics.loss, "val_token_accuracy": metrics.tokenAccuracy]
        try run.append(record, to: TrainingRun.evaluationLog)
        onEvaluation?(record)
        try run.writeChart(title: "SFT loss")
    }

    // MARK: - Checkpoints

    struct TrainerState: Codable, Equatable {
        var step: Int
        var totalSteps: Int
        var seed: UInt64
        var batchSize: Int
        var gradientAccumulationSteps: Int
        var examples: Int
        /// FNV-1a over every example's ids: resuming on other data is refused.
        var dataHash: UInt64
    }

    private var parameterNames: [String] { parameters.map(\.0) }

    /// The checkpoint state at step 0 (the data hash is computed once, not at every checkpoint).
    private lazy var state: TrainerState = {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for e in examples {
            for id in e.prompt + [-1] + e.completion + [-2] { h = (h ^ UInt64(UInt32(bitPattern: id))) &* 0x100_0000_01b3 }
        }
        return TrainerState(step: 0, totalSteps: totalSteps, seed: settings.seed, batchSize: settings.batchSize,
                            gradientAccumulationSteps: settings.gradientAccumulationSteps, examples: examples.count, dataHash: h)
    }()

    func saveCheckpoint(step: Int) throws {
        var s = state
        s.step = step
        try run.saveCheckpoint(step: step, state: s, optimizer: optimizer, parameterNames: parameterNames) { directory in
            try LoRAAdapter.save(model, config: loraConfig, to: directory)
        }
    }

    /// Loads the adapter, AdamW's moments and the step of `checkpoint`; trims the logs to that step. Returns the step.
    func restore(_ checkpoint: URL) throws -> Int {
        let saved = try run.state(TrainerState.self, of: checkpoint)
        var expected = state
        expected.step = saved.step
        guard saved == expected else {
            throw ModelLoadingError.invalidFile(path: checkpoint.appendingPathComponent("trainer_state.json").path,
                                                reason: "checkpoint was made with other settings or data (seed, batch size, accumulation, max_steps or examples); start a new run")
        }
        try LoRAAdapter.copyWeights(try SafeTensorsFile(path: checkpoint.appendingPathComponent(PEFTAdapterFiles.weightsFile).path),
                                    into: model)
        try run.restoreOptimizer(optimizer, parameterNames: parameterNames, step: saved.step, from: checkpoint)
        try run.trimLogs(afterStep: saved.step)
        return saved.step
    }
}
