/// Fourth stage (`post_processor`): adds special tokens and sets type ids once the sequences are truncated.
public protocol PostProcessor: Sendable {
    /// How many special tokens `process` adds, so truncation can leave room for them.
    func addedTokenCount(isPair: Bool) -> Int
    /// Combines the first sequence and the optional second one; without `addSpecialTokens` only type ids change.
    func process(_ first: Encoding, pair second: Encoding?, addSpecialTokens: Bool) -> Encoding
}
