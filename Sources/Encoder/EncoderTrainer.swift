import Foundation
import ModelFormats
import NN
import Tensor
import Training

/// Fine-tunes the LoRA (or QLoRA) parameters of a BERT encoder with in-batch InfoNCE.
///
/// Deterministic and resumable: the data order of epoch e is the peer's (see `permutation(epoch:)`); dropout masks are
/// seeded per token by (seed, batch, example, role, position); checkpoints hold the adapter, AdamW's moments and the
/// step. So a run killed after a checkpoint and resumed ends with the same adapter, bit for bit, as an uninterrupted
/// one. With `miniBatchSize`, batches are processed GradCache-style (Gao et al. 2021, https://arxiv.org/abs/2101.06983):
/// embed every sequence in mini-batches, compute the loss and its gradient w.r.t. the embeddings, then recompute each
/// mini-batch and backpropagate its slice — the gradients of the whole batch with one mini-batch of activations.
///
/// Writes into `runDirectory` through `TrainingRun`: metrics.jsonl, eval.jsonl, loss.svg, checkpoints/step-N/,
/// adapter/ (the final one).
public final class EncoderTrainer {
    public let model: BertModel
    public let pooling: MeanPooling
    public let settings: EncoderTrainingSettings
    public let loraConfig: LoRAConfig
    public let pairs: [TrainingPair]
    public let validation: [TrainingPair]
    public let run: TrainingRun
    public var runDirectory: URL { run.directory }
    /// Retrieval metrics on the held-out split, called at each evaluation (nil: validation loss only).
    public var evaluate: ((BertModel) throws -> [String: Double])?
    /// Receives a progress record after every optimiser step (the CLI prints a line).
    public var onStep: ((StepRecord) -> Void)?
    public var onEvaluation: (([String: Double]) -> Void)?
    /// Asked after every step; returning true stops training there (e.g. on SIGINT: the next `--resume` continues
    /// from the newest checkpoint).
    public var shouldStop: ((Int) -> Bool)?

    let parameters: [(String, Parameter)]
    let optimizer: AdamW
    let loss: InfoNCELoss

    public struct StepRecord: Codable, Sendable, TrainingStepRecord {
        public static let itemName = "pairs"
        public var items: Int { pairs }
        public var step: Int
        public var totalSteps: Int
        public var epoch: Double
        public var loss: Float
        public var lr: Float
        public var gradNorm: Float
        public var pairsPerSecond: Double
        public var elapsedSeconds: Double
        /// Pairs and tokens of the step, and its useful work in GFLOP (`BertModel.trainingFLOPs`).
        public var pairs: Int
        public var tokens: Int
        public var gflop: Double
        /// Process CPU time (user + system) since the training loop began: with `elapsedSeconds`, how many cores the
        /// step kept busy — a speed measure that other load on the machine disturbs less than wall time.
        public var cpuSeconds: Double
        enum CodingKeys: String, CodingKey {
            case step, totalSteps = "total_steps", epoch, loss, lr, gradNorm = "grad_norm"
            case pairsPerSecond = "pairs_per_s", elapsedSeconds = "elapsed_s"
            case pairs, tokens, gflop, cpuSeconds = "cpu_s"
        }
    }

    public init(model: BertModel, pooling: MeanPooling, loraConfig: LoRAConfig, settings: EncoderTrainingSettings,
                pairs: [TrainingPair], validation: [TrainingPair], runDirectory: URL) throws {
        precondition(!pairs.isEmpty, "no training pairs")
        self.model = model
        self.pooling = pooling
        self.loraConfig = loraConfig
        self.settings = settings
        self.pairs = pairs
        self.validation = validation
        self.run = TrainingRun(directory: runDirectory)
        try settings.validate()
        parameters = model.trainableParameters
        guard !parameters.isEmpty else { throw ModelLoadingError.unsupported("no trainable parameters (apply LoRA first)") }
        let hidden = settings.hiddenDropout ?? model.config.hiddenDropoutProb
        let attention = settings.attentionDropout ?? model.config.attentionProbsDropoutProb
        guard (0..<1).contains(hidden), (0..<1).contains(attention) else {
            throw ModelLoadingError.unsupported("dropout probabilities \(hidden), \(attention) outside [0, 1)")
        }
        model.setDropout(hidden: hidden, attention: attention)
        optimizer = AdamW(parameters: parameters.map(\.1), hyperparameters: .init(weightDecay: settings.weightDecay))
        loss = InfoNCELoss(scale: settings.scale, symmetric: settings.symmetric)
    }

    public var batchesPerEpoch: Int { (pairs.count + settings.batchSize - 1) / settings.batchSize }
    public var totalSteps: Int {
        let all = (batchesPerEpoch * settings.epochs + settings.gradientAccumulationSteps - 1) / settings.gradientAccumulationSteps
        return min(all, settings.maxSteps ?? all)
    }

    public var schedule: LearningRateSchedule {
        return LearningRateSchedule(peak: settings.learningRate,
                                    warmupSteps: Int((Double(totalSteps) * settings.warmupRatio).rounded(.up)),
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
            try writeChart()
        }
    }

    /// Accumulates the gradients of optimiser step `step`; returns how its record is made from the loop's facts.
    private func stepGradients(_ step: Int) throws -> (TrainingLoop.StepFacts) -> StepRecord {
        var stepLoss: Float = 0, stepPairCount = 0, stepTokens = 0, stepFLOPs = 0.0
        for a in 0..<settings.gradientAccumulationSteps {
            let globalBatch = step * settings.gradientAccumulationSteps + a
            guard globalBatch < batchesPerEpoch * settings.epochs else { break }
            let batch = batchIndices(globalBatch)
            let batchPairs = batch.map { pairs[$0] }
            stepLoss += try lossAndGradients(batchPairs, examples: batch, globalBatch: globalBatch,
                                             gradientScale: 1 / Float(settings.gradientAccumulationSteps))
            let lengths = sequences(batchPairs, examples: batch).map(\.ids.count)
            stepPairCount += batch.count
            stepTokens += lengths.reduce(0, +)
            stepFLOPs += model.trainingFLOPs(lengths: lengths)
        }
        let (loss, count, tokens, gflop) = (stepLoss / Float(settings.gradientAccumulationSteps), stepPairCount, stepTokens, stepFLOPs / 1e9)
        return { [totalSteps, batchesPerEpoch, settings] f in
            StepRecord(step: f.step, totalSteps: totalSteps,
                       epoch: Double(f.step * settings.gradientAccumulationSteps) / Double(batchesPerEpoch),
                       loss: loss, lr: f.lr, gradNorm: f.gradNorm, pairsPerSecond: Double(count) / f.seconds,
                       elapsedSeconds: f.elapsedSeconds, pairs: count, tokens: tokens, gflop: gflop, cpuSeconds: f.cpuSeconds)
        }
    }

    /// Indices of the examples in global batch `g` (epoch g / batchesPerEpoch, seeded permutation).
    func batchIndices(_ g: Int) -> [Int] {
        let epoch = g / batchesPerEpoch, b = g % batchesPerEpoch
        let order = permutation(epoch: epoch)
        return Array(order[(b * settings.batchSize)..<min((b + 1) * settings.batchSize, pairs.count)])
    }

    private var cachedOrder: (epoch: Int, order: [Int])?
    /// Epoch e visits the pairs in the order of the (e+1)-th `torch.randperm` of a generator seeded with `seed`:
    /// sentence-transformers' RandomSampler, so with the same seed both train on the same batches.
    private func permutation(epoch: Int) -> [Int] {
        if let cachedOrder, cachedOrder.epoch == epoch { return cachedOrder.order }
        var g = MersenneTwister(seed: settings.seed)
        var order: [Int] = []
        for _ in 0...epoch { order = g.permutation(pairs.count) }
        cachedOrder = (epoch, order)
        return order
    }

    // MARK: - One batch

    /// The batch's sequences: anchors, then positives, then the negatives of the pairs that have one (each an extra
    /// candidate of every anchor; mixed data brings them with some pairs only).
    private func sequences(_ batch: [TrainingPair], examples: [Int]) -> [(ids: [Int32], example: Int, role: Int)] {
        var out: [(ids: [Int32], example: Int, role: Int)] = []
        for (p, e) in zip(batch, examples) { out.append((p.anchor, e, 0)) }
        for (p, e) in zip(batch, examples) { out.append((p.positive, e, 1)) }
        for (p, e) in zip(batch, examples) { if let n = p.negative { out.append((n, e, 2)) } }
        return out
    }

    /// InfoNCE over embedded `sequences` (rows: B anchors, B positives, then the negatives).
    private func batchLoss(_ e: Tensor, _ batch: [TrainingPair]) -> InfoNCELoss.Result {
        let b = batch.count
        return loss(anchors: rows(e, 0..<b), positives: rows(e, b..<(2 * b)),
                    negatives: e.rows > 2 * b ? rows(e, (2 * b)..<e.rows) : nil,
                    duplicateKeys: settings.maskDuplicates ? batch.map(\.duplicateKey) : nil)
    }

    /// Embeds sequences `range` with a training forward (dropout seeded per token) and keeps the graph for backward.
    private func forward(_ seqs: [(ids: [Int32], example: Int, role: Int)], _ range: Range<Int>, globalBatch: Int,
                         training: Bool) -> Tensor {
        let chunk = seqs[range]
        let layout = PackedSequences(lengths: chunk.map { $0.ids.count })
        if training {
            var seeds: [UInt64] = []
            seeds.reserveCapacity(layout.tokenCount)
            for s in chunk {
                for t in 0..<s.ids.count {
                    seeds.append(tokenSeed(globalBatch: globalBatch, example: s.example, role: s.role, position: t))
                }
            }
            model.dropoutSeeds.seeds = seeds
        }
        let hidden = model.forward(chunk.flatMap(\.ids), layout: layout, training: training)
        return pooling.forward(hidden, layout: layout, training: training)
    }

    private func tokenSeed(globalBatch: Int, example: Int, role: Int, position: Int) -> UInt64 {
        var h = settings.seed &* 0x9E37_79B9_7F4A_7C15
        for v in [UInt64(globalBatch), UInt64(example), UInt64(role), UInt64(position)] {
            h = (h ^ v) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
        }
        return h
    }

    /// Loss of one batch; accumulates `gradientScale` × its gradients into the trainable parameters.
    func lossAndGradients(_ batch: [TrainingPair], examples: [Int], globalBatch: Int, gradientScale: Float) throws -> Float {
        let seqs = sequences(batch, examples: examples)
        let b = batch.count, c = model.config.hiddenSize
        let chunk = max(1, min(settings.miniBatchSize ?? seqs.count, seqs.count))
        let chunks = stride(from: 0, to: seqs.count, by: chunk).map { $0..<min($0 + chunk, seqs.count) }
        let embeddings = Tensor(uninitializedShape: [seqs.count, c])
        if chunks.count == 1 {
            embeddings.assign(forward(seqs, chunks[0], globalBatch: globalBatch, training: true))
        } else {
            // GradCache pass 1: embeddings only (each chunk's graph is dropped when the next one runs).
            for r in chunks {
                let e = forward(seqs, r, globalBatch: globalBatch, training: true)
                withExtendedLifetime(e) { (embeddings.data + r.lowerBound * c).update(from: e.data, count: e.count) }
            }
        }
        let result = batchLoss(embeddings, batch)
        let dEmbeddings = Tensor(uninitializedShape: [seqs.count, c])
        for (part, offset) in [(result.dAnchors, 0), (result.dPositives, b)] + (result.dNegatives.map { [($0, 2 * b)] } ?? []) {
            withExtendedLifetime(part) { (dEmbeddings.data + offset * c).update(from: part.data, count: part.count) }
        }
        Kernels.scale(dEmbeddings.data, dEmbeddings.count, by: gradientScale)
        for r in chunks {
            // Single chunk: the graph of the forward above is still in place. GradCache pass 2: recompute it.
            if chunks.count > 1 { _ = forward(seqs, r, globalBatch: globalBatch, training: true) }
            model.backward(pooling.backward(rows(dEmbeddings, r)))
        }
        return result.loss
    }

    private func rows(_ t: Tensor, _ r: Range<Int>) -> Tensor {
        let out = Tensor(uninitializedShape: [r.count, t.columns])
        withExtendedLifetime(t) { out.data.update(from: t.data + r.lowerBound * t.columns, count: out.count) }
        return out
    }

    /// Mean InfoNCE loss over the validation pairs in batches of `batchSize` (no dropout, no gradients).
    public func validationLoss() -> Float? {
        guard !validation.isEmpty else { return nil }
        var total: Float = 0, batches = 0
        for start in stride(from: 0, to: validation.count, by: settings.batchSize) {
            let batch = Array(validation[start..<min(start + settings.batchSize, validation.count)])
            let seqs = sequences(batch, examples: Array(start..<(start + batch.count)))
            let e = forward(seqs, 0..<seqs.count, globalBatch: 0, training: false)
            total += batchLoss(e, batch).loss
            batches += 1
        }
        return total / Float(batches)
    }

    // MARK: - Evaluation, logs, chart

    private func runEvaluation(step: Int) throws {
        var record: [String: Double] = ["step": Double(step)]
        if let v = validationLoss() { record["val_loss"] = Double(v) }
        if let evaluate { for (k, v) in try evaluate(model) { record[k] = v } }
        try run.append(record, to: TrainingRun.evaluationLog)
        onEvaluation?(record)
        try writeChart()
    }

    /// loss.svg: training loss per step (and its 20-step moving average) and validation loss at each evaluation.
    public func writeChart() throws { try run.writeChart(title: "InfoNCE loss") }

    // MARK: - Checkpoints

    struct TrainerState: Codable {
        var step: Int
        var totalSteps: Int
        var seed: UInt64
        var batchSize: Int
        var pairs: Int
    }

    private var parameterNames: [String] { parameters.map(\.0) }

    /// Writes checkpoints/step-N/: the adapter, AdamW's moments and the step (`TrainingRun.saveCheckpoint`).
    func saveCheckpoint(step: Int) throws {
        let state = TrainerState(step: step, totalSteps: totalSteps, seed: settings.seed, batchSize: settings.batchSize,
                                 pairs: pairs.count)
        try run.saveCheckpoint(step: step, state: state, optimizer: optimizer, parameterNames: parameterNames) { directory in
            try LoRAAdapter.save(model, config: loraConfig, to: directory)
        }
    }

    /// Loads adapter weights, optimiser moments and the step; trims the logs to that step. Returns the step.
    func restore(_ checkpoint: URL) throws -> Int {
        let state = try run.state(TrainerState.self, of: checkpoint)
        guard state.seed == settings.seed, state.batchSize == settings.batchSize, state.pairs == pairs.count else {
            throw ModelLoadingError.invalidFile(path: checkpoint.appendingPathComponent("trainer_state.json").path,
                                                reason: "checkpoint was made with other settings (seed, batch size or data); start a new run")
        }
        try LoRAAdapter.copyWeights(try SafeTensorsFile(path: checkpoint.appendingPathComponent(PEFTAdapterFiles.weightsFile).path),
                                    into: model)
        try run.restoreOptimizer(optimizer, parameterNames: parameterNames, step: state.step, from: checkpoint)
        try run.trimLogs(afterStep: state.step)
        return state.step
    }
}
