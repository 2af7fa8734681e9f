import Encoder

/// `exemplar train-encoder`'s run config (configs/encoder-gsm8k.yaml); keys are the YAML names. Zero means "off"
/// for the optional limits (run configs have no nulls: every key has a default that `--set` can override).
struct EncoderTrainingConfig: RunConfig, Equatable {
    /// Outputs go to `output_dir/name/`.
    var name = "encoder-lora"
    var outputDir = "runs"
    var model = "models/all-MiniLM-L6-v2"
    var data = DataSection()
    var lora = LoRASection()
    var training = TrainingSection()

    struct DataSection: Codable, Equatable {
        /// gsm8k: anchor = question, positive = solution, from `path`/gsm8k/train.jsonl;
        /// pairs: a JSON Lines file of {anchor, positive[, negative]}.
        var source = "gsm8k"
        var path = "data"
        /// gsm8k only: train on the complement of `gsm8k-train-holdout` and validate on it (false: all 7473 pairs,
        /// the peer's setting).
        var holdout = true
        /// Evaluate retrieval on gsm8k-train-holdout at each evaluation (gsm8k only).
        var evaluateRetrieval = true
        enum CodingKeys: String, CodingKey { case source, path, holdout, evaluateRetrieval = "evaluate_retrieval" }
    }

    struct LoRASection: Codable, Equatable {
        var r = 8
        var alpha: Float = 16
        var dropout: Float = 0.1
        /// A PEFT target_modules regular expression (the whole module name must match).
        var targetModules = #".*encoder\.layer\.\d+\..*(query|key|value|dense)$"#
        /// QLoRA: frozen base projections in NF4.
        var qlora = false
        enum CodingKeys: String, CodingKey { case r, alpha, dropout, targetModules = "target_modules", qlora }
    }

    struct TrainingSection: Codable, Equatable {
        var batchSize = 32
        var miniBatchSize = 0
        var gradientAccumulationSteps = 1
        var epochs = 1
        var maxSteps = 0
        var learningRate: Float = 2e-4
        var warmupRatio = 0.1
        var schedule = "linear"
        var weightDecay: Float = 0
        var maxGradNorm: Float = 1
        var seed = 42
        var scale: Float = 20
        var symmetric = false
        var maskDuplicates = true
        var maxSeqLength = 256
        /// BERT's dropout in training (hidden states; attention probabilities); negative: the model's config.json
        /// (hidden_dropout_prob, attention_probs_dropout_prob), as a Hugging Face model in train mode.
        var hiddenDropout: Float = -1
        var attentionDropout: Float = -1
        var checkpointEvery = 50
        var evalEvery = 50
        enum CodingKeys: String, CodingKey {
            case batchSize = "batch_size", miniBatchSize = "mini_batch_size"
            case gradientAccumulationSteps = "gradient_accumulation_steps", epochs, maxSteps = "max_steps"
            case learningRate = "learning_rate", warmupRatio = "warmup_ratio", schedule, weightDecay = "weight_decay"
            case maxGradNorm = "max_grad_norm", seed, scale, symmetric, maskDuplicates = "mask_duplicates"
            case maxSeqLength = "max_seq_length", checkpointEvery = "checkpoint_every", evalEvery = "eval_every"
            case hiddenDropout = "hidden_dropout", attentionDropout = "attention_dropout"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, outputDir = "output_dir", model, data, lora, training
    }

    /// The trainer's settings.
    func settings() throws -> EncoderTrainingSettings {
        var s = EncoderTrainingSettings()
        let t = training
        s.batchSize = t.batchSize
        s.miniBatchSize = t.miniBatchSize > 0 ? t.miniBatchSize : nil
        s.gradientAccumulationSteps = t.gradientAccumulationSteps
        s.epochs = t.epochs
        s.maxSteps = t.maxSteps > 0 ? t.maxSteps : nil
        s.learningRate = t.learningRate
        s.warmupRatio = t.warmupRatio
        guard let schedule = EncoderTrainingSettings.LearningRateScheduleKind(rawValue: t.schedule) else {
            throw RunConfigError(description: "training.schedule '\(t.schedule)': use linear, cosine or constant")
        }
        s.schedule = schedule
        s.weightDecay = t.weightDecay
        s.maxGradNorm = t.maxGradNorm > 0 ? t.maxGradNorm : nil
        s.seed = UInt64(t.seed)
        s.scale = t.scale
        s.symmetric = t.symmetric
        s.maskDuplicates = t.maskDuplicates
        s.maxSeqLength = t.maxSeqLength
        s.hiddenDropout = t.hiddenDropout < 0 ? nil : t.hiddenDropout
        s.attentionDropout = t.attentionDropout < 0 ? nil : t.attentionDropout
        s.checkpointEvery = max(1, t.checkpointEvery)
        s.evalEvery = t.evalEvery > 0 ? t.evalEvery : nil
        guard s.batchSize > 1 else { throw RunConfigError(description: "training.batch_size must be at least 2 (in-batch negatives)") }
        guard s.gradientAccumulationSteps > 0, s.epochs > 0 else {
            throw RunConfigError(description: "training.gradient_accumulation_steps and epochs must be positive")
        }
        return s
    }
}
