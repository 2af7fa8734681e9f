/// One line of a mined-pairs file: two problems and the rule that paired them, with the evidence a person needs
/// to check why. The texts are under `anchor` and `positive` (or `negative`), the names `train-encoder` reads
/// from a pairs file; ids are 0-based lines of the train file (`GSM8KProblem.line`).
public struct MinedPair: Codable, Equatable, Sendable {
    public enum Rule: String, Codable, CaseIterable, Sendable {
        /// Two train problems with the same calculator skeleton.
        case skeleton
        /// A perturbed variant (anchor) of a train problem (positive); with inserted sentences, the problem they came
        /// from is the negative.
        case variant
        /// Two train problems close in surface words whose skeletons differ.
        case hardNegative = "hard_negative"
    }

    public var rule: Rule
    /// nil for a variant: the anchor is new text.
    public var anchorID: Int?
    public var anchor: String
    public var positiveID: Int?
    public var positive: String?
    public var negativeID: Int?
    public var negative: String?
    public var evidence: Evidence

    enum CodingKeys: String, CodingKey {
        case rule, anchorID = "anchor_id", anchor, positiveID = "positive_id", positive, negativeID = "negative_id"
        case negative, evidence
    }

    /// What made the pair; each rule fills its own fields (absent ones are left out of the JSON).
    public struct Evidence: Codable, Equatable, Sendable {
        /// skeleton: the shared skeleton, its steps and how many pool problems have it.
        public var skeleton: String?
        public var steps: Int?
        public var skeletonProblems: Int?
        /// variant: the substitutions made, the inserted clause, the source's and the recomputed answer and chain.
        public var names: [NameChange]?
        public var numbers: [NumberChange]?
        public var distractor: String?
        public var extraClause: String?
        public var sourceAnswer: String?
        public var answer: String?
        public var chain: [String]?
        /// hard_negative: base-encoder cosine and both skeletons.
        public var cosine: Double?
        public var anchorSkeleton: String?
        public var negativeSkeleton: String?

        enum CodingKeys: String, CodingKey {
            case skeleton, steps, skeletonProblems = "skeleton_problems", names, numbers, distractor
            case extraClause = "extra_clause"
            case sourceAnswer = "source_answer", answer, chain, cosine, anchorSkeleton = "anchor_skeleton"
            case negativeSkeleton = "negative_skeleton"
        }
    }

    /// A person renamed everywhere in the question.
    public struct NameChange: Codable, Equatable, Sendable {
        public var from: String
        public var to: String
        public init(from: String, to: String) { self.from = from; self.to = to }
    }

    /// A number of the chain (`variable` in the skeleton) rewritten everywhere in the question.
    public struct NumberChange: Codable, Equatable, Sendable {
        public var variable: String
        public var from: String
        public var to: String
        public init(variable: String, from: String, to: String) { self.variable = variable; self.from = from; self.to = to }
    }
}
