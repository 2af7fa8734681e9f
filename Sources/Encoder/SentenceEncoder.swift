import Foundation
import ModelFormats
import NN
import Tensor
import Tokenizers

/// A sentence-transformers model directory (BERT + mean pooling [+ normalisation]) turned into an embedder:
/// texts in, one vector per text out, numerically the same as `SentenceTransformer.encode`.
public final class SentenceEncoder {
    public let directory: URL
    public let config: BertConfig
    public let sentenceConfig: SentenceTransformerConfig
    public let model: BertModel
    public let tokenizer: Tokenizer
    public let pooling: MeanPooling

    public var dimension: Int { config.hiddenSize }
    /// Texts are truncated to this many tokens, [CLS] and [SEP] included.
    public var maxSequenceLength: Int { sentenceConfig.maxSeqLength }

    /// Loads `config.json`, `model.safetensors`, `tokenizer.json` and the sentence-transformers files of `directory`.
    public init(directory: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EncoderError.missingFile(directory.path)
        }
        self.directory = directory
        config = try decodeJSON(BertConfig.self, directory.appendingPathComponent("config.json"))
        try config.validate()
        sentenceConfig = try SentenceTransformerConfig.load(directory: directory, fallbackMaxLength: config.maxPositionEmbeddings)
        guard sentenceConfig.maxSeqLength <= config.maxPositionEmbeddings else {
            throw EncoderError.invalidFile(path: directory.appendingPathComponent("sentence_bert_config.json").path,
                                           reason: "max_seq_length \(sentenceConfig.maxSeqLength) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
        }
        model = BertModel(config: config)
        try SentenceEncoder.loadWeights(model, from: directory.appendingPathComponent("model.safetensors"))
        tokenizer = try Tokenizer(directory: directory)
        pooling = MeanPooling(normalize: sentenceConfig.normalize)
    }

    /// Copies every parameter from a safetensors file, accepting both `embeddings.…` and `bert.embeddings.…` names
    /// (checkpoints saved from BertModel vs. from a task head).
    static func loadWeights(_ model: BertModel, from url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { throw EncoderError.missingFile(url.path) }
        let file = try SafeTensorsFile(path: url.path)
        try model.loadWeights { name, destination in
            let stored = file.contains(name) ? name : "bert." + name
            guard file.contains(stored) else {
                throw EncoderError.weightMismatch(path: url.path, tensor: name, reason: "missing")
            }
            let info = try file.info(stored)
            guard info.shape == destination.shape else {
                throw EncoderError.weightMismatch(path: url.path, tensor: stored,
                                                  reason: "shape \(info.shape), expected \(destination.shape)")
            }
            try file.copyFloats(stored, into: destination.data, count: destination.count)
        }
    }

    /// Token ids of each text: [CLS] … [SEP], truncated to `maxSequenceLength`.
    public func tokenize(_ texts: [String]) -> [[Int32]] {
        tokenizer.encodeBatch(texts, truncation: Truncation(maxLength: maxSequenceLength)).map(\.ids)
    }

    /// Embeds `texts` into a (S, C) tensor, row i for text i.
    ///
    /// Texts are sorted by token count and packed into batches of at most `batchTokens` tokens, so similar lengths
    /// run together and no work is spent on padding; `progress` is told how many texts are done after each batch.
    public func embed(_ texts: [String], batchTokens: Int = 16_384, progress: ((Int) -> Void)? = nil) -> Tensor {
        embed(tokenized: tokenize(texts), batchTokens: batchTokens, progress: progress)
    }

    public func embed(tokenized ids: [[Int32]], batchTokens: Int = 16_384, progress: ((Int) -> Void)? = nil) -> Tensor {
        let c = dimension
        let out = Tensor(zeros: [ids.count, c])
        let order = ids.indices.sorted { ids[$0].count > ids[$1].count || (ids[$0].count == ids[$1].count && $0 < $1) }
        var done = 0, start = 0
        while start < order.count {
            var end = start, tokens = 0
            while end < order.count && (end == start || tokens + ids[order[end]].count <= batchTokens) {
                tokens += ids[order[end]].count
                end += 1
            }
            let batch = Array(order[start..<end])
            let layout = PackedSequences(lengths: batch.map { max(ids[$0].count, 1) })
            let flat = batch.flatMap { ids[$0].isEmpty ? [Int32(config.padTokenId)] : ids[$0] }
            let pooled = pooling.forward(model.forward(flat, layout: layout), layout: layout)
            for (row, index) in batch.enumerated() { out.row(index).update(from: pooled.row(row), count: c) }
            done += batch.count
            progress?(done)
            start = end
        }
        return out
    }
}
