import Foundation
import ModelFormats
import NN
import Tensor
import Tokenizers
import Training

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
    /// Tokens per packed batch when embedding through `TextEmbedder` (`embed --batch-tokens`).
    public var batchTokens = SentenceEncoder.defaultBatchTokens
    /// SHA-256 of `model.safetensors`, computed on first use (identifies the weights in index fingerprints).
    public private(set) lazy var weightsSHA256: String = {
        (try? SHA256.hex(ofFile: directory.appendingPathComponent("model.safetensors").path)) ?? "unreadable"
    }()

    /// Texts are truncated to this many tokens, [CLS] and [SEP] included.
    public var maxSequenceLength: Int { sentenceConfig.maxSeqLength }

    /// The PEFT LoRA adapter applied on top of the base weights, if any.
    public private(set) var adapter: (directory: URL, config: LoRAConfig)?

    /// Loads `config.json`, `model.safetensors`, `tokenizer.json` and the sentence-transformers files of `directory`,
    /// then applies the PEFT LoRA adapter in `adapter` (a directory with adapter_config.json), if given.
    public convenience init(directory: URL, adapter: URL?) throws {
        try self.init(directory: directory)
        if let adapter {
            self.adapter = (adapter, try LoRAAdapter.load(into: model, from: adapter))
        }
    }

    /// SHA-256 of the adapter's weights file, when an adapter is applied.
    public private(set) lazy var adapterSHA256: String? = {
        adapter.map { (try? PEFTAdapterFiles.weightsSHA256($0.directory)) ?? "unreadable" }
    }()

    /// Loads `config.json`, `model.safetensors`, `tokenizer.json` and the sentence-transformers files of `directory`.
    public init(directory: URL) throws {
        self.directory = directory
        model = try BertModel.load(directory: directory)
        config = model.config
        sentenceConfig = try SentenceTransformerConfig.load(directory: directory, fallbackMaxLength: config.maxPositionEmbeddings)
        guard sentenceConfig.maxSeqLength <= config.maxPositionEmbeddings else {
            throw ModelLoadingError.invalidFile(path: directory.appendingPathComponent("sentence_bert_config.json").path,
                                           reason: "max_seq_length \(sentenceConfig.maxSeqLength) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
        }
        tokenizer = try Tokenizer.load(directory: directory)
        pooling = MeanPooling(normalize: sentenceConfig.normalize)
    }

    /// Token ids of each text: [CLS] … [SEP], truncated to `maxSequenceLength`, unpadded.
    public func tokenize(_ texts: [String]) throws -> [[Int32]] {
        let batch = try tokenizer.encodeBatch(texts, truncation: Truncation(maxLength: maxSequenceLength))
        return (0..<batch.count).map { Array(batch.ids(row: $0).prefix(batch.lengths[$0])) }
    }

    /// Embeds `texts` into a (S, C) tensor, row i for text i.
    ///
    /// Texts are sorted by token count and packed into batches of at most `batchTokens` tokens, so similar lengths
    /// run together and no work is spent on padding; `progress` is told how many texts are done after each batch.
    public func embed(_ texts: [String], batchTokens: Int = defaultBatchTokens, progress: ((Int) -> Void)? = nil) throws -> Tensor {
        embed(tokenized: try tokenize(texts), batchTokens: batchTokens, progress: progress)
    }

    /// Activations of a few thousand tokens stay in the caches between the matrix products; much larger batches
    /// measured slower on a 2-core machine, much smaller ones make the GEMMs too thin.
    public static let defaultBatchTokens = 4_096

    /// Embeds token id sequences (each non-empty, at most `maxSequenceLength` long).
    public func embed(tokenized ids: [[Int32]], batchTokens: Int = defaultBatchTokens, progress: ((Int) -> Void)? = nil) -> Tensor {
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
            let layout = PackedSequences(lengths: batch.map { ids[$0].count })
            let flat = batch.flatMap { ids[$0] }
            let pooled = pooling.forward(model.forward(flat, layout: layout), layout: layout)
            for (row, index) in batch.enumerated() { out.row(index).update(from: pooled.row(row), count: c) }
            done += batch.count
            progress?(done)
            start = end
        }
        return out
    }
}
