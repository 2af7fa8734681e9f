import Decoder
import Foundation
import MathTasks

/// `exemplar eval gsm8k`'s run config (configs/eval-gsm8k.yaml); keys are the YAML names, and the command's flags
/// set the same fields. Empty strings and zeros mean "not set" (run configs have no nulls).
struct EvalGSM8KConfig: RunConfig, Equatable {
    /// Decoder: Hugging Face directory, .gguf file, or a directory holding one .gguf.
    var model = ""
    /// PEFT LoRA adapter merged into the decoder ("" = none).
    var adapter = ""
    /// How the decoder keeps its weights (auto: gguf for a GGUF file, f32 for an HF directory; f32, int8, q4, nf4, gguf).
    var weights = DecoderWeightFormat.auto
    var testData = "data/gsm8k/test.jsonl"
    /// Train problems for fixed and random shots.
    var trainData = "data/gsm8k/train.jsonl"
    /// The first N test questions (0 = all).
    var limit = 0
    var shots = 4
    var shotSelection = ShotSelection.fixed
    /// Seed of the random selection.
    var seed = 1234
    /// Retrieved shots: index name and directory, and the encoder that embeds the questions ("" = the model the
    /// index was built with; its fingerprint must match the index's either way).
    var index = "gsm8k-train"
    var indexDir = "indexes"
    var encoder = ""
    var encoderAdapter = ""
    var promptFormat = PromptFormat.auto
    /// Questions generated together.
    var batchSize = 8
    var maxNewTokens = 320
    /// Output directory ("" = runs/gsm8k/<model>-<selection>-<shots>shot).
    var out = ""
    /// A remote OpenAI-compatible server to generate on ("" = load the weights here), and the model id sent to it
    /// ("" = the model's file or directory name).
    var decoderURL = ""
    var decoderModel = ""

    enum CodingKeys: String, CodingKey {
        case model, adapter, weights, testData = "test_data", trainData = "train_data", limit, shots
        case shotSelection = "shot_selection", seed, index, indexDir = "index_dir", encoder
        case encoderAdapter = "encoder_adapter", promptFormat = "prompt_format", batchSize = "batch_size"
        case maxNewTokens = "max_new_tokens", out, decoderURL = "decoder_url", decoderModel = "decoder_model"
    }

    /// The server and model id of `decoder_url`, nil when generating locally.
    var remoteDecoder: (url: URL, model: String)? {
        guard !decoderURL.isEmpty, let url = URL(string: decoderURL) else { return nil }
        var name = URL(fileURLWithPath: model).standardized.lastPathComponent
        if name.hasSuffix(".gguf") { name.removeLast(".gguf".count) }
        return (url, decoderModel.isEmpty ? name : decoderModel)
    }

    /// Problems the loaders cannot see: missing and out-of-range values.
    func validate(origin: String) throws {
        func fail(_ message: String) -> RunConfigError { RunConfigError(description: "\(origin): \(message)") }
        guard !model.isEmpty else { throw fail("model is required (--model or model: in the config)") }
        guard shots >= 0, limit >= 0 else { throw fail("shots and limit must be ≥ 0") }
        guard batchSize > 0, maxNewTokens > 0 else { throw fail("batch_size and max_new_tokens must be positive") }
        guard seed >= 0 else { throw fail("seed must be ≥ 0") }
        if shotSelection == .retrieved && shots > 0 && index.isEmpty { throw fail("retrieved shots need an index") }
        if !decoderURL.isEmpty {
            guard let url = URL(string: decoderURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw fail("decoder_url must be an http(s) URL such as http://127.0.0.1:8080/v1, not '\(decoderURL)'")
            }
            guard adapter.isEmpty && weights == .auto else {
                throw fail("adapter and weights belong to the server of decoder_url, not to this command")
            }
        }
    }

    /// The output directory: `out`, or one named after the model and the shot setting.
    var outputDirectory: String {
        guard out.isEmpty else { return out }
        var name = URL(fileURLWithPath: model).lastPathComponent
        if name.hasSuffix(".gguf") { name.removeLast(".gguf".count) }
        if weights != .f32 && weights != .auto { name += "-\(weights.rawValue)" }
        if !decoderURL.isEmpty { name += "-remote" }
        return "runs/gsm8k/\(name)-" + (shots == 0 ? "0shot" : "\(shotSelection.rawValue)-\(shots)shot")
    }
}
