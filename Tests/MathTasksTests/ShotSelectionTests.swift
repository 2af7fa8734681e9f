import Foundation
import XCTest
import Retrieval
import Tensor
@testable import MathTasks

/// The three shot selections: fixed = the first K train problems, random = seeded per question and reproducible,
/// retrieved = the K nearest in an index, nearest last, never the question itself.
final class ShotSelectionTests: XCTestCase {
    /// "Problem i" sits at angle 0.003·i² on a circle (so neighbours are never tied, and distances grow with i).
    final class AngleEmbedder: TextEmbedder {
        let dimension = 4
        let fingerprint: EncoderFingerprint
        init(weights: String = "angles") {
            fingerprint = EncoderFingerprint(model: "angles", weightsSHA256: weights, dimension: 4, pooling: "none", normalized: true)
        }
        func embed(_ texts: [String], progress: ((Int) -> Void)?) throws -> Tensor {
            let out = Tensor(zeros: [texts.count, 4])
            for (r, text) in texts.enumerated() {
                let i = Double(text.split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0)
                out.row(r)[0] = Float(cos(0.003 * i * i))
                out.row(r)[1] = Float(sin(0.003 * i * i))
            }
            progress?(texts.count)
            return out
        }
    }

    let train = (0..<20).map { GSM8KProblem(line: $0, question: "Problem \($0)", answer: "Solution \($0)\n#### \($0)") }

    func testFixedIsTheFirstKTrainProblems() {
        let selector = ShotSelector(train: train)
        XCTAssertEqual(selector.fixed(k: 3, excluding: "Problem 99").map(\.line), [0, 1, 2])
        XCTAssertEqual(selector.fixed(k: 3, excluding: " Problem 1\n").map(\.line), [0, 2, 3], "the question itself is skipped")
        XCTAssertEqual(selector.fixed(k: 0, excluding: "x"), [])
    }

    func testRandomIsSeededPerQuestionAndReproducible() {
        let selector = ShotSelector(train: train)
        let a = selector.random(k: 4, seed: 7, questionIndex: 5, excluding: "Problem 3")
        XCTAssertEqual(a, selector.random(k: 4, seed: 7, questionIndex: 5, excluding: "Problem 3"), "same seed and question: same shots")
        XCTAssertEqual(Set(a.map(\.line)).count, 4, "distinct")
        XCTAssertFalse(a.contains { $0.line == 3 }, "never the question itself")
        let perQuestion = (0..<10).map { selector.random(k: 4, seed: 7, questionIndex: $0, excluding: "none").map(\.line) }
        XCTAssertGreaterThan(Set(perQuestion).count, 5, "questions get different shots")
        let otherSeed = (0..<10).map { selector.random(k: 4, seed: 8, questionIndex: $0, excluding: "none").map(\.line) }
        XCTAssertNotEqual(perQuestion, otherSeed)
        // The shots of a question do not depend on which other questions are drawn for, or in what order.
        XCTAssertEqual(selector.random(k: 4, seed: 7, questionIndex: 9, excluding: "none").map(\.line), perQuestion[9])
        XCTAssertEqual(selector.random(k: 30, seed: 7, questionIndex: 0, excluding: "Problem 0").map(\.line), Array(1..<20),
                       "asking for more than there are gives all the others")
    }

    func testRetrievedAreNearestLastAndNeverTheQuestion() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-shots-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Problems 0-19, plus two more copies of problem 4's question (whitespace differs).
        var documents = train.map {
            CorpusDocument(id: Int64($0.line), source: "gsm8k", split: "train", question: $0.question, solution: $0.answer, finalAnswer: "\($0.line)")
        }
        for (id, text) in [(20, "Problem 4  "), (21, "\n Problem 4")] {
            documents.append(CorpusDocument(id: Int64(id), source: "gsm8k", split: "train", question: text, solution: "copy", finalAnswer: "4"))
        }
        let embedder = AngleEmbedder()
        _ = try VectorIndexBuilder(embedder: embedder).build(name: "tiny", in: directory, documents: documents,
                                                             options: IndexBuildOptions(modelPath: "angles", corpus: "memory"))
        let retriever = try ShotRetriever(index: try VectorIndex.open("tiny", in: directory), embedder: embedder)
        let shots = try retriever.shots(for: ["Problem 0", "Problem 10", "Problem 4", "Problem 25"], k: 3)
        XCTAssertEqual(shots[0].map(\.line), [3, 2, 1], "0 itself dropped; 1 is nearest, so last")
        XCTAssertEqual(shots[1].map(\.line), [8, 11, 9])
        XCTAssertEqual(shots[2].map(\.line), [2, 5, 3], "all three copies of the question dropped (a wider search finds 3 others)")
        XCTAssertEqual(shots[3].map(\.line), [17, 18, 19], "a question not in the index keeps its 3 nearest")
        XCTAssertEqual(shots[0].last?.question, "Problem 1")
        XCTAssertEqual(shots[0].last?.answer, "Solution 1\n#### 1", "the shot's solution is the stored document's")
        XCTAssertEqual(try retriever.shots(for: ["Problem 0"], k: 0), [[]])

        XCTAssertThrowsError(try ShotRetriever(index: try VectorIndex.open("tiny", in: directory), embedder: AngleEmbedder(weights: "other"))) {
            XCTAssertTrue("\($0)".contains("tiny"), "\($0)")
        }
    }
}
