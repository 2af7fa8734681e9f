import Encoder
import Foundation
import MathTasks
import Retrieval

/// Where the shots come from: the train file (fixed, random) or an index with its encoder (retrieved).
struct ShotSources {
    let selection: ShotSelection
    let seed: UInt64
    var selector: ShotSelector?
    var retriever: ShotRetriever?

    init(_ cfg: EvalGSM8KConfig) throws {
        selection = cfg.shotSelection
        seed = UInt64(cfg.seed)
        guard cfg.shots > 0 else { return }
        switch cfg.shotSelection {
        case .fixed, .random:
            selector = ShotSelector(train: try GSM8KProblem.load(URL(fileURLWithPath: cfg.trainData)))
        case .retrieved:
            let index = try VectorIndex.open(cfg.index, in: URL(fileURLWithPath: cfg.indexDir))
            let encoderPath = cfg.encoder.isEmpty ? index.metadata.modelPath : cfg.encoder
            let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: encoderPath),
                                              adapter: cfg.encoderAdapter.isEmpty ? nil : URL(fileURLWithPath: cfg.encoderAdapter))
            retriever = try ShotRetriever(index: index, embedder: encoder)
        }
    }

    /// The shots of each question (test line numbers `indices`), in prompt order.
    func shots(for problems: [GSM8KProblem], indices: [Int], k: Int) throws -> [[GSM8KProblem]] {
        guard k > 0 else { return problems.map { _ in [] } }
        if let retriever {
            let bar = ProgressBar(total: problems.count, label: "retrieve", unit: "questions")
            defer { bar.finish() }
            return try retriever.shots(for: problems.map(\.question), k: k) { bar.update($0) }
        }
        let selector = selector!
        return zip(problems, indices).map { problem, i in
            selection == .random ? selector.random(k: k, seed: seed, questionIndex: i, excluding: problem.question)
                                 : selector.fixed(k: k, excluding: problem.question)
        }
    }
}
