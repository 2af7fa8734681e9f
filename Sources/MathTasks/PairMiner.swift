import Foundation
import ModelFormats
import Retrieval
import Tensor

/// Mines training pairs from GSM8K train problems without labels, by three rules (issue 13): problems with the same
/// calculator skeleton (`SolutionSkeleton`), perturbed variants of a problem (`VariantGenerator`), and hard
/// negatives — problems the base encoder finds close whose skeletons differ. Problems held out (the fixed
/// `GSM8KTrainSplit` holdout, for a dev set) take no part in any rule: not as anchors, partners, sources or
/// negatives.
///
/// Trivial skeletons are weighed down by capping pairs: within a skeleton's group every problem is in at most
/// `partners_per_problem` pairs, a group gives at most `max_pairs_per_skeleton` pairs, and a single-operation
/// skeleton (`x1*x2`, shared by many unrelated problems) at most `trivial_max_pairs`; `min_steps` drops short
/// skeletons altogether. Everything is deterministic for a seed.
public struct PairMiner: Sendable {
    public struct SkeletonSettings: Codable, Equatable, Sendable {
        public var enabled = true
        /// Skeletons with fewer steps give no pairs.
        public var minSteps = 1
        /// Pairs a problem may be in, within its skeleton's group.
        public var partnersPerProblem = 2
        /// Pairs per skeleton at most.
        public var maxPairsPerSkeleton = 20
        /// Pairs per single-operation skeleton at most.
        public var trivialMaxPairs = 3

        public init() {}

        enum CodingKeys: String, CodingKey {
            case enabled, minSteps = "min_steps", partnersPerProblem = "partners_per_problem"
            case maxPairsPerSkeleton = "max_pairs_per_skeleton", trivialMaxPairs = "trivial_max_pairs"
        }
    }

    public struct HardNegativeSettings: Codable, Equatable, Sendable {
        public var enabled = true
        /// Nearest neighbours (exact cosine search) looked at per anchor.
        public var neighbours = 10
        /// Negatives kept per anchor at most, nearest first.
        public var perAnchor = 1
        /// Cosine range of a negative: close enough to be hard, not so close that it is the same problem reworded.
        public var minCosine = 0.5
        public var maxCosine = 0.95

        public init() {}

        enum CodingKeys: String, CodingKey {
            case enabled, neighbours, perAnchor = "per_anchor", minCosine = "min_cosine", maxCosine = "max_cosine"
        }
    }

    /// Long-running parts, reported with (done, total).
    public enum Phase: String, Sendable {
        case analyze, variants, embed, search
    }

    public var seed: UInt64
    public var skeletons: SkeletonSettings
    public var variants: VariantGenerator.Settings
    public var hardNegatives: HardNegativeSettings

    public init(seed: UInt64, skeletons: SkeletonSettings = .init(), variants: VariantGenerator.Settings = .init(),
                hardNegatives: HardNegativeSettings = .init()) {
        self.seed = seed
        self.skeletons = skeletons
        self.variants = variants
        self.hardNegatives = hardNegatives
    }

    /// Refuses settings out of range, naming the run-config key.
    public func validate() throws {
        func check(_ ok: Bool, _ key: String, _ reason: String) throws {
            if !ok { throw PairMiningError.invalidSetting(key, reason) }
        }
        try check(skeletons.minSteps >= 1, "skeletons.min_steps", "must be at least 1")
        try check(skeletons.partnersPerProblem >= 1, "skeletons.partners_per_problem", "must be at least 1")
        try check(skeletons.maxPairsPerSkeleton >= 0 && skeletons.trivialMaxPairs >= 0,
                  "skeletons.max_pairs_per_skeleton", "and trivial_max_pairs must not be negative")
        try variants.validate()
        try check(hardNegatives.neighbours >= 1, "hard_negatives.neighbours", "must be at least 1")
        try check(hardNegatives.perAnchor >= 1, "hard_negatives.per_anchor", "must be at least 1")
        try check(-1...1 ~= hardNegatives.minCosine && hardNegatives.minCosine <= hardNegatives.maxCosine,
                  "hard_negatives.min_cosine", "must be in [-1, max_cosine]")
    }

    /// Every enabled rule over the problems not in `heldOut` (0-based lines). `embedder` (the base encoder) is
    /// needed only for hard negatives.
    public func mine(_ problems: [GSM8KProblem], heldOut: Set<Int>, embedder: TextEmbedder?,
                     progress: ((Phase, Int, Int) -> Void)? = nil) throws -> (pairs: [MinedPair], summary: PairMiningSummary) {
        try validate()
        let kept = problems.filter { !heldOut.contains($0.line) }
        guard !kept.isEmpty else { throw PairMiningError.noProblems("no problems left to mine: \(problems.count) in the file, \(heldOut.count) held out") }
        var pool: [AnalyzedProblem] = []
        pool.reserveCapacity(kept.count)
        for (i, problem) in kept.enumerated() {
            pool.append(AnalyzedProblem(problem))
            if (i + 1) % 500 == 0 || i + 1 == kept.count { progress?(.analyze, i + 1, kept.count) }
        }
        var summary = PairMiningSummary(problems: problems.count, heldOut: problems.count - kept.count, pool: pool)

        var pairs: [MinedPair] = []
        if skeletons.enabled {
            let (found, groups) = skeletonPairs(pool)
            pairs += found
            summary.skeletons.record(groups)
        }
        if variants.enabled {
            let (found, stats) = variantPairs(pool, progress: progress.map { p in { p(.variants, $0, $1) } })
            pairs += found
            summary.variants = stats
        }
        if hardNegatives.enabled {
            guard let embedder else { throw PairMiningError.invalidSetting("hard_negatives.enabled", "needs an encoder") }
            let found = try hardNegativePairs(pool, embedder: embedder, progress: progress)
            pairs += found
            summary.hardNegatives.record(found, anchors: pool.filter(\.hasCompleteSkeleton).count)
        }
        for rule in MinedPair.Rule.allCases { summary.pairs[rule.rawValue] = pairs.filter { $0.rule == rule }.count }
        return (pairs, summary)
    }

    // MARK: - Skeletons

    /// A skeleton shared by problems of the pool, and the pairs taken from it.
    public struct SkeletonGroup: Equatable, Sendable {
        public var skeleton: String
        public var steps: Int
        /// A single operation (`SolutionSkeleton.isTrivial`).
        public var isTrivial: Bool
        public var problems: Int
        public var pairs: Int
    }

    /// Pairs of problems with the same complete skeleton, groups in skeleton order; and every skeleton's group.
    public func skeletonPairs(_ pool: [AnalyzedProblem]) -> (pairs: [MinedPair], groups: [SkeletonGroup]) {
        var members: [String: [Int]] = [:]
        for (i, p) in pool.enumerated() where p.hasCompleteSkeleton { members[p.skeleton.text, default: []].append(i) }
        var pairs: [MinedPair] = []
        var groups: [SkeletonGroup] = []
        for text in members.keys.sorted() {
            let group = members[text]!
            let skeleton = pool[group[0]].skeleton
            var chosen: [(Int, Int)] = []
            if group.count > 1, skeleton.steps.count >= skeletons.minSteps {
                let cap = skeleton.isTrivial ? skeletons.trivialMaxPairs : skeletons.maxPairsPerSkeleton
                // A stream per skeleton (the first 64 bits of its SHA-256): the group's pairs do not depend on the others.
                var generator = RandomGenerator(seed: seed, stream: UInt64(SHA256.hex(text).prefix(16), radix: 16)!)
                chosen = Self.spreadPairs(group.shuffled(using: &generator), perMember: skeletons.partnersPerProblem, cap: cap) {
                    pool[$0].problem.question != pool[$1].problem.question
                }
            }
            for (a, b) in chosen {
                let (first, second) = pool[a].problem.line < pool[b].problem.line ? (pool[a], pool[b]) : (pool[b], pool[a])
                pairs.append(MinedPair(rule: .skeleton, anchorID: first.problem.line, anchor: first.problem.question,
                                       positiveID: second.problem.line, positive: second.problem.question,
                                       evidence: .init(skeleton: text, steps: skeleton.steps.count, skeletonProblems: group.count)))
            }
            groups.append(SkeletonGroup(skeleton: text, steps: skeleton.steps.count, isTrivial: skeleton.isTrivial,
                                        problems: group.count, pairs: chosen.count))
        }
        return (pairs, groups)
    }

    /// Pairs of `members` (already shuffled) such that each is in at most `perMember` of them, at most `cap` in all:
    /// member i with i + 1, then i + 2, … (cyclically), so the pairs spread over the whole group.
    static func spreadPairs(_ members: [Int], perMember: Int, cap: Int, allowed: (Int, Int) -> Bool) -> [(Int, Int)] {
        let n = members.count
        var degree = [Int](repeating: 0, count: n)
        var seen = Set<[Int]>()
        var out: [(Int, Int)] = []
        guard n > 1 else { return out }
        for offset in 1...max(1, n / 2) {
            for i in 0..<n {
                guard out.count < cap else { return out }
                let j = (i + offset) % n
                let key = [min(i, j), max(i, j)]
                guard i != j, degree[i] < perMember, degree[j] < perMember, !seen.contains(key),
                      allowed(members[i], members[j]) else { continue }
                seen.insert(key)
                degree[i] += 1
                degree[j] += 1
                out.append((members[i], members[j]))
            }
        }
        return out
    }

    // MARK: - Variants

    /// Variants of every pool problem, in pool order (extra clauses come from other pool problems), and how many
    /// problems gave none and why.
    public func variantPairs(_ pool: [AnalyzedProblem], progress: ((Int, Int) -> Void)? = nil)
        -> (pairs: [MinedPair], stats: PairMiningSummary.VariantStats) {
        let generator = VariantGenerator(settings: variants, seed: seed)
        let donors = pool.map(\.problem)
        let byLine = Dictionary(donors.map { ($0.line, $0) }, uniquingKeysWith: { first, _ in first })
        var pairs: [MinedPair] = []
        var stats = PairMiningSummary.VariantStats()
        for (i, p) in pool.enumerated() {
            switch generator.variants(of: p, donors: donors) {
            case .success(let made):
                stats.problems += 1
                for v in made {
                    if v.distractor != nil { stats.withDistractor += 1 }
                    if v.extraClause != nil { stats.withExtraClause += 1 }
                    if !v.names.isEmpty { stats.renamed += 1 }
                    let donor = v.donorLine.flatMap { byLine[$0] }
                    pairs.append(MinedPair(rule: .variant, anchorID: nil, anchor: v.question, positiveID: p.problem.line,
                                           positive: p.problem.question, negativeID: donor?.line, negative: donor?.question,
                                           evidence: .init(skeleton: p.skeleton.text, names: v.names, numbers: v.numbers,
                                                           distractor: v.distractor, extraClause: v.extraClause,
                                                           sourceAnswer: p.problem.finalAnswer, answer: v.answer, chain: v.chain)))
                }
            case .failure(let why):
                stats.rejected[why.rawValue, default: 0] += 1
            }
            if (i + 1) % 250 == 0 || i + 1 == pool.count { progress?(i + 1, pool.count) }
        }
        stats.variants = pairs.count
        return (pairs, stats)
    }

    // MARK: - Hard negatives

    /// For each pool problem with a complete skeleton, its nearest neighbours by base-encoder cosine (exact search
    /// over the same problems) whose skeletons have another shape (`SolutionSkeleton.shape`: differing only in
    /// which operands are constants does not count), within the cosine range; each unordered pair once.
    public func hardNegativePairs(_ pool: [AnalyzedProblem], embedder: TextEmbedder,
                                  progress: ((Phase, Int, Int) -> Void)? = nil) throws -> [MinedPair] {
        let candidates = pool.filter(\.hasCompleteSkeleton)
        guard candidates.count > 1 else { return [] }
        let texts = candidates.map(\.problem.question)
        let vectors = try embedder.embed(texts) { progress?(.embed, $0, texts.count) }
        progress?(.search, 0, candidates.count)
        let results = try ExactSearch(vectors: vectors).search(vectors, k: min(hardNegatives.neighbours + 1, candidates.count))
        progress?(.search, candidates.count, candidates.count)
        var pairs: [MinedPair] = []
        var used = Set<[Int]>()
        for (i, anchor) in candidates.enumerated() {
            var kept = 0
            for hit in results.hits(forQuery: i) where kept < hardNegatives.perAnchor {
                let j = Int(hit.id)
                let cosine = Double(hit.score)
                guard j >= 0, j != i, cosine >= hardNegatives.minCosine, cosine <= hardNegatives.maxCosine else { continue }
                let other = candidates[j]
                let key = [min(i, j), max(i, j)]
                guard anchor.skeleton.shape != other.skeleton.shape, anchor.problem.question != other.problem.question,
                      !used.contains(key) else { continue }
                used.insert(key)
                kept += 1
                pairs.append(MinedPair(rule: .hardNegative, anchorID: anchor.problem.line, anchor: anchor.problem.question,
                                       negativeID: other.problem.line, negative: other.problem.question,
                                       evidence: .init(cosine: (cosine * 10_000).rounded() / 10_000,
                                                       anchorSkeleton: anchor.skeleton.text, negativeSkeleton: other.skeleton.text)))
            }
        }
        return pairs
    }
}
