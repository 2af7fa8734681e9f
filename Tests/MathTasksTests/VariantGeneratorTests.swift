import Foundation
import XCTest
import Retrieval
@testable import MathTasks

/// Perturbed variants: answers recomputed through the chain, names and numbers replaced consistently everywhere,
/// never the source itself, deterministic under a seed; problems whose chain cannot be trusted give none.
final class VariantGeneratorTests: XCTestCase {
    func generator(seed: UInt64 = 7, distractorRate: Double = 0.5) -> VariantGenerator {
        var settings = VariantGenerator.Settings()
        settings.perProblem = 4
        settings.distractorRate = distractorRate
        return VariantGenerator(settings: settings, seed: seed)
    }

    func variants(_ p: GSM8KProblem, seed: UInt64 = 7) throws -> [VariantGenerator.Variant] {
        try generator(seed: seed).variants(of: AnalyzedProblem(p)).get()
    }

    func new(_ v: VariantGenerator.Variant, _ from: String) throws -> Double {
        try XCTUnwrap(v.numbers.first { $0.from == from }.flatMap { Double($0.to.replacingOccurrences(of: ",", with: "")) })
    }

    /// The answers worked out by hand from each solution, with the variant's numbers.
    func testAnswersAreRecomputedThroughTheChain() throws {
        for v in try variants(GSM8KSamples.natalia) {
            let n = try new(v, "48")
            XCTAssertEqual(Double(v.answer), n + n / 2, v.question)
        }
        for v in try variants(GSM8KSamples.weng) {
            XCTAssertEqual(try XCTUnwrap(Double(v.answer)), try new(v, "12") / 60 * new(v, "50"), accuracy: 1e-9)
        }
        for v in try variants(GSM8KSamples.betty) {
            let total = try new(v, "100"), parents = try new(v, "15")
            XCTAssertEqual(Double(v.answer), total - total / 2 - 2 * parents - parents)
        }
        // 8*4 is 8 squares of 4 sides, but the parser reads 4 as the question's "4 pentagons": "square" keeps 4 as it is.
        XCTAssertEqual(AnalyzedProblem(GSM8KSamples.bill).skeleton.text, "3*x1 ; x2*x3 ; 5*x3 ; #1+#2+#3")
        for v in try variants(GSM8KSamples.bill) {
            XCTAssertFalse(v.numbers.contains { $0.from == "4" })
            XCTAssertEqual(Double(v.answer), try 3 * new(v, "12") + 4 * new(v, "8") + 5 * 4)
        }
        for v in try variants(GSM8KSamples.james) {
            XCTAssertEqual(v.numbers.map(\.from), ["3"], "2 is also 'twice': kept")
            XCTAssertEqual(Double(v.answer), try new(v, "3") * 2 * 2 * 52)
        }
    }

    func testChainsReevaluateCleanly() throws {
        var made = 0
        for p in GSM8KSamples.all {
            guard case .success(let found) = generator().variants(of: AnalyzedProblem(p)) else { continue }
            for v in found {
                made += 1
                let (annotations, malformed) = CalculatorAnnotation.parse(solution: v.chain.map { "<<\($0)>>" }.joined())
                XCTAssertEqual(malformed, [], v.chain.description)
                XCTAssertTrue(annotations.allSatisfy(\.isExact), v.chain.description)
                let answer = try XCTUnwrap(Double(v.answer))
                XCTAssertEqual(answer, answer.rounded(), "the source's answer is an integer, so is the variant's")
                XCTAssertTrue(annotations.contains { $0.result == answer })
                XCTAssertEqual(AnalyzedProblem(GSM8KProblem(line: 0, question: v.question, answer: v.chain.map { "<<\($0)>>" }
                                                            .joined() + "\n#### \(v.answer)")).skeleton.text,
                               AnalyzedProblem(p).skeleton.text, "the variant has its source's skeleton")
            }
        }
        XCTAssertGreaterThanOrEqual(made, 12)
    }

    /// Applying the recorded substitutions to the source (all at once, whole words and whole numbers only) and
    /// inserting the recorded clause gives the variant exactly: nothing else changed, nothing was missed.
    func testNamesAndNumbersAreReplacedConsistentlyEverywhere() throws {
        var renamed = 0, distracted = 0
        for p in [GSM8KSamples.natalia, GSM8KSamples.weng, GSM8KSamples.betty, GSM8KSamples.james] {
            for v in try variants(p) {
                XCTAssertNotEqual(v.question, p.question, "never the source itself")
                XCTAssertEqual(v.names.map(\.from), PersonNames.find(in: p.question), "every listed person renamed")
                for change in v.names {
                    XCTAssertEqual(PersonNames.isFemale(Substring(change.to)), PersonNames.isFemale(Substring(change.from)))
                    XCTAssertFalse(v.question.contains(change.from))
                }
                var patterns = v.names.map { (#"\b"# + NSRegularExpression.escapedPattern(for: $0.from) + #"\b"#, $0.to) }
                patterns += v.numbers.map { (#"(?<![0-9.,])"# + NSRegularExpression.escapedPattern(for: $0.from) + #"(?![0-9]|[.,][0-9])"#, $0.to) }
                var expected = p.question
                for (i, (pattern, _)) in patterns.enumerated() {
                    expected = try NSRegularExpression(pattern: pattern)
                        .stringByReplacingMatches(in: expected, range: NSRange(expected.startIndex..., in: expected), withTemplate: "\u{1}\(i)\u{1}")
                }
                for (i, (_, to)) in patterns.enumerated() { expected = expected.replacingOccurrences(of: "\u{1}\(i)\u{1}", with: to) }
                var actual = v.question
                if let clause = v.distractor {
                    distracted += 1
                    XCTAssertTrue(actual.contains(clause + " "))
                    actual = actual.replacingOccurrences(of: clause + " ", with: "")
                    expected = expected.trimmingCharacters(in: .whitespaces)
                }
                if !v.names.isEmpty { renamed += 1 }
                XCTAssertEqual(actual, expected)
            }
        }
        XCTAssertGreaterThan(renamed, 0)
        XCTAssertGreaterThan(distracted, 0, "distractor_rate 0.5")
    }

    func testDistinctVariantsAndDeterminismUnderASeed() throws {
        for p in GSM8KSamples.all {
            let a = generator().variants(of: AnalyzedProblem(p)), b = generator().variants(of: AnalyzedProblem(p))
            XCTAssertEqual(a, b, "same seed, same variants")
            if case .success(let found) = a { XCTAssertEqual(Set(found.map(\.question)).count, found.count) }
        }
        let seven = try variants(GSM8KSamples.natalia, seed: 7), eight = try variants(GSM8KSamples.natalia, seed: 8)
        XCTAssertNotEqual(seven.map(\.question), eight.map(\.question))
        // A problem's draws come from its own stream: the same whatever other problems are generated before it.
        let g = generator()
        _ = g.variants(of: AnalyzedProblem(GSM8KSamples.betty))
        XCTAssertEqual(try g.variants(of: AnalyzedProblem(GSM8KSamples.natalia)).get(), seven)
    }

    func testProblemsWithoutATrustworthyChainGiveNoVariant() {
        func why(_ question: String, _ answer: String) -> VariantGenerator.Rejection? {
            if case .failure(let r) = generator().variants(of: AnalyzedProblem(GSM8KProblem(line: 3, question: question, answer: answer))) {
                return r
            }
            return nil
        }
        XCTAssertEqual(why("How many?", "Two.\n#### 2"), .noAnnotations)
        XCTAssertEqual(generator().variants(of: AnalyzedProblem(GSM8KSamples.chad)), .failure(.malformedAnnotation))
        XCTAssertEqual(why("Split 10 in 3.", "<<10/3=3.33>>\n#### 3.33"), .roundedStep)
        XCTAssertEqual(why("Ann has 4 bags of 5.", "<<4*5=20>>\n#### 21"), .answerNotInChain)
        XCTAssertEqual(why("2 boxes of 8 and 16 more.", "<<2*8=16>> <<16+16=32>>\n#### 32"), .ambiguousNumber)
        XCTAssertEqual(why("Half of the 2 cakes.", "<<2/2=1>>\n#### 1"), .nothingToChange, "2 is also 'half'")
        XCTAssertEqual(AnalyzedProblem(GSM8KSamples.mother).skeleton.text, "x1-x2 ; #1/2 ; 23+x3")
        XCTAssertEqual(generator().variants(of: AnalyzedProblem(GSM8KSamples.mother)), .failure(.unexplainedConstant),
                       "23 = 18+5 was worked out without an annotation: it would not follow new numbers")
        XCTAssertNil(why("Ann has 4 bags of 5.", "<<4*5=20>>\n#### 20"))
    }

    /// Extra clauses: consecutive statements of a donor (never the source, never its question sentence), its
    /// people renamed to the variant's, before the question sentence; the answer still follows the chain.
    func testExtraClausesComeFromADonorWithTheVariantsPeople() throws {
        var settings = VariantGenerator.Settings()
        settings.perProblem = 4
        settings.distractorRate = 0
        settings.extraClauseRate = 1
        let generator = VariantGenerator(settings: settings, seed: 7)
        let donors = GSM8KSamples.all
        var inserted = 0
        for p in [GSM8KSamples.natalia, GSM8KSamples.weng, GSM8KSamples.betty, GSM8KSamples.james] {
            let found = try generator.variants(of: AnalyzedProblem(p), donors: donors).get()
            for v in found {
                let clause = try XCTUnwrap(v.extraClause, "extra_clause_rate 1: every variant has one")
                let line = try XCTUnwrap(v.donorLine)
                XCTAssertNotEqual(line, p.line, "the source is never its own donor")
                let donor = try XCTUnwrap(donors.first { $0.line == line })
                let donorStatements = VariantGenerator.sentences(of: donor.question).dropLast()
                let clauseSentences = VariantGenerator.sentences(of: clause)
                XCTAssertTrue((1...2).contains(clauseSentences.count), clause)
                XCTAssertFalse(clause.contains("?"))
                // Each inserted sentence is a donor statement with the donor's people renamed.
                let blank = { (text: String) in
                    PersonNames.replacingWords(in: text, Dictionary(uniqueKeysWithValues: PersonNames.find(in: text).map { ($0, "_") }))
                }
                let donorPeople = PersonNames.find(in: donor.question)
                let cast = PersonNames.find(in: v.question)
                for sentence in clauseSentences {
                    XCTAssertTrue(donorStatements.contains { blank($0) == blank(sentence) }, "\(sentence) is a statement of \(donor.question)")
                    if !donorPeople.isEmpty {
                        for person in PersonNames.find(in: sentence) { XCTAssertTrue(cast.contains(person), "\(person) is one of the variant's people") }
                    }
                }
                let clauseEnd = try XCTUnwrap(v.question.range(of: clause)).upperBound
                let question = try XCTUnwrap(VariantGenerator.sentences(of: v.question).last)
                XCTAssertLessThanOrEqual(clauseEnd, try XCTUnwrap(v.question.range(of: question, options: .backwards)).lowerBound,
                                         "inserted before the question sentence")
                inserted += 1
            }
            if p == GSM8KSamples.natalia {
                for v in found { XCTAssertEqual(Double(v.answer), try new(v, "48") * 1.5, "the answer still follows the chain") }
            }
        }
        XCTAssertGreaterThan(inserted, 0)
        XCTAssertEqual(try generator.variants(of: AnalyzedProblem(GSM8KSamples.natalia), donors: donors).get(),
                       try generator.variants(of: AnalyzedProblem(GSM8KSamples.natalia), donors: donors).get(), "deterministic")
        XCTAssertEqual(try generator.variants(of: AnalyzedProblem(GSM8KSamples.natalia)).get().compactMap(\.extraClause), [],
                       "no donors, no extra clause")
    }

    func testNewNumbersKeepTheirKind() throws {
        for v in try variants(GSM8KSamples.weng) + variants(GSM8KSamples.betty) {
            for change in v.numbers {
                let old = try XCTUnwrap(Double(change.from)), value = try XCTUnwrap(Double(change.to))
                XCTAssertEqual(value, value.rounded(), "integers stay integers")
                XCTAssertTrue(value >= old * 0.5 - 2 && value <= old * 1.5 + 2, "\(change.from) → \(change.to)")
                if old.truncatingRemainder(dividingBy: 10) == 0 { XCTAssertEqual(value.truncatingRemainder(dividingBy: 10), 0, "round stays round") }
            }
        }
        let money = GSM8KProblem(line: 8, question: "A pen costs $1,250.50. What do 3 pens and a $0.75 cap cost?",
                                 answer: "<<1250.5*3=3751.5>> <<3751.5+0.75=3752.25>>\n#### 3752.25")
        for v in try generator().variants(of: AnalyzedProblem(money)).get() {
            let price = try XCTUnwrap(v.numbers.first { $0.from == "1,250.50" })
            let value = try XCTUnwrap(Double(price.to.replacingOccurrences(of: ",", with: "")))
            XCTAssertNotEqual(value, value.rounded(), "decimals stay decimals")
            XCTAssertEqual(price.to.split(separator: ".").last?.count, 2, "written with its 2 decimals")
            XCTAssertEqual(price.to.contains(","), value >= 1000, "and its thousands separator")
        }
    }
}
