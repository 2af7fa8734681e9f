import Foundation
import Retrieval
import SemanticSearch

/// Where an evaluation's shots come from: the train file (fixed, random) or an index searched with its encoder
/// (retrieved). The command line and the server open it the same way, and it records itself in the run settings.
public struct ShotSource {
    public let selection: ShotSelection
    public let seed: UInt64
    /// The train file as given (recorded in run.json for fixed and random shots).
    public let trainData: String
    public private(set) var selector: ShotSelector?
    public private(set) var retriever: ShotRetriever?

    /// Nothing is opened for zero shots. Fixed and random shots read `trainData`; retrieved ones open index
    /// `index` in `indexDirectory` with `encoder` (nil: the index's own model) and its `encoderAdapter`, whose
    /// fingerprint must match the index's.
    public init(selection: ShotSelection, shots: Int, seed: UInt64, trainData: String, index: String, indexDirectory: URL,
                encoder: String?, encoderAdapter: String?) throws {
        self.selection = selection
        self.seed = seed
        self.trainData = trainData
        guard shots > 0 else { return }
        switch selection {
        case .fixed, .random:
            selector = ShotSelector(train: try GSM8KProblem.load(URL(fileURLWithPath: trainData)))
        case .retrieved:
            let searcher = try IndexSearcher(index: index, in: indexDirectory, model: encoder, adapter: encoderAdapter)
            retriever = try ShotRetriever(index: searcher.index, embedder: searcher.encoder)
        }
    }

    /// The shots of each question (test line numbers `indices`), in prompt order. `progress` hears how many
    /// questions were embedded (retrieved shots only; the others cost nothing).
    public func shots(for problems: [GSM8KProblem], indices: [Int], k: Int, progress: ((Int) -> Void)? = nil) throws -> [[GSM8KProblem]] {
        guard k > 0 else { return problems.map { _ in [] } }
        if let retriever { return try retriever.shots(for: problems.map(\.question), k: k, progress: progress) }
        let selector = selector!
        return zip(problems, indices).map { problem, i in
            selection == .random ? selector.random(k: k, seed: seed, questionIndex: i, excluding: problem.question)
                                 : selector.fixed(k: k, excluding: problem.question)
        }
    }

    /// Records where `settings.shots` shots come from: the train file (and seed), or the index, what it holds and
    /// its encoder.
    public func record(in settings: inout GSM8KRunSettings) {
        guard settings.shots > 0 else { return }
        switch selection {
        case .fixed: settings.trainData = trainData
        case .random: settings.trainData = trainData; settings.seed = seed
        case .retrieved:
            let index = retriever!.index
            settings.index = index.name
            settings.indexDocuments = index.count
            settings.indexEmbedded = index.metadata.embedded.rawValue
            settings.encoder = index.metadata.encoder
        }
    }
}
