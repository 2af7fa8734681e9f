import Decoder
import Foundation
import Retrieval

/// What decides an evaluation's outputs, recorded in `run.json`: a run directory continues only with the same
/// settings, so its predictions all answer the same experiment. Speed settings (batch size) and how many questions
/// to do (`--limit`) are not part of it: a run can be extended or resumed with others.
public struct GSM8KRunSettings: Codable, Equatable, Sendable {
    public var model: String
    /// PEFT LoRA adapter merged into the decoder ("" = none) and the SHA-256 of its weights.
    public var adapter: String
    public var adapterSHA256: String
    /// The decoder's weight format when not Float32 (nil = f32, also for runs recorded before formats existed).
    public var weights: DecoderWeightFormat?
    public var testData: String
    /// As requested (auto stays auto: the same model resolves it the same way).
    public var promptFormat: PromptFormat
    public var shots: Int
    public var shotSelection: ShotSelection
    /// fixed / random: the train problems file; "" otherwise.
    public var trainData: String
    /// random: the seed; 0 otherwise.
    public var seed: UInt64
    /// retrieved: the index, what it holds and the encoder that embedded it; empty otherwise. (Not the build id: a
    /// rebuild of the same config finds the same shots.)
    public var index: String
    public var indexDocuments: Int
    public var indexEmbedded: String
    public var encoder: EncoderFingerprint?
    public var maxNewTokens: Int
    /// The remote server that generated ("URL (model id)"; nil: this process, with the weights above).
    public var decoderURL: String?

    enum CodingKeys: String, CodingKey {
        case model, adapter, adapterSHA256 = "adapter_sha256", weights, testData = "test_data", promptFormat = "prompt_format"
        case shots, shotSelection = "shot_selection", trainData = "train_data", seed, index
        case indexDocuments = "index_documents", indexEmbedded = "index_embedded", encoder, maxNewTokens = "max_new_tokens"
        case decoderURL = "decoder_url"
    }

    public init(model: String, adapter: String = "", adapterSHA256: String = "", weights: DecoderWeightFormat? = nil,
                testData: String, promptFormat: PromptFormat,
                shots: Int, shotSelection: ShotSelection, trainData: String = "", seed: UInt64 = 0, index: String = "",
                indexDocuments: Int = 0, indexEmbedded: String = "", encoder: EncoderFingerprint? = nil, maxNewTokens: Int) {
        self.model = model
        self.adapter = adapter
        self.adapterSHA256 = adapterSHA256
        self.weights = weights
        self.testData = testData
        self.promptFormat = promptFormat
        self.shots = shots
        self.shotSelection = shotSelection
        self.trainData = trainData
        self.seed = seed
        self.index = index
        self.indexDocuments = indexDocuments
        self.indexEmbedded = indexEmbedded
        self.encoder = encoder
        self.maxNewTokens = maxNewTokens
    }

    /// "key: recorded → now" for every setting that differs, in key order (long values shortened).
    public func differences(from recorded: GSM8KRunSettings) throws -> [String] {
        let now = try Self.fields(self), before = try Self.fields(recorded)
        return Set(now.keys).union(before.keys).sorted().compactMap { key in
            now[key] == before[key] ? nil : "\(key): \(Self.shorten(before[key] ?? "unset")) → \(Self.shorten(now[key] ?? "unset"))"
        }
    }

    /// Every top-level key as compact JSON text.
    private static func fields(_ settings: GSM8KRunSettings) throws -> [String: String] {
        guard let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(settings)) as? [String: Any] else { return [:] }
        return object.mapValues { value in
            (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
        }
    }

    private static func shorten(_ text: String) -> String { text.count > 48 ? text.prefix(47) + "…" : text }
}
