import ArgumentParser
import Encoder
import Foundation
import ModelFormats
import MathTasks
import Retrieval
import Tensor

struct IndexBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Embed a corpus of solved problems and build the index NAME (NAME.faiss + NAME.sqlite).",
        discussion: """
            Reads the run config (see configs/index-gsm8k.yaml), embeds every document, adds the vectors to a FAISS \
            index made from the config's factory string, and stores documents and metadata (encoder fingerprint, \
            factory, counts) in SQLite. The new index replaces an older one of the same name only once it is complete: \
            a build killed at any moment leaves the previous index usable. For approximate factories (HNSW, IVF, PQ…) \
            it also reports recall@k against exact search.
            """)

    @Option(help: "Run config (YAML).")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key (nested keys with dots), e.g. --set factory=HNSW32 --set recall.count=100. Repeatable.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Directory of the indexes.")
    var indexDir = "indexes"

    @OptionGroup var cache: EmbeddingCacheOptions

    func run() throws {
        try reportingErrors {
            let stop = try IndexBuildStep.testStop()
            let settings = try IndexBuildConfig.load(path: config, overrides: overrides)
            try settings.validate(origin: overrides.isEmpty ? config : "\(config) with --set \(overrides.joined(separator: " "))")
            let documents = try SolvedProblemCorpus.load(path: settings.corpus, source: settings.source, split: settings.split)
            let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: settings.model),
                                              adapter: settings.adapter.isEmpty ? nil : URL(fileURLWithPath: settings.adapter))
            let options = IndexBuildOptions(
                factory: settings.factory, metric: settings.metric, embedded: settings.embed, modelPath: settings.model,
                corpus: settings.corpus, addBatchSize: settings.batchSize,
                efSearch: settings.efSearch > 0 ? settings.efSearch : nil, nprobe: settings.nprobe > 0 ? settings.nprobe : nil)

            let embedder = try cache.embedder(encoder)
            let builder = VectorIndexBuilder(embedder: embedder)
            if let stop { builder.afterStep = IndexBuildStep.killing(at: stop) }
            var bar: (phase: IndexBuildPhase, bar: ProgressBar)?
            builder.progress = { phase, done, total in
                if bar?.phase != phase {
                    bar?.bar.finish()
            if let cached = embedder as? CachingEmbedder { logCacheUse(cached, label: "embed") }
                    bar = (phase, ProgressBar(total: total, label: phase.rawValue, unit: phase == .embed ? "texts" : "vectors"))
                }
                bar?.bar.update(done)
            }
            let report = try builder.build(name: settings.name, in: URL(fileURLWithPath: indexDir), documents: documents, options: options)
            bar?.bar.finish()

            var summary = "index \(settings.name): \(report.metadata.documentCount) documents, \(report.metadata.dimension) dims, "
                + "\(settings.factory) (\(settings.metric.rawValue)), embedded \(settings.embed.rawValue); "
                + String(format: "%.1f s (embed %.1f s, FAISS %.2f s); ", report.totalSeconds, report.embedSeconds, report.faissSeconds)
                + "\(indexDir)/\(settings.name).faiss \(megabytes(report.faissBytes)), "
                + "\(indexDir)/\(settings.name).sqlite \(megabytes(report.databaseBytes))"
            if !options.isExact && settings.recall.count > 0 {
                let (queries, label) = try recallQueries(settings, encoder: encoder, report: report)
                let recall = try ApproximateRecall.measure(approximate: report.index, vectors: report.vectors, ids: report.ids,
                                                           queries: queries, k: settings.recall.k)
                summary += String(format: "; recall@%d vs exact search %.4f over %d %@", settings.recall.k, recall, queries.rows, label)
            }
            print(summary)
        }
    }

    /// The recall check's queries: the config's query file, or corpus documents spread evenly.
    private func recallQueries(_ settings: IndexBuildConfig, encoder: SentenceEncoder, report: IndexBuildReport) throws -> (Tensor, String) {
        if settings.recall.queries.isEmpty {
            return (ApproximateRecall.sample(report.vectors, count: settings.recall.count), "corpus documents")
        }
        let texts = try JSONLines.readStrings(URL(fileURLWithPath: settings.recall.queries), field: settings.recall.field)
        return (try encoder.embed(Array(texts.prefix(settings.recall.count))), "queries from \(settings.recall.queries)")
    }
}

func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
