/// What a mining run found, for `summary.json`: counts per rule, the annotations skipped and why, the most shared
/// skeletons, why problems gave no variant, and the hard negatives' cosines.
public struct PairMiningSummary: Codable, Equatable, Sendable {
    /// Problems in the file, held out, and mined from (the rest).
    public var problems: Int
    public var heldOut: Int
    public var pool: Int
    /// Over the pool: annotations parsed, annotations skipped per reason, problems with a skipped one, problems
    /// without any annotation.
    public var annotations: Int
    public var malformedAnnotations: [String: Int]
    public var problemsWithMalformedAnnotations: Int
    public var problemsWithoutAnnotations: Int
    /// Pairs per rule (`skeleton`, `variant`, `hard_negative`).
    public var pairs: [String: Int] = [:]
    public var skeletons = SkeletonStats()
    public var variants = VariantStats()
    public var hardNegatives = HardNegativeStats()

    public init(problems: Int, heldOut: Int, pool: [AnalyzedProblem]) {
        self.problems = problems
        self.heldOut = heldOut
        self.pool = pool.count
        annotations = pool.reduce(0) { $0 + $1.annotations.count }
        var malformed = Dictionary(uniqueKeysWithValues: CalculatorAnnotation.Malformed.allCases.map { ($0.rawValue, 0) })
        for p in pool { for reason in p.malformed { malformed[reason.rawValue, default: 0] += 1 } }
        malformedAnnotations = malformed
        problemsWithMalformedAnnotations = pool.filter { !$0.malformed.isEmpty }.count
        problemsWithoutAnnotations = pool.filter(\.annotations.isEmpty).count
    }

    enum CodingKeys: String, CodingKey {
        case problems, heldOut = "held_out", pool, annotations, malformedAnnotations = "malformed_annotations"
        case problemsWithMalformedAnnotations = "problems_with_malformed_annotations"
        case problemsWithoutAnnotations = "problems_without_annotations", pairs, skeletons, variants
        case hardNegatives = "hard_negatives"
    }

    public struct SkeletonStats: Codable, Equatable, Sendable {
        /// Distinct complete skeletons, those shared by two problems or more, and the problems in those.
        public var distinct = 0
        public var shared = 0
        public var problemsInShared = 0
        /// Pairs from single-operation skeletons.
        public var trivialPairs = 0
        /// The most shared skeletons (20), most problems first.
        public var head: [Entry] = []

        public struct Entry: Codable, Equatable, Sendable {
            public var skeleton: String
            public var steps: Int
            public var problems: Int
            public var pairs: Int
        }

        enum CodingKeys: String, CodingKey {
            case distinct, shared, problemsInShared = "problems_in_shared", trivialPairs = "trivial_pairs", head
        }

        mutating func record(_ groups: [PairMiner.SkeletonGroup]) {
            distinct = groups.count
            let many = groups.filter { $0.problems > 1 }
            shared = many.count
            problemsInShared = many.reduce(0) { $0 + $1.problems }
            trivialPairs = groups.filter(\.isTrivial).reduce(0) { $0 + $1.pairs }
            head = many.sorted { ($0.problems, $1.skeleton) > ($1.problems, $0.skeleton) }.prefix(20)
                .map { Entry(skeleton: $0.skeleton, steps: $0.steps, problems: $0.problems, pairs: $0.pairs) }
        }
    }

    public struct VariantStats: Codable, Equatable, Sendable {
        /// Problems with at least one variant, variants made, those with a distractor clause, with a donor's sentences,
        /// with people renamed.
        public var problems = 0
        public var variants = 0
        public var withDistractor = 0
        public var withExtraClause = 0
        public var renamed = 0
        /// Problems without a variant, per `VariantGenerator.Rejection`.
        public var rejected: [String: Int] = [:]

        enum CodingKeys: String, CodingKey {
            case problems, variants, withDistractor = "with_distractor", withExtraClause = "with_extra_clause", renamed
            case rejected
        }
    }

    public struct HardNegativeStats: Codable, Equatable, Sendable {
        /// Problems searched (those with a complete skeleton), negatives found, their mean and least cosine.
        public var anchors = 0
        public var pairs = 0
        public var meanCosine: Double?
        public var minCosine: Double?

        enum CodingKeys: String, CodingKey { case anchors, pairs, meanCosine = "mean_cosine", minCosine = "min_cosine" }

        mutating func record(_ found: [MinedPair], anchors: Int) {
            self.anchors = anchors
            pairs = found.count
            let cosines = found.compactMap(\.evidence.cosine)
            meanCosine = cosines.isEmpty ? nil : ((cosines.reduce(0, +) / Double(cosines.count)) * 10_000).rounded() / 10_000
            minCosine = cosines.min()
        }
    }
}
