/// Undoes the row permutation llama.cpp's converter applies to the query and key projections of llama-architecture
/// models (SmolLM2 here; qwen2 files are not permuted).
///
/// Why it exists: Hugging Face's llama applies RoPE with `rotate_half`, pairing element i of a head with element
/// i + d/2 (d = head dimension); llama.cpp's llama RoPE pairs adjacent elements 2i and 2i + 1. So
/// `convert_hf_to_gguf.py` (`LlamaModel.permute`) reorders the output rows of `attn_q` / `attn_k` (weights, and
/// biases if any) within each head: stored row h·d + 2i + j holds Hugging Face row h·d + j·d/2 + i (j ∈ {0, 1}).
/// A decoder must either undo that (then apply RoPE the Hugging Face way) or keep the stored order and rotate
/// adjacent pairs — mixing the two gives a model that runs but talks nonsense. transformers' GGUF loader undoes it
/// (`LlamaTensorProcessor._reverse_permute_weights`), with n_head for q and n_head_kv for k, as here.
public enum GGUFLlamaPermutation {
    /// The number of heads whose rows a tensor's permutation runs over: `headCount` (llama.attention.head_count)
    /// for `attn_q`, `kvHeadCount` (…head_count_kv) for `attn_k`, nil for tensors that are not permuted. Only for
    /// files whose `general.architecture` is `llama`.
    public static func heads(forTensor name: String, headCount: Int, kvHeadCount: Int) -> Int? {
        if name.contains(".attn_q.") { return headCount }
        if name.contains(".attn_k.") { return kvHeadCount }
        return nil
    }

    /// The stored row that holds Hugging Face row `row` (so a fused kernel can read rows in model order).
    public static func storedRow(ofModelRow row: Int, headDimension: Int) -> Int {
        let half = headDimension / 2
        let head = row / headDimension, within = row % headDimension
        return head * headDimension + 2 * (within % half) + within / half
    }

    /// Whether `rows` output rows split into `heads` heads of an even size.
    public static func canPermute(rows: Int, heads: Int) -> Bool {
        heads > 0 && rows % heads == 0 && (rows / heads) % 2 == 0
    }

    /// Stored (llama.cpp) order → Hugging Face order: `rows` rows of `columns` floats each (the permuted axis is the
    /// outermost one: a weight's output features, a bias's elements with `columns` 1). `source` and `destination`
    /// must not overlap. Requires `canPermute(rows:heads:)`.
    public static func undo(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                            rows: Int, columns: Int, heads: Int) {
        precondition(canPermute(rows: rows, heads: heads), "\(rows) rows do not split into \(heads) heads of even size")
        let headDimension = rows / heads
        for row in 0..<rows {
            let stored = storedRow(ofModelRow: row, headDimension: headDimension)
            (destination + row * columns).update(from: source + stored * columns, count: columns)
        }
    }

    /// Hugging Face order → stored order, what the converter does (the inverse of `undo`).
    public static func apply(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                             rows: Int, columns: Int, heads: Int) {
        precondition(canPermute(rows: rows, heads: heads), "\(rows) rows do not split into \(heads) heads of even size")
        let headDimension = rows / heads
        for row in 0..<rows {
            let stored = storedRow(ofModelRow: row, headDimension: headDimension)
            (destination + stored * columns).update(from: source + row * columns, count: columns)
        }
    }
}
