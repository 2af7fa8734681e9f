import XCTest
import Retrieval
@testable import MathTasks

/// Skeletons of calculator chains: references to earlier results, variables for the question's numbers (numbered by
/// first use), constants for the rest, operands of + and * in a canonical order.
final class SolutionSkeletonTests: XCTestCase {
    func skeleton(_ p: GSM8KProblem) -> SolutionSkeleton { AnalyzedProblem(p).skeleton }

    func skeleton(question: String, chain: [String], answer: String? = nil) -> SolutionSkeleton {
        let (annotations, malformed) = CalculatorAnnotation.parse(solution: chain.map { "<<\($0)>>" }.joined(separator: " "))
        XCTAssertEqual(malformed, [])
        return SolutionSkeleton(question: question, annotations: annotations, finalAnswer: answer)
    }

    /// Each checked by hand against the solution text (GSM8KSamples holds the problems verbatim).
    func testHandCheckedSkeletonsOfRealSolutions() {
        // 48/2=24 (half: the constant 2), 48+24=72: 48 is the question's, 24 the result of step 1.
        XCTAssertEqual(skeleton(GSM8KSamples.natalia).text, "x1/2 ; #1+x1")
        // $12 an hour / 60 minutes, then that rate * 50 minutes.
        XCTAssertEqual(skeleton(GSM8KSamples.weng).text, "x1/60 ; #1*x2")
        // 100/2 (half), 15*2 (twice), 100-50-30-15 with 50 and 30 the results of steps 1 and 2.
        XCTAssertEqual(skeleton(GSM8KSamples.betty).text, "x1/2 ; 2*x2 ; ((x1-#1)-#2)-x2")
        // 3*2, 6*2 (twice a week: 2 is also the question's "2 different friends", so a variable), 12*52 weeks.
        XCTAssertEqual(skeleton(GSM8KSamples.james).text, "x1*x2 ; #1*x2 ; #2*52")
        // "Ten" (a word) is x1; 80/100 of the question's 80% is x2%; 25/100 of its 25% is x3%.
        XCTAssertEqual(skeleton(GSM8KSamples.mark).text, "x1*x2% ; #1+x1 ; #2+x1 ; #3*x3% ; #3+#4")
    }

    func testReferencesVariablesAndConstants() {
        let weng = skeleton(GSM8KSamples.weng)
        XCTAssertEqual(weng.steps, [.operation(.divide, [.variable(1), .constant(60)]),
                                    .operation(.multiply, [.reference(1), .variable(2)])])
        XCTAssertEqual(weng.variableValues, [12, 50])
        XCTAssertEqual(weng.results, [0.2, 10])
        XCTAssertEqual(weng.answerStep, 2, "#### 10 is step 2's result")
        XCTAssertEqual(weng.ambiguousOperands, 0)
        let mark = skeleton(GSM8KSamples.mark)
        XCTAssertEqual(mark.variableValues, [10, 80, 25], "numbered by first use: Ten, 80%, 25%")
        XCTAssertEqual(mark.steps[0], .operation(.multiply, [.variable(1), .percent(2)]))
        XCTAssertEqual(mark.answerStep, 5)
        XCTAssertFalse(mark.isTrivial)
        XCTAssertTrue(skeleton(question: "A has 3 bags of 4.", chain: ["3*4=12"]).isTrivial)
    }

    func testChainsWrittenDifferentlyShareTheSkeleton() {
        let q = "Sam has 48 apples and 3 friends."
        let a = skeleton(question: q, chain: ["48/2=24", "48+24=72"])
        XCTAssertEqual(skeleton(question: q, chain: ["48/2=24", "24+48=72"]).text, a.text, "operands of + commute")
        XCTAssertEqual(skeleton(question: "Ann has 10 bags of 5 apples and 7 pears.", chain: ["5*10=50", "50+7=57"]).text,
                       skeleton(question: "Bo buys 4 boxes of 6 and 9 more.", chain: ["4*6=24", "9+24=33"]).text)
        XCTAssertEqual(skeleton(question: "A 25% tip on $28.", chain: ["0.25*28=7"]).text,
                       skeleton(question: "A 25% tip on $28.", chain: ["25/100*28=7"]).text, "x/100 of a percentage is x%")
        XCTAssertEqual(skeleton(question: "Buy 2, 3 and 4.", chain: ["2*3*4=24"]).text,
                       skeleton(question: "Buy 2, 3 and 4.", chain: ["2*(3*4)=24"]).text, "nested products flatten")
        XCTAssertEqual(skeleton(question: q, chain: ["48-3=45", "45-3=42"]).text, "x1-x2 ; #1-x2")
        XCTAssertEqual(skeleton(question: q, chain: ["48-3=45", "48-45=3"]).text, "x1-x2 ; x1-#1", "- does not commute")
    }

    func testShapeIgnoresWhichOperandsAreConstants() {
        let stated = skeleton(question: "5 boxes of 8 for 7 days.", chain: ["5*8=40", "40*7=280"])
        let implied = skeleton(question: "5 boxes of 8 for a week.", chain: ["5*8=40", "40*7=280"])
        XCTAssertEqual(stated.text, "x1*x2 ; #1*x3")
        XCTAssertEqual(implied.text, "x1*x2 ; #1*7")
        XCTAssertEqual(stated.shape, implied.shape)
        XCTAssertNotEqual(stated.shape, skeleton(question: "5 boxes of 8 for 7 days.", chain: ["5*8=40", "40+7=47"]).shape)
    }

    func testSkippedAnnotationsLeaveAPartialChain() {
        let chad = AnalyzedProblem(GSM8KSamples.chad)
        XCTAssertEqual(chad.skeleton.text, "x1*x2 ; x3*x4 ; #2*x2")
        XCTAssertEqual(chad.malformed, [.badExpression])
        XCTAssertFalse(chad.hasCompleteSkeleton, "not compared with other skeletons")
        XCTAssertNil(chad.skeleton.answerStep, "#### 56 came from the skipped step")
        XCTAssertTrue(AnalyzedProblem(GSM8KSamples.natalia).hasCompleteSkeleton)
        let none = AnalyzedProblem(GSM8KProblem(line: 9, question: "How many?", answer: "Two.\n#### 2"))
        XCTAssertTrue(none.skeleton.isEmpty)
        XCTAssertFalse(none.hasCompleteSkeleton)
    }

    func testOperandThatIsBothAResultAndAQuestionNumberIsAmbiguous() {
        let s = skeleton(question: "2 boxes of 8 and 16 more.", chain: ["2*8=16", "16+16=32"])
        XCTAssertEqual(s.text, "x1*x2 ; #1+#1", "references take precedence")
        XCTAssertEqual(s.ambiguousOperands, 2)
    }

    func testEvaluateAndInstantiateWithNewValues() {
        let natalia = skeleton(GSM8KSamples.natalia)
        XCTAssertEqual(natalia.evaluate(variables: [48]), [24, 72])
        let results = natalia.evaluate(variables: [52])!
        XCTAssertEqual(results, [26, 78])
        XCTAssertEqual(natalia.instantiate(variables: [52], results: results), ["52/2=26", "26+52=78"])
        let mark = skeleton(GSM8KSamples.mark)
        XCTAssertEqual(mark.instantiate(variables: mark.variableValues, results: mark.results)[0], "10*(80/100)=8")
        XCTAssertNil(skeleton(question: "Share 6 among 2.", chain: ["6/2=3"]).evaluate(variables: [6, 0]), "division by zero")
    }

    func testQuestionNumbers() {
        let numbers = QuestionNumber.find(in: "On the 2nd day at 2:30, twenty-five of the 1,200 cats (40%) ate $0.50 each in 2019.")
        XCTAssertEqual(numbers.map(\.value), [2, 2, 30, 25, 1200, 40, 0.5, 2019])
        XCTAssertEqual(numbers.map(\.isRewritable), [false, false, false, false, true, true, true, false],
                       "ordinal, time, word and year are kept")
        XCTAssertEqual(numbers.map(\.isPercent), [false, false, false, false, false, true, false, false])
        XCTAssertEqual(numbers[4].isGrouped, true)
        XCTAssertEqual(numbers[6].decimals, 2)
        XCTAssertEqual(QuestionNumber.find(in: "A forty-year-old and someone").map(\.value), [40], "not 'one' in 'someone'")
    }
}
