import Foundation
import ModelFormats

extension DecoderModel {
    /// Writes a Hugging Face model directory of this Float32 model: `model.safetensors` (every parameter under its
    /// Hugging Face name), `config.json`, and the tokenizer files of `tokenizerDirectory` (tokenizer.json,
    /// tokenizer_config.json, chat_template.jinja, generation_config.json, special_tokens_map.json where present).
    /// Built in a temporary directory, then renamed over `directory`.
    public func saveModelDirectory(to directory: URL, tokenizerDirectory: URL) throws {
        guard weightFormat == .f32 else { throw ModelLoadingError.unsupported("saving \(weightFormat) weights (load as f32)") }
        guard loraLayers.isEmpty else { throw ModelLoadingError.unsupported("save a model with adapters: merge them first") }
        let fm = FileManager.default
        let staging = directory.deletingLastPathComponent().appendingPathComponent(".\(directory.lastPathComponent).partial")
        try? fm.removeItem(at: staging)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        for name in ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "generation_config.json", "special_tokens_map.json"] {
            let source = tokenizerDirectory.appendingPathComponent(name)
            if fm.fileExists(atPath: source.path) { try fm.copyItem(at: source, to: staging.appendingPathComponent(name)) }
        }
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for (name, p) in namedParameters {
            try withExtendedLifetime(p.value) {
                try writer.add(name, shape: p.value.shape, values: UnsafeBufferPointer(start: p.value.data, count: p.value.count))
            }
        }
        try writer.write(to: staging.appendingPathComponent("model.safetensors").path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var object = try JSONSerialization.jsonObject(with: encoder.encode(config)) as! [String: Any]
        object["architectures"] = [config.modelType == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"]
        object["hidden_act"] = "silu"
        object["torch_dtype"] = "float32"
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            .write(to: staging.appendingPathComponent("config.json"))
        try? fm.removeItem(at: directory)
        try fm.moveItem(at: staging, to: directory)
    }
}
