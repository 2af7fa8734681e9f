/// How a decoder keeps its projection weights in memory.
///
/// Decoding one token reads every weight once, so at small batch sizes generation speed is set by the bytes per
/// weight. Both quantised formats store blocks of 32 inputs as codes with a Float32 step and minimum (`AffineBlock`):
/// - `f32`: 4 bytes, reproduces the reference implementation (transformers) to Float32 rounding;
/// - `int8`: 1.25 bytes, 8-bit codes; error ≤ (max − min)/510 of each block, and none for weights read from a GGUF
///   4-, 5- or 8-bit block (the proxies' Q4_1, Q4_K, Q5_0 and Q8_0 tensors: only Q6_K ones are re-rounded);
/// - `q4`: 0.75 bytes, 4-bit codes (ggml's Q4_1 values); error ≤ (max − min)/30, none for GGUF 4-bit blocks.
/// - `nf4`: QLoRA's base (Dettmers et al. 2023): the block projections in bitsandbytes' NF4 (block 64,
///   double-quantised scales, ~0.53 bytes), token table, lm_head and norms Float32 as QLoRA keeps them. It trains
///   (LoRA on the frozen NF4 projections); it is not a fast inference format (each product dequantises tiles).
/// - `gguf`: every matrix (projections, token table, lm_head) in its GGUF file's own block format, byte for byte
///   (`GGUFBlocks`: Q4_0 … Q8_0, Q4_K, Q5_K, Q6_K), multiplied in decode steps with 8-bit activations and integer
///   dot products as llama.cpp does: the model decoded is the file's model. Matrices that are not such blocks (a
///   safetensors model, F16/F32 tensors, weights merged with an adapter) are kept as Q8_0.
/// - `auto`: `gguf` for a GGUF file (faster than every other format at batch 1, 8 and prefill, and exactly the file's
///   model), `f32` for a Hugging Face directory; the commands' default, resolved when the model loads.
/// `int8` and `q4` models keep the token table and lm_head in `int8` (see `DecoderModel`).
public enum DecoderWeightFormat: String, CaseIterable, Sendable, Codable {
    case auto, f32, int8, q4, nf4, gguf

    /// Formats whose token table and lm_head are Float32 and whose LoRA layers train.
    public var trains: Bool { self == .f32 || self == .nf4 }

    /// The format `auto` stands for with the model at `path` (an HF directory, a .gguf file, or a directory holding
    /// one); every other format is itself.
    public func resolved(forModel path: String) -> DecoderWeightFormat {
        guard self == .auto else { return self }
        return LanguageModel.resolveModelPath(path).hasSuffix(".gguf") ? .gguf : .f32
    }
}
