import Foundation
import XCTest
import Decoder
import Retrieval
@testable import MathTasks

/// An evaluation's output directory: run.json guards the settings, predictions.jsonl is resumable after a kill at any
/// moment, and the summaries say what the predictions say.
final class GSM8KRunDirectoryTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-run-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    let settings = GSM8KRunSettings(model: "models/m", testData: "test.jsonl", promptFormat: .auto, shots: 4,
                                    shotSelection: .fixed, trainData: "train.jsonl", maxNewTokens: 320)

    func prediction(_ i: Int, output: String, gold: String = "18", newTokens: Int = 10, finish: String = "stop_token") -> GSM8KPrediction {
        GSM8KPrediction(index: i, problem: GSM8KProblem(line: i, question: "Q\(i)?", answer: "work\n#### \(gold)"), prompt: "P\(i)",
                        output: output, shotIds: [0, 1, 2, 3], promptTokens: 100, newTokens: newTokens, finishReason: finish, seconds: 2)
    }

    func testPredictionsAreAppendedAndReadBack() throws {
        let run = try GSM8KRunDirectory(scratch, settings: settings)
        XCTAssertEqual(run.predictions.count, 0)
        let batch = [prediction(0, output: "so 9+9\n#### 18"), prediction(1, output: "It is $1,018.", gold: "1018")]
        try run.append(batch)
        XCTAssertEqual(batch[0].correct, ["strict-match": true, "flexible-extract": true, "boxed": false])
        XCTAssertEqual(batch[1].extracted["strict-match"], AnswerExtraction.invalid)
        XCTAssertEqual(batch[1].extracted["flexible-extract"], "$1,018.")
        XCTAssertEqual(batch[1].correct["flexible-extract"], true)

        let lines = try String(contentsOf: run.predictionsFile, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(Set(first.keys), ["index", "question", "prompt", "output", "extracted", "gold", "correct", "shot_ids",
                                         "prompt_tokens", "new_tokens", "finish_reason", "seconds"])
        XCTAssertEqual(first["shot_ids"] as? [Int], [0, 1, 2, 3])
        XCTAssertEqual(first["gold"] as? String, "18")

        let reopened = try GSM8KRunDirectory(scratch, settings: settings)
        XCTAssertEqual(reopened.predictions, [0: batch[0], 1: batch[1]])
        XCTAssertFalse(reopened.discardedPartialLine)
        let recorded = try JSONDecoder().decode(GSM8KRunSettings.self, from: Data(contentsOf: run.runFile))
        XCTAssertEqual(recorded, settings)
    }

    /// A kill during a write leaves a line without its newline: it is cut off, and the next batch appends cleanly.
    func testPartialLastLineIsCutOff() throws {
        let run = try GSM8KRunDirectory(scratch, settings: settings)
        try run.append([prediction(0, output: "#### 18")])
        let whole = try prediction(1, output: "#### 18").jsonLine()
        let handle = try FileHandle(forWritingTo: run.predictionsFile)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(whole.utf8.prefix(40)))
        try handle.close()

        let reopened = try GSM8KRunDirectory(scratch, settings: settings)
        XCTAssertTrue(reopened.discardedPartialLine)
        XCTAssertEqual(Array(reopened.predictions.keys), [0])
        try reopened.append([prediction(1, output: "#### 18")])
        let again = try GSM8KRunDirectory(scratch, settings: settings)
        XCTAssertEqual(again.predictions.keys.sorted(), [0, 1])
        XCTAssertFalse(again.discardedPartialLine)
    }

    func testMalformedRecordsAreErrorsNamingFileAndLine() throws {
        let run = try GSM8KRunDirectory(scratch, settings: settings)
        try run.append([prediction(0, output: "#### 18")])
        try Data((try prediction(0, output: "x").jsonLine() + "{\"index\": 3}\n" + (try prediction(2, output: "y").jsonLine())).utf8)
            .write(to: run.predictionsFile)
        XCTAssertThrowsError(try GSM8KRunDirectory(scratch, settings: settings)) {
            XCTAssertTrue("\($0)".hasPrefix("\(run.predictionsFile.path):2: not a prediction record"), "\($0)")
        }
        try Data("not json".utf8).write(to: run.runFile)
        XCTAssertThrowsError(try GSM8KRunDirectory(scratch, settings: settings)) {
            XCTAssertTrue("\($0)".hasPrefix("\(run.runFile.path): not the run.json of a GSM8K evaluation"), "\($0)")
        }
    }

    func testOtherSettingsAreRefusedListingTheDifferences() throws {
        _ = try GSM8KRunDirectory(scratch, settings: settings)
        var other = settings
        other.shots = 8
        other.shotSelection = .random
        other.seed = 3
        XCTAssertThrowsError(try GSM8KRunDirectory(scratch, settings: other)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(self.scratch.appendingPathComponent("run.json").path), message)
            for text in ["seed: 0 → 3", "shot_selection: \"fixed\" → \"random\"", "shots: 4 → 8", "delete \(self.scratch.path)"] {
                XCTAssertTrue(message.contains(text), "mentions \(text): \(message)")
            }
            XCTAssertFalse(message.contains("model"), "unchanged settings are not listed: \(message)")
        }
    }

    func testSummaryCountsEveryExtractor() throws {
        let predictions = [
            prediction(0, output: "#### 18", newTokens: 20),
            prediction(1, output: "the answer is 18", newTokens: 30, finish: "length"),
            prediction(2, output: #"\boxed{18}"#, newTokens: 10),
            prediction(3, output: "#### 17", newTokens: 40),
        ]
        let summary = GSM8KSummary(predictions: predictions, questions: 10, settings: settings, format: .chat)
        XCTAssertEqual(summary.n, 4)
        XCTAssertEqual(summary.questions, 10)
        XCTAssertEqual(summary.correct, ["strict-match": 1, "flexible-extract": 3, "boxed": 1])
        XCTAssertEqual(summary.accuracy["flexible-extract"], 0.75)
        XCTAssertEqual(summary.wallSeconds, 8)
        XCTAssertEqual(summary.newTokens, 100)
        XCTAssertEqual(summary.tokensPerSecond, 12.5)
        XCTAssertEqual(summary.hitMaxNewTokens, 1)
        XCTAssertEqual(summary.setting, "fixed 4-shot, chat")
        XCTAssertTrue(summary.markdown.contains("| setting | model | n | strict-match | flexible-extract | boxed | wall time | tokens/s |"),
                      summary.markdown)
        XCTAssertTrue(summary.markdown.contains("| fixed 4-shot, chat | m | 4 | 25.0 % (1) | 75.0 % (3) | 25.0 % (1) | 0:08 | 12.5 |"),
                      summary.markdown)

        let run = try GSM8KRunDirectory(scratch, settings: settings)
        try run.writeSummary(summary)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: run.summaryJSONFile)) as! [String: Any]
        XCTAssertEqual(json["n"] as? Int, 4)
        XCTAssertEqual((json["accuracy"] as? [String: Double])?["strict-match"], 0.25)
        XCTAssertEqual(json["tokens_per_second"] as? Double, 12.5)
        XCTAssertEqual(try String(contentsOf: run.summaryMarkdownFile, encoding: .utf8), summary.markdown)

        var retrieved = settings
        retrieved.shotSelection = .retrieved
        retrieved.index = "gsm8k-train"
        XCTAssertEqual(GSM8KSummary.describe(retrieved, format: .plain), "retrieved 4-shot (gsm8k-train), plain")
        retrieved.shots = 0
        XCTAssertEqual(GSM8KSummary.describe(retrieved, format: .chat), "0-shot, chat")
        retrieved.weights = .q4
        XCTAssertEqual(GSM8KSummary.describe(retrieved, format: .chat), "0-shot, chat, q4 weights")
    }
}
