import Foundation
import ModelFormats

/// A training example as text, as a pairs file gives it (tokenised into a `TrainingPair`).
public struct TextPair: Equatable, Sendable {
    public var anchor: String
    public var positive: String
    public var negative: String?
    /// 1-based line of the pair in its file.
    public var line: Int
    /// Integer ids the line gives (`anchor_id`, `positive_id`, `negative_id`; mine-pairs writes GSM8K train lines).
    public var ids: [Int]
    /// A negative joined from a negative-only line: that line and its ids.
    public var negativeLine: Int?
    public var negativeIDs: [Int]

    public init(anchor: String, positive: String, negative: String? = nil, line: Int, ids: [Int] = [],
                negativeLine: Int? = nil, negativeIDs: [Int] = []) {
        self.anchor = anchor
        self.positive = positive
        self.negative = negative
        self.line = line
        self.ids = ids
        self.negativeLine = negativeLine
        self.negativeIDs = negativeIDs
    }
}

/// The JSON Lines file of train-encoder's `data.source: pairs`. Each line is an object with a string `anchor` and
/// either a string `positive` (and optionally `negative`) or, as `exemplar mine-pairs` writes its `hard_negative`
/// lines, a `negative` and no positive. A negative-only line is joined to a pair of the same anchor: the first one in
/// file order without a negative yet whose anchor is that text, else whose positive is (question ↔ question pairs
/// hold for both directions). Optional integer fields `anchor_id`, `positive_id`, `negative_id` are kept; other
/// fields (`rule`, `evidence`) are ignored. A malformed line or a missing field is one error naming the file and line.
public enum PairsFile {
    public struct Contents: Equatable, Sendable {
        public var pairs: [TextPair]
        /// Lines of negatives no pair could take (no pair of that anchor, or all of them have one already).
        public var unjoinedNegatives: [Int]
    }

    public static func read(_ url: URL) throws -> Contents {
        let path = url.path
        var pairs: [TextPair] = []
        var negativeOnly: [(line: Int, anchor: String, negative: String, ids: [Int])] = []
        for record in try JSONLines.read(url) {
            let anchor = try record.string("anchor", in: path)
            let ids = try ["anchor_id", "positive_id", "negative_id"].compactMap { try record.optionalInt($0, in: path) }
            let negative = try record.fields["negative"] == nil ? nil : record.string("negative", in: path)
            if record.fields["positive"] == nil, let negative {
                negativeOnly.append((record.line, anchor, negative, ids))
            } else {
                pairs.append(TextPair(anchor: anchor, positive: try record.string("positive", in: path), negative: negative,
                                      line: record.line, ids: ids))
            }
        }
        var byAnchor: [String: [Int]] = [:], byPositive: [String: [Int]] = [:]
        for (i, p) in pairs.enumerated() {
            byAnchor[p.anchor, default: []].append(i)
            byPositive[p.positive, default: []].append(i)
        }
        var unjoined: [Int] = []
        for n in negativeOnly {
            let free = { (candidates: [Int]?) in candidates?.first { pairs[$0].negative == nil } }
            guard let i = free(byAnchor[n.anchor]) ?? free(byPositive[n.anchor]) else {
                unjoined.append(n.line)
                continue
            }
            pairs[i].negative = n.negative
            pairs[i].negativeLine = n.line
            pairs[i].negativeIDs = n.ids
        }
        return Contents(pairs: pairs, unjoinedNegatives: unjoined)
    }
}
