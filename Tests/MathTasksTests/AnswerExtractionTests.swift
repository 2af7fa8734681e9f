import XCTest
import Retrieval
@testable import MathTasks

final class AnswerExtractionTests: XCTestCase {
    func testStrictMatchTakesTheFirstHashAnswer() {
        XCTAssertEqual(AnswerExtraction.extract("so 5+4=9\n#### 1,234.\nmore #### 7", using: .strictMatch), "1,234.")
        XCTAssertEqual(AnswerExtraction.extract("The answer is 42", using: .strictMatch), AnswerExtraction.invalid)
    }

    func testFlexibleExtractTakesTheLastNumber() {
        XCTAssertEqual(AnswerExtraction.extract("She pays $1,200 then 3 more, total $1,203.", using: .flexibleExtract), "$1,203.")
        XCTAssertEqual(AnswerExtraction.extract("x = 7", using: .flexibleExtract), "7")
        XCTAssertEqual(AnswerExtraction.extract("minus -5 apples", using: .flexibleExtract), "-5")
        XCTAssertEqual(AnswerExtraction.extract("no digits", using: .flexibleExtract), AnswerExtraction.invalid)
    }

    func testBoxed() {
        XCTAssertEqual(AnswerExtraction.extract(#"so \boxed{3} or rather \boxed{\frac{1}{2}}"#, using: .boxed), #"\frac{1}{2}"#)
        XCTAssertEqual(AnswerExtraction.extract("none", using: .boxed), AnswerExtraction.invalid)
    }

    /// The harness strips commas, dollar signs, everything up to "#### " and a final period before comparing.
    func testScoringNormalisation() {
        XCTAssertTrue(AnswerExtraction.isCorrect("$1,203.", gold: "1203"))
        XCTAssertTrue(AnswerExtraction.isCorrect("18", gold: "18"))
        XCTAssertFalse(AnswerExtraction.isCorrect("18.0", gold: "18"))
        XCTAssertFalse(AnswerExtraction.isCorrect(AnswerExtraction.invalid, gold: "18"))
    }

    func testGoldAndPrompts() {
        let p = GSM8KProblem(line: 0, question: "Q?", answer: "Work <<2*3=6>>6\n#### 6")
        XCTAssertEqual(p.finalAnswer, "6")
        XCTAssertEqual(FewShotPrompt.plain(question: "Next?", shots: [p]), "Question: Q?\nAnswer: Work <<2*3=6>>6\n#### 6\n\nQuestion: Next?\nAnswer:")
        let chat = FewShotPrompt.chat(question: "Next?", shots: [p])
        XCTAssertEqual(chat.map(\.role), ["user", "assistant", "user"])
        XCTAssertTrue(chat[2].content.hasSuffix("Problem: Next?"))
    }
}
