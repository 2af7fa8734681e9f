import Encoder
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

    enum CodingKeys: String, CodingKey {
        case name, outputDir = "output_dir", model, data, lora, training
    }

    /// The trainer's settings, checked.
    func settings() throws -> EncoderTrainingSettings {
        do { try training.validate() } catch let error as InvalidSetting {
            throw RunConfigError(description: error.description)
        }
        return training
    }
}
