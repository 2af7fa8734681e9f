import Encoder
import MathTasks
import ModelFormats
import Training

/// `exemplar train-encoder`'s run config (configs/encoder-gsm8k.yaml); keys are the YAML names. The `training:`
/// section is `EncoderTrainingSettings` itself.
struct EncoderTrainingConfig: RunConfig, Equatable {
    /// Outputs go to `output_dir/name/`.
    var name = "encoder-lora"
    var outputDir = "runs"
    var model = "models/all-MiniLM-L6-v2"
    var data = DataSection()
    var lora = LoRASection(r: 8, alpha: 16, dropout: 0.1,
                           targetModules: .pattern(#".*encoder\.layer\.\d+\..*(query|key|value|dense)$"#))
    /// The trainer's own settings type: a new field there is a config key here, with no copy to keep in step.
    var training = EncoderTrainingSettings()

    struct DataSection: Codable, Equatable {
        /// gsm8k: anchor = question, positive = solution, from `path`/gsm8k/train.jsonl;
        /// pairs: a JSON Lines file of {anchor, positive[, negative]} (`PairsFile`: mine-pairs' pairs.jsonl, its
        /// hard-negative lines joined to pairs of the same anchor).
        var source = "gsm8k"
        var path = "data"
        /// pairs only: the data directory holding gsm8k/train.jsonl, for the held-out split, the question → solution
        /// mix and the evaluations.
        var gsm8kDirectory = "data"
        /// pairs only: GSM8K train question → solution pairs added per pair of the file (0: none; 0.5: one for every
        /// two), drawn with the training seed from the problems not held out, at most all of them.
        var qaRatio = 0.0
        /// Train on the complement of `GSM8KTrainSplit`'s held-out 500 and validate on them (false: all 7473 pairs,
        /// the peer's setting). With pairs, a file that uses a held-out problem (by id or text) is refused.
        var holdout = true
        /// Evaluate retrieval at each evaluation (with holdout) on this built-in task: gsm8k-train-holdout, or
        /// gsm8k-variants-holdout for question ↔ question training.
        var evaluateRetrieval = true
        var evaluateTask = BuiltinTask.gsm8kTrainHoldout.rawValue
        enum CodingKeys: String, CodingKey {
            case source, path, gsm8kDirectory = "gsm8k_dir", qaRatio = "qa_ratio", holdout
            case evaluateRetrieval = "evaluate_retrieval", evaluateTask = "evaluate_task"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, outputDir = "output_dir", model, data, lora, training
    }

    /// The trainer's settings, checked.
    func settings() throws -> EncoderTrainingSettings {
        do { try training.validate() } catch let error as InvalidSetting {
            throw RunConfigError(description: error.description)
        }
        guard ["gsm8k", "pairs"].contains(data.source) else {
            throw RunConfigError(description: "data.source '\(data.source)': use gsm8k or pairs")
        }
        guard data.qaRatio >= 0, data.qaRatio.isFinite else {
            throw RunConfigError(description: "data.qa_ratio: must be a finite number ≥ 0, got \(data.qaRatio)")
        }
        guard data.qaRatio == 0 || data.source == "pairs" else {
            throw RunConfigError(description: "data.qa_ratio: mixes question → solution pairs into data.source pairs only")
        }
        let holdoutTasks = [BuiltinTask.gsm8kTrainHoldout, .gsm8kVariantsHoldout].map(\.rawValue)
        guard holdoutTasks.contains(data.evaluateTask) else {
            throw RunConfigError(description: "data.evaluate_task '\(data.evaluateTask)': use \(holdoutTasks.joined(separator: " or ")) (tasks on the held-out problems only)")
        }
        return training
    }
}
