import Decoder
import Foundation
import Tokenizers

/// The decoder behind /v1/completions and /v1/chat/completions: the language model as `exemplar generate` loads it,
/// its id as clients name it, and the scheduler that batches its requests.
final class ServedDecoder: @unchecked Sendable {
    let model: LanguageModel
    let modelID: String
    /// nil when the model has none (chat requests are then refused).
    let chatTemplate: ChatTemplate?
    let scheduler: GenerationScheduler
    /// Most tokens a request may generate.
    let maxTokens: Int

    /// Loads the model and generates one token, so the first request does not pay for first-touch page faults.
    init(_ section: ServiceConfiguration.DecoderSection, metrics: ServiceMetrics) throws {
        let model = try LanguageModel.load(path: section.model, adapter: section.adapter.isEmpty ? nil : URL(fileURLWithPath: section.adapter),
                                           weights: section.weights)
        _ = TextGenerator(model: model.model).generate([.init(prompt: try model.encode("warm-up"), maxNewTokens: 1)])
        self.model = model
        chatTemplate = model.hasChatTemplate ? try model.chatTemplate() : nil
        modelID = section.servedID
        maxTokens = section.maxTokens
        scheduler = GenerationScheduler(model: model, maxBatch: section.maxBatch, maxWaiting: section.maxWaiting, metrics: metrics)
    }

    var contextLength: Int { model.model.config.maxPositionEmbeddings }
}
