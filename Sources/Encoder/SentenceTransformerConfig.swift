import Foundation
import ModelFormats

/// The sentence-transformers files of a model directory that say how token states become a sentence vector.
public struct SentenceTransformerConfig: Equatable, Sendable {
    /// `sentence_bert_config.json`
    public struct Transformer: Codable, Equatable, Sendable {
        public var maxSeqLength: Int
        enum CodingKeys: String, CodingKey { case maxSeqLength = "max_seq_length" }
    }

    /// `1_Pooling/config.json`
    public struct Pooling: Codable, Equatable, Sendable {
        public var wordEmbeddingDimension: Int
        public var poolingModeClsToken: Bool
        public var poolingModeMeanTokens: Bool
        public var poolingModeMaxTokens: Bool
        public var poolingModeMeanSqrtLenTokens: Bool
        enum CodingKeys: String, CodingKey {
            case wordEmbeddingDimension = "word_embedding_dimension", poolingModeClsToken = "pooling_mode_cls_token"
            case poolingModeMeanTokens = "pooling_mode_mean_tokens", poolingModeMaxTokens = "pooling_mode_max_tokens"
            case poolingModeMeanSqrtLenTokens = "pooling_mode_mean_sqrt_len_tokens"
        }
    }

    /// One entry of `modules.json`.
    public struct Module: Codable, Equatable, Sendable {
        public var path: String
        public var type: String
    }

    public var maxSeqLength: Int
    public var pooling: Pooling?
    public var normalize: Bool

    /// Reads the directory's sentence-transformers files. A plain Hugging Face BERT directory without them gets
    /// sentence-transformers' defaults for such models: mean pooling, no normalisation, length from `fallbackMaxLength`.
    public static func load(directory: URL, fallbackMaxLength: Int) throws -> SentenceTransformerConfig {
        let modulesURL = directory.appendingPathComponent("modules.json")
        var modules: [Module] = []
        if FileManager.default.fileExists(atPath: modulesURL.path) {
            modules = try decodeJSON([Module].self, modulesURL)
        }
        let transformerURL = directory.appendingPathComponent("sentence_bert_config.json")
        let maxLength = FileManager.default.fileExists(atPath: transformerURL.path)
            ? try decodeJSON(Transformer.self, transformerURL).maxSeqLength : fallbackMaxLength
        var pooling: Pooling?
        if let module = modules.first(where: { $0.type.hasSuffix(".Pooling") }) {
            let url = directory.appendingPathComponent(module.path).appendingPathComponent("config.json")
            pooling = try decodeJSON(Pooling.self, url)
        }
        if let unsupported = modules.first(where: { m in
            !["Transformer", "Pooling", "Normalize"].contains { m.type.hasSuffix(".\($0)") }
        }) {
            throw ModelLoadingError.invalidFile(path: modulesURL.path, reason: "unsupported module \(unsupported.type)")
        }
        if let p = pooling, !p.poolingModeMeanTokens || p.poolingModeClsToken || p.poolingModeMaxTokens || p.poolingModeMeanSqrtLenTokens {
            throw ModelLoadingError.invalidFile(path: directory.appendingPathComponent("1_Pooling/config.json").path,
                                           reason: "only mean-token pooling is supported")
        }
        return SentenceTransformerConfig(maxSeqLength: maxLength, pooling: pooling,
                                         normalize: modules.contains { $0.type.hasSuffix(".Normalize") })
    }
}

/// Decodes a JSON file, turning every failure into a one-line error that names the file.
func decodeJSON<T: Decodable>(_ type: T.Type, _ url: URL) throws -> T {
    guard FileManager.default.fileExists(atPath: url.path) else { throw ModelLoadingError.missingFile(url.path) }
    do {
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    } catch let error as DecodingError {
        let reason: String
        switch error {
        case .keyNotFound(let key, _): reason = "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            reason = "bad value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted: reason = "not valid JSON"
        @unknown default: reason = "cannot decode"
        }
        throw ModelLoadingError.invalidFile(path: url.path, reason: reason)
    } catch {
        throw ModelLoadingError.invalidFile(path: url.path, reason: "cannot read (\(error.localizedDescription))")
    }
}
