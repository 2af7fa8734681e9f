import Foundation
import ModelFormats
import NN
import Tensor

extension DecoderConfig {
    /// The configuration a GGUF file describes (`{arch}.block_count`, `{arch}.attention.head_count`, …).
    /// The vocabulary size is the embedding's row count; the lm_head is tied when there is no `output.weight`.
    public init(gguf: GGUFFile) throws {
        guard let arch = gguf.architecture else {
            throw ModelLoadingError.invalidFile(path: gguf.path, reason: "no general.architecture")
        }
        guard ["llama", "qwen2"].contains(arch) else { throw ModelLoadingError.unsupported("GGUF architecture \(arch)") }
        let m = gguf.metadata
        let embedding = try gguf.info("token_embd.weight")
        self.init(modelType: arch, vocabSize: embedding.shape[0], hiddenSize: try m.int("\(arch).embedding_length"),
                  intermediateSize: try m.int("\(arch).feed_forward_length"), numHiddenLayers: try m.int("\(arch).block_count"),
                  numAttentionHeads: try m.int("\(arch).attention.head_count"),
                  numKeyValueHeads: m.contains("\(arch).attention.head_count_kv") ? try m.int("\(arch).attention.head_count_kv")
                                                                                : try m.int("\(arch).attention.head_count"),
                  rmsNormEps: Float(try m.double("\(arch).attention.layer_norm_rms_epsilon")),
                  ropeTheta: m.contains("\(arch).rope.freq_base") ? Float(try m.double("\(arch).rope.freq_base")) : 10_000,
                  maxPositionEmbeddings: try m.int("\(arch).context_length"),
                  tieWordEmbeddings: !gguf.contains("output.weight"),
                  bosTokenId: m.contains("tokenizer.ggml.bos_token_id") ? try m.int("tokenizer.ggml.bos_token_id") : nil,
                  eosTokenId: m.contains("tokenizer.ggml.eos_token_id") ? [try m.int("tokenizer.ggml.eos_token_id")] : [])
        attentionBias = gguf.contains("blk.0.attn_q.bias")
        if m.contains("\(arch).rope.dimension_count") {
            let ropeDims = try m.int("\(arch).rope.dimension_count")
            guard ropeDims == headDim else { throw ModelLoadingError.unsupported("partial rotary (\(ropeDims) of \(headDim) dims)") }
        }
    }
}

extension DecoderModel {
    /// Loads a llama / qwen2 GGUF file, dequantising every tensor to Float32 exactly as ggml does (undoing llama.cpp's
    /// q/k row permutation for `llama` files so the weights equal the Hugging Face ones), then keeping them as
    /// `weights` says (see `DecoderWeightFormat` for which GGUF blocks convert without loss).
    public static func load(gguf path: String, weights format: DecoderWeightFormat = .f32) throws -> DecoderModel {
        guard FileManager.default.fileExists(atPath: path) else { throw ModelLoadingError.missingFile(path) }
        let file = try GGUFFile(path: path)
        let config = try DecoderConfig(gguf: file)
        try config.validate()
        /// The stored tensor of a Hugging Face name, checked against the model's shape.
        func storedTensor(_ name: String, _ shape: [Int]) throws -> GGUFTensorInfo {
            guard let stored = ggufName(name) else {
                throw ModelLoadingError.weightMismatch(path: path, tensor: name, reason: "no GGUF counterpart")
            }
            guard file.contains(stored) else { throw ModelLoadingError.weightMismatch(path: path, tensor: stored, reason: "missing") }
            let info = try file.info(stored)
            guard info.shape == shape else {
                throw ModelLoadingError.weightMismatch(path: path, tensor: stored, reason: "shape \(info.shape), expected \(shape)")
            }
            return info
        }
        func permutedHeads(_ stored: String) -> Int? {
            config.modelType == "llama" ? GGUFLlamaPermutation.heads(forTensor: stored, headCount: config.numAttentionHeads,
                                                                     kvHeadCount: config.numKeyValueHeads) : nil
        }
        var source = DecoderWeightSource { name, shape, rows, destination in
            let info = try storedTensor(name, shape)
            let stored = info.name
            let rowLength = shape.dropFirst().reduce(1, *), count = rows.count * rowLength
            if let heads = permutedHeads(stored) {
                let values = try file.floatsUndoingLlamaPermutation(stored, heads: heads)
                values.withUnsafeBufferPointer { destination.update(from: $0.baseAddress! + rows.lowerBound * rowLength, count: count) }
            } else if rows == 0..<(shape.first ?? 1) {
                try file.dequantise(stored, into: destination, count: count)
            } else {
                try file.dequantise(stored, rows: rows, into: destination, count: count)
            }
        }
        source.blocks = { name, shape in
            let info = try storedTensor(name, shape)
            guard GGUFBlocks.supports(info.type), shape.count == 2 else { return nil }
            let view = try file.tensor(info.name)
            guard let heads = permutedHeads(info.name) else { return GGUFBlocks(copying: view) }
            guard GGUFLlamaPermutation.canPermute(rows: shape[0], heads: heads) else {
                throw ModelLoadingError.weightMismatch(path: path, tensor: info.name, reason: "\(shape[0]) rows do not split into \(heads) heads")
            }
            let headDimension = shape[0] / heads
            return GGUFBlocks(copying: view) { GGUFLlamaPermutation.storedRow(ofModelRow: $0, headDimension: headDimension) }
        }
        return try DecoderModel(config: config, weights: format.resolved(forModel: path), source: source)
    }

    /// Loads an HF directory or a `.gguf` file, whichever `path` is.
    public static func load(path: String, weights format: DecoderWeightFormat = .f32) throws -> DecoderModel {
        path.hasSuffix(".gguf") ? try load(gguf: path, weights: format)
                                : try load(directory: URL(fileURLWithPath: path), weights: format)
    }

    /// Hugging Face parameter name → GGUF tensor name.
    static func ggufName(_ hf: String) -> String? {
        switch hf {
        case "model.embed_tokens.weight": return "token_embd.weight"
        case "model.norm.weight": return "output_norm.weight"
        case "lm_head.weight": return "output.weight"
        default: break
        }
        let parts = hf.split(separator: ".")
        guard parts.count >= 5, parts[0] == "model", parts[1] == "layers", let i = Int(parts[2]) else { return nil }
        let rest = parts[3...].joined(separator: ".")
        let table = [
            "input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
            "self_attn.q_proj.weight": "attn_q.weight", "self_attn.q_proj.bias": "attn_q.bias",
            "self_attn.k_proj.weight": "attn_k.weight", "self_attn.k_proj.bias": "attn_k.bias",
            "self_attn.v_proj.weight": "attn_v.weight", "self_attn.v_proj.bias": "attn_v.bias",
            "self_attn.o_proj.weight": "attn_output.weight", "mlp.gate_proj.weight": "ffn_gate.weight",
            "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight",
        ]
        return table[rest].map { "blk.\(i).\($0)" }
    }
}
