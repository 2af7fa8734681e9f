import ArgumentParser
import Decoder
import Encoder
import Foundation

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Fold a LoRA adapter into its base model and write a full model directory.",
        discussion: """
            The output loads in sentence-transformers / transformers like the base model, with W + (alpha/r)·B·A as \
            weights. Works for the encoder (a sentence-transformers directory) and for decoders (an HF directory or a \
            GGUF file, written out as a Float32 HF directory with its tokenizer files).
            """)

    @Option(help: "Base model: an encoder directory, or a decoder directory / .gguf file.")
    var model = "models/all-MiniLM-L6-v2"

    @Option(help: "PEFT LoRA adapter directory.")
    var adapter: String

    @Option(help: "Output model directory (replaced if it exists).")
    var output: String

    func run() throws {
        try reportingErrors {
            if try isDecoder(model) {
                let language = try LanguageModel.load(path: model, adapter: URL(fileURLWithPath: adapter), weights: .f32)
                try language.model.saveModelDirectory(to: URL(fileURLWithPath: output),
                                                      tokenizerDirectory: LanguageModel.tokenizerDirectory(forModel: language.path))
                FileHandle.standardError.write(Data("merged \(adapter) into \(language.path) → \(output)\n".utf8))
                return
            }
            let base = URL(fileURLWithPath: model)
            let encoder = try SentenceEncoder(directory: base, adapter: URL(fileURLWithPath: adapter))
            try encoder.model.mergeLoRA()
            try encoder.model.saveModelDirectory(to: URL(fileURLWithPath: output), copyingFrom: base)
            FileHandle.standardError.write(Data("merged \(adapter) into \(model) → \(output)\n".utf8))
        }
    }

    /// A .gguf file, a directory holding one, or a directory whose config.json names a Llama / Qwen2 model.
    private func isDecoder(_ path: String) throws -> Bool {
        let resolved = LanguageModel.resolveModelPath(path)
        if resolved.hasSuffix(".gguf") { return true }
        let config = URL(fileURLWithPath: path).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: config.path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return ["qwen2", "llama"].contains(object["model_type"] as? String ?? "")
    }
}
