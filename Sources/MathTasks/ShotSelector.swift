import Foundation
import Retrieval
import Tensor

/// Few-shot examples drawn from the GSM8K train problems: the fixed and random selections (retrieved ones come from
/// `ShotRetriever`). A shot is never the question being asked: a train problem with the same question text is
/// skipped and the next one taken, as for retrieval.
public struct ShotSelector: Sendable {
    public let train: [GSM8KProblem]

    public init(train: [GSM8KProblem]) { self.train = train }

    /// The first `k` train problems, in file order.
    public func fixed(k: Int, excluding question: String) -> [GSM8KProblem] {
        Array(train.lazy.filter { !Self.sameQuestion($0.question, question) }.prefix(k))
    }

    /// `k` distinct train problems for question number `questionIndex`, in the order drawn. The generator is seeded
    /// from (`seed`, `questionIndex`) alone, so a question gets the same shots whatever the batch size, `--limit` or
    /// resumption.
    public func random(k: Int, seed: UInt64, questionIndex: Int, excluding question: String) -> [GSM8KProblem] {
        let candidates = train.indices.filter { !Self.sameQuestion(train[$0].question, question) }
        guard k < candidates.count else { return candidates.map { train[$0] } }
        var generator = RandomGenerator(seed: seed, stream: UInt64(questionIndex))
        var chosen: [Int] = [], taken = Set<Int>()
        while chosen.count < k {
            let i = Int.random(in: 0..<candidates.count, using: &generator)
            if taken.insert(i).inserted { chosen.append(candidates[i]) }
        }
        return chosen.map { train[$0] }
    }

    /// Two questions are the same problem when their texts agree up to surrounding whitespace.
    public static func sameQuestion(_ a: String, _ b: String) -> Bool {
        a.trimmingCharacters(in: .whitespacesAndNewlines) == b.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
