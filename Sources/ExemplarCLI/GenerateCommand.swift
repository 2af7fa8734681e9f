import ArgumentParser
import Decoder
import Foundation
import Tokenizers

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt with a decoder, streaming the text to stdout as tokens are produced.",
        discussion: """
            MODEL is a Hugging Face directory (config.json, model.safetensors, tokenizer files), a .gguf file with the \
            tokenizer files beside it, or a directory holding one .gguf (as scripts/fetch-models.sh leaves the proxies). \
            Greedy by default (--temperature 0); generation ends at the model's end tokens (eos, e.g. <|im_end|>), a \
            --stop string (not printed) or --max-new-tokens. A line of statistics goes to stderr: prompt and new \
            tokens, prefill and decode tokens/s.
            """)

    @Option(help: "Model: Hugging Face directory, .gguf file, or a directory holding one .gguf.")
    var model: String

    @Option(help: "PEFT LoRA adapter directory, merged into the weights at load.")
    var adapter: String?

    @Option(help: "Weight format: auto (gguf for a GGUF file, else f32), f32 (exact), int8, q4, nf4 (QLoRA's base, slow) or gguf (the file's own blocks, fastest).")
    var weights: DecoderWeightFormat = .auto

    @Flag(help: "Wrap the prompt as one user turn in the model's chat template (with the generation prompt).")
    var chat = false

    @Option(help: "System message before the user turn (with --chat).")
    var system: String?

    @Option(help: "Most tokens to generate.")
    var maxNewTokens = 256

    @Option(help: "Sampling temperature; 0 = greedy.")
    var temperature: Float = 0

    @Option(help: "Nucleus sampling: keep the smallest set of tokens whose probability reaches P (1 = off).")
    var topP: Float = 1

    @Option(help: "Sample among the K most likely tokens (0 = off).")
    var topK = 0

    @Option(help: "Random seed for sampling.")
    var seed: UInt64 = 0

    @Option(name: .customLong("stop"), help: ArgumentHelp("Stop before this text (repeatable).", valueName: "text"))
    var stopStrings: [String] = []

    @Argument(help: "The prompt.")
    var prompt: String

    func validate() throws {
        guard system == nil || chat else { throw ValidationError("--system needs --chat") }
        guard maxNewTokens > 0 else { throw ValidationError("--max-new-tokens must be positive") }
        guard temperature >= 0 else { throw ValidationError("--temperature must be ≥ 0") }
        guard topP > 0 && topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard topK >= 0 else { throw ValidationError("--top-k must be ≥ 0") }
    }

    func run() throws {
        try reportingErrors {
            let loadStart = Date()
            let lm = try LanguageModel.load(path: model, adapter: adapter.map { URL(fileURLWithPath: $0) }, weights: weights)
            let loadSeconds = Date().timeIntervalSince(loadStart)
            var input = prompt
            if chat {
                let messages = (system.map { [("system", $0)] } ?? []) + [("user", prompt)]
                input = try lm.chatTemplate().render(
                    messages: messages.map { JinjaValue.object([("role", .string($0.0)), ("content", .string($0.1))]) },
                    addGenerationPrompt: true)
            }
            let ids = try lm.encode(input)
            guard !ids.isEmpty else { throw ValidationError("the prompt is empty") }

            let request = TextGenerator.Request(
                prompt: ids, maxNewTokens: maxNewTokens,
                sampling: Sampling(temperature: temperature, topK: topK, topP: topP, seed: seed),
                stopTokens: lm.stopTokenIds, stopStrings: stopStrings)
            let stdout = FileHandle.standardOutput
            let start = DispatchTime.now().uptimeNanoseconds
            var firstToken: UInt64?
            // FileHandle writes go straight to the descriptor: each piece is visible as soon as it is decoded.
            let output = TextGenerator(model: lm.model).generate(
                [request], tokenizer: lm.tokenizer,
                onText: { _, piece in stdout.write(Data(piece.utf8)) },
                onToken: { _, _ in if firstToken == nil { firstToken = DispatchTime.now().uptimeNanoseconds } })[0]
            let end = DispatchTime.now().uptimeNanoseconds
            if isatty(STDOUT_FILENO) != 0 { stdout.write(Data("\n".utf8)) }

            let prefill = Double((firstToken ?? end) - start) / 1e9
            let decode = Double(end - (firstToken ?? end)) / 1e9
            let decodeRate = output.tokens.count > 1 && decode > 0 ? Double(output.tokens.count - 1) / decode : 0
            log(String(format: "prompt %d tokens, %d new tokens (%@); prefill %.1f tok/s, decode %.1f tok/s; model loaded in %.1f s",
                       ids.count, output.tokens.count, output.finishReason.rawValue as NSString,
                       Double(ids.count) / max(prefill, 1e-9), decodeRate, loadSeconds))
        }
    }
}
