import Foundation

/// The result of an evaluation run: accuracy per extractor over the finished questions, with the time and tokens the
/// generation took (summed over batches, so a resumed run counts each question once). Written as `summary.json`
/// (this struct, snake_case keys) and `summary.md` (`markdown`).
public struct GSM8KSummary: Codable, Equatable, Sendable {
    /// e.g. "retrieved 4-shot (gsm8k-train), chat".
    public var setting: String
    public var model: String
    public var adapter: String
    /// Questions finished, and asked for (`--limit`, or the whole test file).
    public var n: Int
    public var questions: Int
    /// correct / n per extractor (0 when n is 0).
    public var accuracy: [String: Double]
    public var correct: [String: Int]
    public var wallSeconds: Double
    public var newTokens: Int
    public var tokensPerSecond: Double
    public var meanPromptTokens: Double
    public var meanNewTokens: Double
    /// Outputs cut by max_new_tokens.
    public var hitMaxNewTokens: Int
    public var maxNewTokens: Int

    enum CodingKeys: String, CodingKey {
        case setting, model, adapter, n, questions, accuracy, correct, wallSeconds = "wall_seconds", newTokens = "new_tokens"
        case tokensPerSecond = "tokens_per_second", meanPromptTokens = "mean_prompt_tokens", meanNewTokens = "mean_new_tokens"
        case hitMaxNewTokens = "hit_max_new_tokens", maxNewTokens = "max_new_tokens"
    }

    public init(predictions: [GSM8KPrediction], questions: Int, settings: GSM8KRunSettings, format: PromptFormat) {
        setting = Self.describe(settings, format: format)
        model = settings.model
        adapter = settings.adapter
        n = predictions.count
        self.questions = questions
        var accuracy: [String: Double] = [:], correct: [String: Int] = [:]
        for extractor in AnswerExtraction.Extractor.allCases {
            let c = predictions.filter { $0.isCorrect(extractor) }.count
            correct[extractor.rawValue] = c
            accuracy[extractor.rawValue] = n > 0 ? Double(c) / Double(n) : 0
        }
        self.accuracy = accuracy
        self.correct = correct
        wallSeconds = predictions.reduce(0) { $0 + $1.seconds }
        newTokens = predictions.reduce(0) { $0 + $1.newTokens }
        tokensPerSecond = wallSeconds > 0 ? Double(newTokens) / wallSeconds : 0
        meanPromptTokens = n > 0 ? Double(predictions.reduce(0) { $0 + $1.promptTokens }) / Double(n) : 0
        meanNewTokens = n > 0 ? Double(newTokens) / Double(n) : 0
        hitMaxNewTokens = predictions.filter { $0.finishReason == "length" }.count
        maxNewTokens = settings.maxNewTokens
    }

    /// "fixed 4-shot, chat", "random 8-shot (seed 7), plain", "retrieved 4-shot (gsm8k-train), chat", "0-shot, chat".
    public static func describe(_ s: GSM8KRunSettings, format: PromptFormat) -> String {
        let weights = s.weights.map { ", \($0.rawValue) weights" } ?? ""
        guard s.shots > 0 else { return "0-shot, \(format.rawValue)\(weights)" }
        let source: String
        switch s.shotSelection {
        case .fixed: source = ""
        case .random: source = " (seed \(s.seed))"
        case .retrieved: source = " (\(s.index))"
        }
        return "\(s.shotSelection.rawValue) \(s.shots)-shot\(source), \(format.rawValue)\(weights)"
    }

    /// A Markdown table (one row) and a line of details.
    public var markdown: String {
        let extractors = AnswerExtraction.Extractor.allCases.map(\.rawValue)
        func cell(_ e: String) -> String { String(format: "%.1f %% (%d)", 100 * (accuracy[e] ?? 0), correct[e] ?? 0) }
        let modelName = URL(fileURLWithPath: model).lastPathComponent + (adapter.isEmpty ? "" : " + \(URL(fileURLWithPath: adapter).lastPathComponent)")
        var lines = ["# GSM8K", ""]
        lines.append("| setting | model | n | " + extractors.joined(separator: " | ") + " | wall time | tokens/s |")
        lines.append("|---|---|---|" + extractors.map { _ in "---|" }.joined() + "---|---|")
        lines.append("| \(setting) | \(modelName) | \(n) | " + extractors.map(cell).joined(separator: " | ")
                     + " | \(Self.clock(wallSeconds)) | \(String(format: "%.1f", tokensPerSecond)) |")
        lines.append("")
        lines.append("\(n) of \(questions) questions; accuracy = correct / questions done. Prompts \(Int(meanPromptTokens.rounded())) "
                     + "tokens on average, outputs \(Int(meanNewTokens.rounded())); \(hitMaxNewTokens) stopped at max_new_tokens "
                     + "(\(maxNewTokens)). Greedy decoding; extraction as lm-evaluation-harness's gsm8k (strict-match, "
                     + "flexible-extract) plus the last \\boxed{}.")
        return lines.joined(separator: "\n") + "\n"
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
