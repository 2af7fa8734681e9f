import XCTest
@testable import MathTasks

/// GSM8K's `<<expression=result>>` annotations: parsed in order, arithmetic with the usual precedence, and every
/// unusable annotation skipped and counted by reason, never fatal.
final class CalculatorAnnotationTests: XCTestCase {
    func testParsesTheAnnotationsOfARealSolution() {
        let (annotations, malformed) = CalculatorAnnotation.parse(solution: GSM8KSamples.natalia.answer)
        XCTAssertEqual(malformed, [])
        XCTAssertEqual(annotations.map(\.text), ["48/2=24", "48+24=72"])
        XCTAssertEqual(annotations.map(\.result), [24, 72])
        XCTAssertEqual(annotations.map(\.isExact), [true, true])
        XCTAssertEqual(annotations[0].expression, .binary(.divide, .number(48, text: "48"), .number(2, text: "2")))
    }

    func testArithmeticPrecedenceAndSigns() {
        func value(_ text: String) -> Double? { CalculatorExpression.parse(text)?.evaluate() }
        XCTAssertEqual(value("100-50-30-15"), 5, "left to right")
        XCTAssertEqual(value("80/100*10"), 8)
        XCTAssertEqual(value("2+3*4"), 14)
        XCTAssertEqual(value("(2+3)*4"), 20)
        XCTAssertEqual(value("-3*2"), -6)
        XCTAssertEqual(value("+30+46+38+11+18"), 143, "a leading + as GSM8K writes it at times")
        XCTAssertEqual(value(".5*4"), 2)
        XCTAssertEqual(value("2 * 3"), 6, "spaces are ignored")
        XCTAssertNotNil(CalculatorExpression.parse("4/0"))
        XCTAssertNil(value("4/0"), "division by zero has no value")
        for bad in ["", "3*", "2(3)", "(2+3", "560//10", "2**3", "3x4", "1.2.3"] {
            XCTAssertNil(CalculatorExpression.parse(bad), bad)
        }
    }

    func testMalformedAnnotationsAreSkippedAndCounted() {
        let solution = """
            Good <<2*3=6>>6. No equals <<2*3>>. Two equals <<1+1=2=2>>. Bad expression <<3*=5>>. Bad result <<3*4=twelve>>.
            Division by zero <<4/0=0>>. Wrong result <<3*4=13>>. Rounded <<10/3=3.33>>3.33. Good again <<6+1=7>>7.
            Unclosed <<5+5=10 then <<1+2=3>>3 and the end <<8-1=7
            """
        let (annotations, malformed) = CalculatorAnnotation.parse(solution: solution)
        XCTAssertEqual(annotations.map(\.text), ["2*3=6", "10/3=3.33", "6+1=7", "1+2=3"])
        XCTAssertEqual(annotations.map(\.isExact), [true, false, true, true], "3.33 is 10/3 rounded to the decimals shown")
        XCTAssertEqual(malformed, [.noSingleEquals, .noSingleEquals, .badExpression, .badResult, .notEvaluable,
                                   .resultMismatch, .unclosed, .unclosed])
    }

    func testARealMalformedAnnotationIsSkipped() {
        let (annotations, malformed) = CalculatorAnnotation.parse(solution: GSM8KSamples.chad.answer)
        XCTAssertEqual(annotations.map(\.text), ["2*5=10", "4*28=112", "112*5=560"])
        XCTAssertEqual(malformed, [.badExpression], "560//10=56")
    }
}
