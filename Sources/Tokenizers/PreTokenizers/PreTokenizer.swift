/// Second stage (`pre_tokenizer`): splits the normalized pieces into words, each keeping its alignment to the input.
/// Pieces that are already added tokens are left alone (`PreTokenizedString.split` skips them).
public protocol PreTokenizer: Sendable {
    func preTokenize(_ text: inout PreTokenizedString)
}
