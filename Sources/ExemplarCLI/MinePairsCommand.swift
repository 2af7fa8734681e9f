import ArgumentParser
import Encoder
import Foundation
import MathTasks
import ModelFormats
import Retrieval

struct MinePairsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mine-pairs",
        abstract: "Mine training pairs from GSM8K train without labels: shared calculator skeletons, perturbed variants, hard negatives.",
        discussion: """
            Reads the run config (see configs/pairs-gsm8k.yaml), holds out a fixed seeded split of the train problems \
            (never used by any rule) and writes output_dir/name/: pairs.jsonl (one pair a line: rule, ids, texts under \
            anchor/positive or anchor/negative, and the evidence: shared skeleton, substitutions made, cosine and both \
            skeletons), summary.json (counts per rule, skipped annotations, the most shared skeletons; also printed), \
            holdout.json (the held-out ids) and config.json. Files are written under temporary names and renamed.
            """)

    @Option(help: "Run config (YAML), e.g. configs/pairs-gsm8k.yaml.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key, e.g. --set variants.per_problem=4 --set hard_negatives.enabled=false. Repeatable.", valueName: "key=value"))
    var overrides: [String] = []

    @OptionGroup var cache: EmbeddingCacheOptions

    func run() throws {
        try reportingErrors {
            let start = Date()
            let cfg = try PairMiningConfig.load(path: config, overrides: overrides)
            let miner = try cfg.miner()
            let problems = try GSM8KProblem.load(URL(fileURLWithPath: cfg.train))
            guard cfg.holdout.size < problems.count else {
                throw RunConfigError(description: "holdout.size \(cfg.holdout.size) leaves none of the \(problems.count) problems of \(cfg.train) to mine")
            }
            let heldOut = GSM8KTrainSplit.holdoutLines(count: problems.count, size: cfg.holdout.size, seed: cfg.holdout.seed)
            log("\(problems.count) problems in \(cfg.train), \(heldOut.count) held out (seed \(cfg.holdout.seed))")
            let encoder = try cfg.hardNegatives.enabled ? cache.embedder(try SentenceEncoder(directory: URL(fileURLWithPath: cfg.model))) : nil

            var bar: (phase: PairMiner.Phase, bar: ProgressBar)?
            var phaseStart = Date()
            var seconds: [String: Double] = [:]
            let (pairs, summary) = try miner.mine(problems, heldOut: Set(heldOut), embedder: encoder) { phase, done, total in
                if bar?.phase != phase {
                    if let previous = bar {
                        previous.bar.finish()
                        seconds[previous.phase.rawValue] = Date().timeIntervalSince(phaseStart)
                    }
                    phaseStart = Date()
                    bar = (phase, ProgressBar(total: total, label: phase.rawValue, unit: phase == .embed ? "texts" : "problems"))
                }
                bar?.bar.update(done)
            }
            if let last = bar {
                last.bar.finish()
                seconds[last.phase.rawValue] = Date().timeIntervalSince(phaseStart)
            }

            let directory = URL(fileURLWithPath: cfg.outputDir).appendingPathComponent(cfg.name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try writeJSONLines(pairs, to: directory.appendingPathComponent("pairs.jsonl"))
            try writeJSON(HeldOutIDs(train: cfg.train, problems: problems.count, seed: cfg.holdout.seed, ids: heldOut),
                          to: directory.appendingPathComponent("holdout.json"))
            try writeJSON(cfg, to: directory.appendingPathComponent("config.json"))
            seconds["total"] = Date().timeIntervalSince(start)
            let report = Report(summary: summary, seconds: seconds.mapValues { ($0 * 10).rounded() / 10 })
            try writeJSON(report, to: directory.appendingPathComponent("summary.json"))
            let json = JSONEncoder()
            json.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try json.encode(report), as: UTF8.self))
            log("\(pairs.count) pairs (" + MinedPair.Rule.allCases.map { "\($0.rawValue) \(summary.pairs[$0.rawValue] ?? 0)" }
                .joined(separator: ", ") + ") in \(directory.path)/pairs.jsonl")
        }
    }

    /// holdout.json: the train lines no miner used, for a dev set built later (`GSM8KTrainSplit.holdoutLines`
    /// gives the same list from the count and seed).
    struct HeldOutIDs: Encodable {
        let train: String
        let problems: Int
        let seed: UInt64
        /// 0-based lines of `train`, ascending.
        let ids: [Int]
    }

    /// summary.json: the miner's summary and the seconds each phase took.
    struct Report: Encodable {
        let summary: PairMiningSummary
        let seconds: [String: Double]

        func encode(to encoder: Encoder) throws {
            try summary.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(seconds, forKey: Key(stringValue: "seconds"))
        }

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }
}

/// One JSON object a line (keys sorted), under a temporary name renamed into place.
func writeJSONLines<T: Encodable>(_ values: [T], to url: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let out = try AtomicFileOutput(path: url.path)
    var buffer: [UInt8] = []
    for value in values {
        buffer += try encoder.encode(value)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count > 1 << 20 { try out.write(buffer); buffer.removeAll(keepingCapacity: true) }
    }
    try out.write(buffer)
    try out.commit()
}
