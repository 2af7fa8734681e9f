/// Trainer settings, the `training:` section of an encoder run config (configs/encoder-gsm8k.yaml).
/// Defaults follow sentence-transformers' trainer with the LoRA recipe.
public struct EncoderTrainingSettings: Codable, Equatable, Sendable {
    /// Pairs per optimiser step (before accumulation): the in-batch negatives of InfoNCE.
    public var batchSize = 32
    /// GradCache mini-batch in sequences (anchors + positives + negatives are embedded this many at a time);
    /// nil runs the whole batch in one forward/backward.
    public var miniBatchSize: Int? = nil
    public var gradientAccumulationSteps = 1
    public var epochs = 1
    /// Stop after this many optimiser steps (nil: run all epochs).
    public var maxSteps: Int? = nil
    public var learningRate: Float = 2e-4
    /// Warm-up steps = ⌈ratio · total steps⌉, computed in Double as transformers does (Float rounding moves the
    /// ceiling for some step counts).
    public var warmupRatio = 0.1
    public var schedule: LearningRateScheduleKind = .linear
    public var weightDecay: Float = 0
    public var maxGradNorm: Float? = 1
    public var seed: UInt64 = 42
    /// InfoNCE similarity scale (sentence-transformers' default 20).
    public var scale: Float = 20
    public var symmetric = false
    /// Leave out in-batch candidates whose text duplicates the pair's own positive (no false negatives).
    public var maskDuplicates = true
    public var maxSeqLength = 256
    /// BERT's dropout in training, after the embeddings and the attention-output and FFN-output projections
    /// (nil: the model's hidden_dropout_prob, as a Hugging Face model in train mode applies it).
    public var hiddenDropout: Float? = nil
    /// Dropout on the attention probabilities (nil: the model's attention_probs_dropout_prob).
    public var attentionDropout: Float? = nil
    public var checkpointEvery = 50
    public var evalEvery: Int? = 50
    public var logEvery = 1

    public enum LearningRateScheduleKind: String, Codable, Sendable { case linear, cosine, constant }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case batchSize = "batch_size", miniBatchSize = "mini_batch_size"
        case gradientAccumulationSteps = "gradient_accumulation_steps", epochs, maxSteps = "max_steps"
        case learningRate = "learning_rate", warmupRatio = "warmup_ratio", schedule, weightDecay = "weight_decay"
        case maxGradNorm = "max_grad_norm", seed, scale, symmetric, maskDuplicates = "mask_duplicates"
        case maxSeqLength = "max_seq_length", checkpointEvery = "checkpoint_every", evalEvery = "eval_every"
        case logEvery = "log_every", hiddenDropout = "hidden_dropout", attentionDropout = "attention_dropout"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = EncoderTrainingSettings()
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        miniBatchSize = try c.decodeIfPresent(Int.self, forKey: .miniBatchSize)
        gradientAccumulationSteps = try c.decodeIfPresent(Int.self, forKey: .gradientAccumulationSteps) ?? d.gradientAccumulationSteps
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
        maxSteps = try c.decodeIfPresent(Int.self, forKey: .maxSteps)
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? d.learningRate
        warmupRatio = try c.decodeIfPresent(Double.self, forKey: .warmupRatio) ?? d.warmupRatio
        schedule = try c.decodeIfPresent(LearningRateScheduleKind.self, forKey: .schedule) ?? d.schedule
        weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? d.weightDecay
        maxGradNorm = try c.decodeIfPresent(Float.self, forKey: .maxGradNorm) ?? d.maxGradNorm
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        scale = try c.decodeIfPresent(Float.self, forKey: .scale) ?? d.scale
        symmetric = try c.decodeIfPresent(Bool.self, forKey: .symmetric) ?? d.symmetric
        maskDuplicates = try c.decodeIfPresent(Bool.self, forKey: .maskDuplicates) ?? d.maskDuplicates
        maxSeqLength = try c.decodeIfPresent(Int.self, forKey: .maxSeqLength) ?? d.maxSeqLength
        hiddenDropout = try c.decodeIfPresent(Float.self, forKey: .hiddenDropout)
        attentionDropout = try c.decodeIfPresent(Float.self, forKey: .attentionDropout)
        checkpointEvery = try c.decodeIfPresent(Int.self, forKey: .checkpointEvery) ?? d.checkpointEvery
        evalEvery = try c.decodeIfPresent(Int.self, forKey: .evalEvery) ?? d.evalEvery
        logEvery = try c.decodeIfPresent(Int.self, forKey: .logEvery) ?? d.logEvery
    }
}
