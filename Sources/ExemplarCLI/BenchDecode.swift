import ArgumentParser
import Decoder
import Foundation
import ModelFormats
import NN
import Tensor
import Tokenizers

struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Greedy decode and prefill tokens/s of a decoder (same protocol as the Python peer), as JSON.",
        discussion: """
            The protocol of ../shared/peers/decoder/bench_decode.py, so the figures compare one to one. Batch 1: the \
            first GSM8K test question as the user turn of the model's chat template, exactly --new-tokens generated \
            (no stop token). Batch B: test questions 0..<B, each its own length (packed, no padding). \
            decode tok/s = B·(new − 1) / (time from the first generated token to the last), e2e tok/s = B·new / \
            wall time of the whole generation (prefill included). Prefill: one forward over the chat template of \
            test questions 0…i joined by blank lines, cut to exactly --prefill-tokens tokens, computing the logits of \
            the last position only. Each figure is the median of --runs runs after one warm-up run.
            """)

    @Option(help: "A .gguf file, a directory holding one (with tokenizer.json beside it), or a Hugging Face directory.")
    var model = "models/Qwen2.5-Coder-0.5B-Instruct"

    @Option(help: "Weight format: auto (gguf for a GGUF file, else f32), f32 (exact), int8, q4, gguf (the file's own blocks) or nf4 (QLoRA's base; slow).")
    var weights: DecoderWeightFormat = .auto

    @Option(help: "Batch sizes to time, comma-separated.")
    var batch = "1,8"

    @Option(help: "Tokens generated per sequence.")
    var newTokens = 128

    @Option(help: "Prompt length of the prefill measurement (0 skips it).")
    var prefillTokens = 1000

    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs = 3

    @Option(help: "Directory with GSM8K test.jsonl.")
    var data = "data/gsm8k"

    func validate() throws {
        guard newTokens >= 2 else { throw ValidationError("--new-tokens must be at least 2 (decode tok/s times tokens 2…N)") }
        guard runs >= 1, prefillTokens >= 0 else { throw ValidationError("--runs must be positive, --prefill-tokens ≥ 0") }
    }

    func run() throws {
        try reportingErrors {
            let batches = try batch.split(separator: ",").map { part -> Int in
                guard let b = Int(part.trimmingCharacters(in: .whitespaces)), b > 0 else {
                    throw ValidationError("--batch: '\(part)' is not a positive integer")
                }
                return b
            }
            let files = try DecoderFiles(model)
            let tokenizer = try Tokenizer.load(directory: files.tokenizerDirectory)
            let template = try TokenizerConfig.load(directory: files.tokenizerDirectory).chatTemplate()
            var model: DecoderModel!
            let loadSeconds = try timed { model = try DecoderModel.load(path: files.weights, weights: weights) }
            let questions = try JSONLines.readStrings(URL(fileURLWithPath: "\(data)/test.jsonl"), field: "question")
            func chatPrompt(_ question: String) throws -> [Int32] {
                let text = try template.render(messages: [["role": "user", "content": .string(question)]], addGenerationPrompt: true)
                return try tokenizer.encode(text, addSpecialTokens: false).ids
            }
            var result: [String: Any] = [
                "benchmark": "decode", "model": files.weights, "weights": model.weightFormat.rawValue, "blas_core": BLAS.coreName,
                "cores": Parallel.workers, "load_s": round(loadSeconds, 2), "new_tokens": newTokens,
                "weight_MiB": round(Double(model.weightBytes) / 1_048_576, 1),
            ]
            if model.weightFormat == .gguf { result["gguf_kernel"] = "\(GGUFKernel.best)" }
            let generator = TextGenerator(model: model)
            for b in batches {
                let prompts = try questions.prefix(b).map(chatPrompt)
                let measure = { () -> (wall: Double, decode: Double, first: Double) in
                    var first: UInt64 = 0, last: UInt64 = 0
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let requests = prompts.map { TextGenerator.Request(prompt: $0, maxNewTokens: self.newTokens) }
                    let outputs = generator.generate(requests, onToken: { s, _ in
                        // Every sequence is active at every step (no stop tokens): time each step once, at sequence 0.
                        guard s == 0 else { return }
                        last = DispatchTime.now().uptimeNanoseconds
                        if first == 0 { first = last }
                    })
                    let t1 = DispatchTime.now().uptimeNanoseconds
                    precondition(outputs.allSatisfy { $0.tokens.count == self.newTokens }, "a sequence stopped early")
                    return (Double(t1 - t0) / 1e9, Double(last - first) / 1e9, Double(first - t0) / 1e9)
                }
                _ = measure()
                let timings = (0..<runs).map { _ in measure() }
                let tokens = Double(b * newTokens), steps = Double(b * (newTokens - 1))
                let entry: [String: Any] = [
                    "prompt_tokens": prompts.map(\.count),
                    "runs": timings.map { [round($0.wall, 3), round($0.decode, 3), round($0.first, 3)] },
                    "e2e_tok_s": round(tokens / median(timings.map(\.wall)), 2),
                    "decode_tok_s": round(steps / median(timings.map(\.decode)), 2),
                    "first_token_s": round(median(timings.map(\.first)), 3),
                ]
                result["bs\(b)"] = entry
                FileHandle.standardError.write(Data("bs\(b): \(entry)\n".utf8))
            }
            if prefillTokens > 0 {
                var ids: [Int32] = []
                for i in questions.indices {
                    ids = try chatPrompt(questions[...i].joined(separator: "\n\n"))
                    if ids.count >= prefillTokens { break }
                }
                guard ids.count >= prefillTokens else { throw ValidationError("the test questions give only \(ids.count) prompt tokens") }
                ids = Array(ids.prefix(prefillTokens))
                let prefill = { () -> Double in
                    timed {
                        let cache = model.makeCache(capacity: ids.count)
                        let hidden = model.forward(ids, layout: PackedSequences(lengths: [ids.count]), caches: [cache])
                        let last = Tensor(uninitializedShape: [1, hidden.columns])
                        last.data.update(from: hidden.row(ids.count - 1), count: hidden.columns)
                        _ = model.logits(last)
                    }
                }
                _ = prefill()
                let times = (0..<runs).map { _ in prefill() }
                let entry: [String: Any] = ["tokens": ids.count, "runs_s": times.map { round($0, 3) },
                                            "tok_s": round(Double(ids.count) / median(times), 1)]
                result["prefill"] = entry
                FileHandle.standardError.write(Data("prefill: \(entry)\n".utf8))
            }
            result["peak_rss_MiB"] = round(Double(peakResidentBytes()) / 1_048_576, 1)
            printJSON(result)
        }
    }
}

/// Where a decoder's weights and tokenizer files are, from a `--model` path: a .gguf file (tokenizer files in its
/// directory), a directory holding exactly one .gguf, or a Hugging Face directory (config.json + safetensors).
struct DecoderFiles {
    let weights: String
    let tokenizerDirectory: URL

    init(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        if path.hasSuffix(".gguf") {
            weights = path
            tokenizerDirectory = url.deletingLastPathComponent()
            return
        }
        let fm = FileManager.default
        guard fm.fileExists(atPath: path) else { throw ValidationError("\(path): no such file or directory") }
        tokenizerDirectory = url
        if fm.fileExists(atPath: url.appendingPathComponent("config.json").path) {
            weights = path
            return
        }
        let ggufs = try fm.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".gguf") }
        guard ggufs.count == 1 else {
            throw ValidationError("\(path): expected config.json or exactly one .gguf file, found \(ggufs.count) .gguf files")
        }
        weights = url.appendingPathComponent(ggufs[0]).path
    }
}

/// x rounded to `digits` decimals, for JSON output.
func round(_ x: Double, _ digits: Int) -> Double {
    let p = pow(10, Double(digits))
    return (x * p).rounded() / p
}

/// The process's peak resident set (getrusage's ru_maxrss: KiB on Linux, bytes on macOS).
func peakResidentBytes() -> Int {
    var usage = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Int(usage.ru_maxrss) * 1024
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Int(usage.ru_maxrss)
    #endif
}
