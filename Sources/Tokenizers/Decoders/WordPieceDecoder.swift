/// The `WordPiece` decoder: glues `##` continuations to the previous token, puts a space before every other token
/// but the first, and (with `cleanup`) undoes the spaces BERT tokenization puts before punctuation and contractions.
public struct WordPieceDecoder: TokenDecoder {
    public var prefix: String
    public var cleanup: Bool

    public init(prefix: String = "##", cleanup: Bool = true) {
        self.prefix = prefix
        self.cleanup = cleanup
    }

    init(json: JSONNode) throws {
        self.init(prefix: try json.optional("prefix")?.string() ?? "##", cleanup: try json.bool("cleanup", default: true))
    }

    /// The replacements of the Rust library's `cleanup`, applied in this order to each token.
    private static let cleanupPairs: [([Unicode.Scalar], [Unicode.Scalar])] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ].map { (Array($0.0.unicodeScalars), Array($0.1.unicodeScalars)) }

    public func decodeChain(_ tokens: [String]) -> [String] {
        let prefixScalars = Array(prefix.unicodeScalars)
        return tokens.enumerated().map { i, token in
            var s = Array(token.unicodeScalars)
            if i != 0 {
                if s.starts(with: prefixScalars) { s.removeFirst(prefixScalars.count) } else { s.insert(" ", at: 0) }
            }
            if cleanup {
                for (target, replacement) in Self.cleanupPairs { s = s.replacing(target, with: replacement) }
            }
            return String(scalars: s)
        }
    }
}
