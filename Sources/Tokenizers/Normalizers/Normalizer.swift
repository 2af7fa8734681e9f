/// First pipeline stage (`normalizer` in tokenizer.json): rewrites text before it is split, keeping alignments.
/// It runs separately on each stretch of text between added tokens, as in the Rust library.
public protocol Normalizer: Sendable {
    func normalize(_ text: inout NormalizedString)
}
