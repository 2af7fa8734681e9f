import NN
import Training

/// Trainer settings: the `training:` section of an encoder run config (configs/encoder-gsm8k.yaml) decodes straight
/// into this type, so a field added here is a config key at once (nil optionals are `null` in YAML). Defaults follow
/// sentence-transformers' trainer with the LoRA recipe of configs/encoder-gsm8k.yaml.
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
    public var schedule: LearningRateSchedule.Decay = .linear
    public var weightDecay: Float = 0
    /// Clip the global gradient norm to this (nil: no clipping).
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
    /// Evaluate every this many steps and at the end (nil: never).
    public var evalEvery: Int? = 50
    /// Write every this many steps' record to metrics.jsonl (the last step always).
    public var logEvery = 1

    public init() {}

    enum CodingKeys: String, CodingKey {
        case batchSize = "batch_size", miniBatchSize = "mini_batch_size"
        case gradientAccumulationSteps = "gradient_accumulation_steps", epochs, maxSteps = "max_steps"
        case learningRate = "learning_rate", warmupRatio = "warmup_ratio", schedule, weightDecay = "weight_decay"
        case maxGradNorm = "max_grad_norm", seed, scale, symmetric, maskDuplicates = "mask_duplicates"
        case maxSeqLength = "max_seq_length", checkpointEvery = "checkpoint_every", evalEvery = "eval_every"
        case logEvery = "log_every", hiddenDropout = "hidden_dropout", attentionDropout = "attention_dropout"
    }

    /// Refuses settings the trainer cannot run, naming the run-config key.
    public func validate() throws {
        func check(_ ok: Bool, _ key: String, _ reason: String) throws {
            if !ok { throw InvalidSetting("training.\(key)", reason) }
        }
        try check(batchSize > 1, "batch_size", "must be at least 2 (in-batch negatives), got \(batchSize)")
        try check((miniBatchSize ?? 1) > 0, "mini_batch_size", "must be positive or null (whole batch)")
        try check(gradientAccumulationSteps > 0, "gradient_accumulation_steps", "must be positive")
        try check(epochs > 0, "epochs", "must be positive")
        try check((maxSteps ?? 1) > 0, "max_steps", "must be positive or null (all epochs)")
        try check(learningRate > 0, "learning_rate", "must be positive")
        try check((0...1).contains(warmupRatio), "warmup_ratio", "must be in [0, 1]")
        try check((maxGradNorm ?? 1) > 0, "max_grad_norm", "must be positive or null (no clipping)")
        try check(maxSeqLength > 0, "max_seq_length", "must be positive")
        try check(checkpointEvery > 0, "checkpoint_every", "must be positive")
        try check((evalEvery ?? 1) > 0, "eval_every", "must be positive or null (only at the end)")
        try check(logEvery > 0, "log_every", "must be positive")
    }
}
