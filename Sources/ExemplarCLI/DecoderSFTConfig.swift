import Decoder
import Training

/// `exemplar train-decoder`'s (and `export sft`'s) run config (configs/sft-gsm8k.yaml); keys are the YAML names. The
/// `training:` section is `SFTTrainingSettings` itself; LoRA defaults are those TRL + PEFT users expect (r 16,
/// alpha 32, dropout 0.05 on the seven projections).
struct DecoderSFTConfig: RunConfig, Equatable {
    /// Outputs go to `output_dir/name/`.
    var name = "sft-gsm8k"
    var outputDir = "runs"
    /// An HF directory, a .gguf file, or a directory holding one (dequantised to Float32 for LoRA, NF4 for QLoRA).
    var model = "models/Qwen2.5-Coder-0.5B-Instruct"
    var data = DataSection()
    var lora = LoRASection(r: 16, alpha: 32, dropout: 0.05, targetModules: .names(DecoderModel.loraTargetModules))
    /// Start from this PEFT adapter instead of a fresh one (its r, lora_alpha and target_modules must be lora's).
    var initAdapter: String? = nil
    var training = SFTTrainingSettings()

    struct DataSection: Codable, Equatable {
        /// A JSON Lines file with GSM8K's `question` and `answer` fields.
        var train = "data/gsm8k/train.jsonl"
        /// Problems held out of `train` for validation (drawn with `validation_seed`; never the test set).
        var validationSize = 200
        var validationSeed = 1234
        /// Train on the first this many of the remaining problems (null: all).
        var limit: Int? = nil
        enum CodingKeys: String, CodingKey {
            case train, validationSize = "validation_size", validationSeed = "validation_seed", limit
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, outputDir = "output_dir", model, data, lora, initAdapter = "init_adapter", training
    }

    /// The trainer's settings, checked, and the data keys.
    func settings() throws -> SFTTrainingSettings {
        do { try training.validate() } catch let error as InvalidSetting {
            throw RunConfigError(description: error.description)
        }
        guard data.validationSize >= 0 else { throw RunConfigError(description: "data.validation_size must not be negative") }
        guard (data.limit ?? 1) > 0 else { throw RunConfigError(description: "data.limit must be positive or null (all)") }
        return training
    }
}
