import Foundation
import XCTest
import ModelFormats
import TestSupport

/// The `exemplar` binary on bad input: a one-line error naming the file (and line), a non-zero exit status, and no
/// output file left behind.
final class CLIErrorTests: XCTestCase, RunsExemplar {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func writeInput(_ lines: [String]) throws -> URL {
        let url = scratch.appendingPathComponent("input.jsonl")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func assertFailedCleanly(_ run: Run, mentions: [String], output: URL, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(run.status, 0, "exit status", file: file, line: line)
        let errorLines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errorLines.count, 1, "one error line in: \(run.stderr)", file: file, line: line)
        for text in mentions { XCTAssertTrue(run.stderr.contains(text), "stderr mentions \(text): \(run.stderr)", file: file, line: line) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "no output file left", file: file, line: line)
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path))?.filter { $0.hasSuffix(".tmp") } ?? []
        XCTAssertEqual(leftovers, [], "no temporary files left", file: file, line: line)
    }

    func testMissingModelDirectory() throws {
        let input = try writeInput(["{\"question\": \"a\"}"])
        let output = scratch.appendingPathComponent("out.npy")
        let result = try run(["embed", "--model", "/nonexistent/minilm", "--input", input.path, "--output", output.path])
        assertFailedCleanly(result, mentions: ["/nonexistent/minilm"], output: output)
    }

    func testTruncatedSafetensors() throws {
        let source = try Repository.model("all-MiniLM-L6-v2")
        let model = scratch.appendingPathComponent("model")
        try FileManager.default.copyItem(at: source, to: model)
        let weights = model.appendingPathComponent("model.safetensors")
        let handle = try FileHandle(forWritingTo: weights)
        try handle.truncate(atOffset: 1_000_000)
        try handle.close()
        let input = try writeInput(["{\"question\": \"a\"}"])
        let output = scratch.appendingPathComponent("out.npy")
        let result = try run(["embed", "--model", model.path, "--input", input.path, "--output", output.path])
        assertFailedCleanly(result, mentions: [weights.path], output: output)
    }

    func testMalformedJSONLineNamesFileAndLine() throws {
        let input = try writeInput(["{\"question\": \"a\"}", "", "{\"question\": \"b\"", "{\"question\": \"c\"}"])
        let output = scratch.appendingPathComponent("out.npy")
        let result = try run(["embed", "--model", try Repository.model("all-MiniLM-L6-v2").path, "--input", input.path,
                              "--output", output.path])
        assertFailedCleanly(result, mentions: ["\(input.path):3:", "malformed JSON"], output: output)
    }

    func testMissingFieldNamesFileAndLine() throws {
        let input = try writeInput(["{\"question\": \"a\"}", "{\"answer\": \"b\"}"])
        let output = scratch.appendingPathComponent("out.npy")
        let result = try run(["embed", "--model", try Repository.model("all-MiniLM-L6-v2").path, "--input", input.path,
                              "--output", output.path])
        assertFailedCleanly(result, mentions: ["\(input.path):2:", "question"], output: output)
    }

    /// The happy path: .npy with one row per line, in order, equal to the JSON Lines output.
    func testEmbedWritesNPYAndJSONL() throws {
        let input = try writeInput(["{\"question\": \"How many eggs?\"}", "{\"question\": \"What is 2 + 2?\"}",
                                    "{\"question\": \"Natalia sold clips to 48 of her friends.\"}"])
        let npy = scratch.appendingPathComponent("out.npy"), jsonl = scratch.appendingPathComponent("out.jsonl")
        let model = try Repository.model("all-MiniLM-L6-v2").path
        XCTAssertEqual(try run(["embed", "--model", model, "--input", input.path, "--output", npy.path]).status, 0)
        XCTAssertEqual(try run(["embed", "--model", model, "--input", input.path, "--output", jsonl.path]).status, 0)
        let array = try NPYArray(path: npy.path)
        XCTAssertEqual(array.shape, [3, 384])
        let lines = try String(contentsOf: jsonl, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        for (i, line) in lines.enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertEqual(object["index"] as? Int, i)
            let values = (object["embedding"] as! [NSNumber]).map(\.floatValue)
            XCTAssertEqual(values, Array(array.values[(i * 384)..<((i + 1) * 384)]))
        }
    }

    /// A second embed of the same texts reads every vector from the embedding cache, bit for bit the first run's;
    /// --no-embedding-cache neither reads nor writes it.
    func testSecondEmbedComesFromTheEmbeddingCache() throws {
        let input = try writeInput(["{\"question\": \"How many eggs?\"}", "{\"question\": \"What is 2 + 2?\"}"])
        let cache = scratch.appendingPathComponent("cache")
        let model = try Repository.model("all-MiniLM-L6-v2").path
        var outputs: [Data] = []
        for (i, expected) in ["0 of 2 vectors", "2 of 2 vectors"].enumerated() {
            let out = scratch.appendingPathComponent("out\(i).npy")
            let result = try run(["embed", "--model", model, "--input", input.path, "--output", out.path, "--embedding-cache", cache.path])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stderr.contains("\(expected) from the embedding cache \(cache.path)"), result.stderr)
            outputs.append(try Data(contentsOf: out))
        }
        XCTAssertEqual(outputs[0], outputs[1])
        let off = try run(["embed", "--model", model, "--input", input.path, "--output", scratch.appendingPathComponent("off.npy").path,
                           "--no-embedding-cache"])
        XCTAssertEqual(off.status, 0, off.stderr)
        XCTAssertFalse(off.stderr.contains("embedding cache"), off.stderr)
        XCTAssertEqual(try Data(contentsOf: scratch.appendingPathComponent("off.npy")), outputs[0])
    }
}
