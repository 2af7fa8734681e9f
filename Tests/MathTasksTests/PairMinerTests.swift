import Foundation
import XCTest
import Retrieval
import Tensor
@testable import MathTasks

/// The three miners together: skeleton pairs capped (trivial skeletons hardest), hard negatives only across
/// skeleton shapes, held-out problems in no pair at all, the same pairs for the same seed.
final class PairMinerTests: XCTestCase {
    /// Line i at angle 0.01·i on a circle: each problem's nearest neighbours are the lines next to it.
    final class LineEmbedder: TextEmbedder {
        let dimension = 2
        let fingerprint = EncoderFingerprint(model: "lines", weightsSHA256: "lines", dimension: 2, pooling: "none", normalized: true)
        let lineOf: [String: Int]
        init(_ problems: [GSM8KProblem]) { lineOf = Dictionary(problems.map { ($0.question, $0.line) }) { a, _ in a } }
        func embed(_ texts: [String], progress: ((Int) -> Void)?) throws -> Tensor {
            let out = Tensor(zeros: [texts.count, 2])
            for (r, text) in texts.enumerated() {
                let angle = 0.01 * Double(lineOf[text]!)
                out.row(r)[0] = Float(cos(angle))
                out.row(r)[1] = Float(sin(angle))
            }
            progress?(texts.count)
            return out
        }
    }

    /// Even lines: "x1*x2 ; #1+x3" (shops); odd lines: "x1*x2" (farms, trivial).
    static let problems: [GSM8KProblem] = (0..<24).map { line in
        let a = 3 + line, b = 4 + line % 5, c = 7 + line
        if line % 2 == 0 {
            return GSM8KProblem(line: line, question: "Shop \(line) sells \(a) boxes of \(b) pens and \(c) loose pens. How many pens?",
                                answer: "<<\(a)*\(b)=\(a * b)>> pens in boxes, <<\(a * b)+\(c)=\(a * b + c)>> in all.\n#### \(a * b + c)")
        }
        return GSM8KProblem(line: line, question: "Farm \(line) has \(a) rows of \(b) trees. How many trees?",
                            answer: "<<\(a)*\(b)=\(a * b)>>\n#### \(a * b)")
    }

    func miner(seed: UInt64 = 3) -> PairMiner {
        var negatives = PairMiner.HardNegativeSettings()
        negatives.maxCosine = 1
        negatives.neighbours = 4
        return PairMiner(seed: seed, hardNegatives: negatives)
    }

    func testSkeletonPairsAreCappedPerProblemAndForTrivialSkeletons() throws {
        let pool = Self.problems.map(AnalyzedProblem.init)
        let (pairs, groups) = miner().skeletonPairs(pool)
        XCTAssertEqual(groups.map(\.skeleton), ["x1*x2", "x1*x2 ; #1+x3"])
        XCTAssertEqual(groups.map(\.problems), [12, 12])
        XCTAssertEqual(groups.map(\.pairs), [3, 12], "trivial_max_pairs 3; 12 problems × 2 partners / 2")
        var degree: [Int: Int] = [:]
        for pair in pairs {
            let a = try XCTUnwrap(pair.anchorID), b = try XCTUnwrap(pair.positiveID)
            XCTAssertLessThan(a, b, "never a problem with itself, lower id first")
            XCTAssertEqual(a % 2, b % 2, "same skeleton")
            XCTAssertEqual(pair.evidence.skeleton, pool[a].skeleton.text)
            XCTAssertEqual(pair.evidence.skeletonProblems, 12)
            degree[a, default: 0] += 1
            degree[b, default: 0] += 1
        }
        XCTAssertLessThanOrEqual(degree.values.max() ?? 0, 2, "partners_per_problem")
        var tight = miner()
        tight.skeletons.maxPairsPerSkeleton = 5
        tight.skeletons.minSteps = 2
        XCTAssertEqual(tight.skeletonPairs(pool).groups.map(\.pairs), [0, 5], "min_steps drops one-step skeletons; the cap holds")
    }

    func testHardNegativesAreNearAndOfAnotherShape() throws {
        let pool = Self.problems.map(AnalyzedProblem.init)
        let negatives = try miner().hardNegativePairs(pool, embedder: LineEmbedder(Self.problems))
        XCTAssertGreaterThanOrEqual(negatives.count, 20, "about one per problem, each unordered pair once")
        var seen = Set<[Int]>(), anchors = Set<Int>()
        for pair in negatives {
            let a = try XCTUnwrap(pair.anchorID), b = try XCTUnwrap(pair.negativeID)
            XCTAssertTrue(anchors.insert(a).inserted, "per_anchor 1")
            XCTAssertTrue(abs(a - b) <= 4 && abs(a - b) % 2 == 1, "among the 4 nearest, of the other skeleton: \(a), \(b)")
            XCTAssertNotEqual(pool[a].skeleton.shape, pool[b].skeleton.shape)
            XCTAssertEqual(pair.evidence.anchorSkeleton, pool[a].skeleton.text)
            XCTAssertEqual(pair.evidence.negativeSkeleton, pool[b].skeleton.text)
            XCTAssertGreaterThan(try XCTUnwrap(pair.evidence.cosine), 0.99)
            XCTAssertTrue(seen.insert([min(a, b), max(a, b)]).inserted)
            XCTAssertNil(pair.positive)
        }
    }

    func testHeldOutProblemsAreInNoPair() throws {
        let heldOut: Set<Int> = [0, 1, 5, 10, 17]
        var withClauses = miner()
        withClauses.variants.extraClauseRate = 1  // donors too must come from the pool
        let (pairs, summary) = try withClauses.mine(Self.problems, heldOut: heldOut, embedder: LineEmbedder(Self.problems))
        XCTAssertEqual(summary.heldOut, 5)
        XCTAssertEqual(summary.pool, 19)
        let heldTexts = Set(Self.problems.filter { heldOut.contains($0.line) }.map(\.question))
        for rule in MinedPair.Rule.allCases {
            XCTAssertGreaterThan(pairs.filter { $0.rule == rule }.count, 0, rule.rawValue)
            XCTAssertEqual(summary.pairs[rule.rawValue], pairs.filter { $0.rule == rule }.count)
        }
        for pair in pairs {
            for id in [pair.anchorID, pair.positiveID, pair.negativeID].compactMap({ $0 }) { XCTAssertFalse(heldOut.contains(id)) }
            for text in [pair.anchor, pair.positive, pair.negative].compactMap({ $0 }) { XCTAssertFalse(heldTexts.contains(text)) }
            XCTAssertNotEqual(pair.anchor, pair.positive ?? pair.negative, "never a problem with itself")
            if pair.rule == .variant, let clause = pair.evidence.extraClause {
                // The donor is the pair's negative: its statement (people renamed) is in the anchor.
                let donor = try XCTUnwrap(Self.problems.first { $0.line == pair.negativeID })
                XCTAssertEqual(pair.negative, donor.question)
                XCTAssertNotEqual(pair.negativeID, pair.positiveID)
                XCTAssertTrue(donor.question.hasPrefix(clause), "\(clause) opens \(donor.question)")
                XCTAssertTrue(pair.anchor.contains(clause))
            }
        }
        XCTAssertGreaterThan(summary.variants.withExtraClause, 0)
        XCTAssertEqual(summary.variants.withExtraClause, pairs.filter { $0.evidence.extraClause != nil }.count)
        XCTAssertThrowsError(try miner().mine(Self.problems, heldOut: Set(0..<24), embedder: nil))
    }

    func testSameSeedSamePairs() throws {
        let embedder = LineEmbedder(Self.problems)
        let a = try miner(seed: 3).mine(Self.problems, heldOut: [2], embedder: embedder)
        let b = try miner(seed: 3).mine(Self.problems, heldOut: [2], embedder: embedder)
        XCTAssertEqual(a.pairs, b.pairs)
        XCTAssertEqual(a.summary, b.summary)
        let c = try miner(seed: 4).mine(Self.problems, heldOut: [2], embedder: embedder)
        XCTAssertNotEqual(a.pairs.filter { $0.rule == .variant }, c.pairs.filter { $0.rule == .variant })
    }

    func testSummaryCountsAnnotationsAndSkeletons() throws {
        var noNegatives = miner()
        noNegatives.hardNegatives.enabled = false
        let problems = Self.problems + [GSM8KSamples.chad]
        let (_, summary) = try noNegatives.mine(problems, heldOut: [], embedder: nil)
        XCTAssertEqual(summary.annotations, 12 * 2 + 12 + 3)
        XCTAssertEqual(summary.malformedAnnotations["bad_expression"], 1)
        XCTAssertEqual(summary.malformedAnnotations.values.reduce(0, +), 1)
        XCTAssertEqual(summary.problemsWithMalformedAnnotations, 1)
        XCTAssertEqual(summary.skeletons.distinct, 2, "chad's partial chain is not compared")
        XCTAssertEqual(summary.skeletons.head.map(\.problems), [12, 12])
        XCTAssertEqual(summary.skeletons.trivialPairs, 3)
        XCTAssertEqual(summary.variants.rejected["malformed_annotation"], 1)
        XCTAssertEqual(summary.hardNegatives.pairs, 0)
        var bad = miner()
        bad.variants.distractorRate = 2
        XCTAssertThrowsError(try bad.validate()) { XCTAssertEqual("\($0)", "variants.distractor_rate: must be in [0, 1]") }
    }
}
