import NN
import Training

/// Decoder SFT settings: the `training:` section of configs/sft-gsm8k.yaml decodes straight into this type (nil
/// optionals are `null` in YAML). Defaults are those a TRL + PEFT user expects for LoRA SFT: AdamW (β 0.9/0.999,
/// ε 1e-8, no weight decay), learning rate 2e-4 with 3 % warm-up then linear decay, clipping at norm 1.
public struct SFTTrainingSettings: Codable, Equatable, Sendable {
    /// Examples per micro-batch (packed without padding: positions restart and attention stays inside each example).
    public var batchSize = 4
    /// Micro-batches per optimiser step; the loss is summed over every completion token of the step and divided by
    /// their count across all micro-batches (not a mean of micro-batch means).
    public var gradientAccumulationSteps = 4
    public var epochs = 1
    /// Stop after this many optimiser steps (nil: run all epochs).
    public var maxSteps: Int? = nil
    public var learningRate: Float = 2e-4
    /// Warm-up steps = ⌈ratio · total steps⌉.
    public var warmupRatio = 0.03
    public var schedule: LearningRateSchedule.Decay = .linear
    public var weightDecay: Float = 0
    /// Clip the global gradient norm to this (nil: no clipping).
    public var maxGradNorm: Float? = 1
    public var seed: UInt64 = 42
    /// Prompt + completion tokens per example.
    public var maxLength = 512
    /// What to do with a longer example: cut its completion at `max_length` (TRL's truncation; counted and
    /// reported), or refuse the data set with an error naming the example.
    public var overlong: Overlong = .truncate
    /// Rows of logits per cross-entropy chunk (V = 151,936 for Qwen: 256 rows are 156 MB).
    public var lossChunkRows = 256
    /// Keep only each block's input in the forward and recompute the block in backward (`DecoderModel.
    /// recomputesActivations`): one block's activations in memory instead of all, for ~25 % more time a step. On by
    /// default, as in TRL's SFTConfig.
    public var gradientCheckpointing = true
    public var checkpointEvery = 50
    /// Evaluate the validation split every this many steps and at the end (nil: never).
    public var evalEvery: Int? = 50
    /// Write every this many steps' record to metrics.jsonl (the last step always).
    public var logEvery = 1

    public enum Overlong: String, Codable, Sendable { case truncate, refuse }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case batchSize = "batch_size", gradientAccumulationSteps = "gradient_accumulation_steps", epochs
        case maxSteps = "max_steps", learningRate = "learning_rate", warmupRatio = "warmup_ratio", schedule
        case weightDecay = "weight_decay", maxGradNorm = "max_grad_norm", seed, maxLength = "max_length", overlong
        case lossChunkRows = "loss_chunk_rows", checkpointEvery = "checkpoint_every", evalEvery = "eval_every"
        case logEvery = "log_every", gradientCheckpointing = "gradient_checkpointing"
    }

    /// Refuses settings the trainer cannot run, naming the run-config key.
    public func validate() throws {
        func check(_ ok: Bool, _ key: String, _ reason: String) throws {
            if !ok { throw InvalidSetting("training.\(key)", reason) }
        }
        try check(batchSize > 0, "batch_size", "must be positive")
        try check(gradientAccumulationSteps > 0, "gradient_accumulation_steps", "must be positive")
        try check(epochs > 0, "epochs", "must be positive")
        try check((maxSteps ?? 1) > 0, "max_steps", "must be positive or null (all epochs)")
        try check(learningRate > 0, "learning_rate", "must be positive")
        try check((0...1).contains(warmupRatio), "warmup_ratio", "must be in [0, 1]")
        try check((maxGradNorm ?? 1) > 0, "max_grad_norm", "must be positive or null (no clipping)")
        try check(maxLength > 1, "max_length", "must be at least 2")
        try check(lossChunkRows > 0, "loss_chunk_rows", "must be positive")
        try check(checkpointEvery > 0, "checkpoint_every", "must be positive")
        try check((evalEvery ?? 1) > 0, "eval_every", "must be positive or null (never)")
        try check(logEvery > 0, "log_every", "must be positive")
    }
}
