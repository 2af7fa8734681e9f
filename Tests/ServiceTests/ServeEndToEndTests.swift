import Encoder
import Foundation
import ModelFormats
import TestSupport
import XCTest

/// `exemplar serve` with the real MiniLM and a small GSM8K index, driven over HTTP on loopback: embeddings bit for
/// bit equal to `exemplar embed`, search equal to `exemplar search --json`, OpenAI error objects for bad input.
final class ServeEndToEndTests: XCTestCase, RunsExemplar {
    static var scratch: URL!
    static var server: RunningServer?
    static var startError: Error?

    var scratch: URL { Self.scratch }
    var indexDir: URL { scratch.appendingPathComponent("indexes") }

    /// GSM8K-like texts of different lengths (so they pack into a batch unevenly), one with non-ASCII.
    static let texts = [
        "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?",
        "Weng earns $12 an hour for babysitting.",
        "Ein Zug fährt 60 km/h — wie weit kommt er in 3 Stunden?",
    ]

    /// One index of the first 30 train problems and one server for the whole class (loading MiniLM takes seconds).
    override class func setUp() {
        super.setUp()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-serve-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let model = try Repository.model("all-MiniLM-L6-v2").path
            try RunningServer.buildSmallIndex(in: scratch)
            server = try RunningServer(["--encoder", model, "--index", "small", "--index-dir", scratch.appendingPathComponent("indexes").path])
        } catch {
            startError = error
        }
    }

    override class func tearDown() {
        _ = server?.stop()
        server = nil
        try? FileManager.default.removeItem(at: scratch)
        super.tearDown()
    }

    func running() throws -> RunningServer {
        if let error = Self.startError { throw error }
        return try XCTUnwrap(Self.server)
    }

    /// `exemplar embed` of `texts` (no cache: computed now, as the server computes them), row by row.
    func exemplarEmbed(_ texts: [String], name: String) throws -> [[Float]] {
        let input = scratch.appendingPathComponent("\(name).jsonl"), output = scratch.appendingPathComponent("\(name).npy")
        let lines = try texts.map { String(decoding: try JSONSerialization.data(withJSONObject: ["text": $0]), as: UTF8.self) }
        try lines.joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        let embedded = try run(["embed", "--model", try Repository.model("all-MiniLM-L6-v2").path, "--input", input.path,
                                "--field", "text", "--output", output.path, "--no-embedding-cache"])
        XCTAssertEqual(embedded.status, 0, embedded.stderr)
        let array = try NPYArray(path: output.path)
        let d = array.shape[1]
        return (0..<array.shape[0]).map { Array(array.values[$0 * d..<($0 + 1) * d]) }
    }

    /// The embedding vectors of an embeddings reply, decoded from floats or base64.
    func vectors(_ reply: RunningServer.Reply) throws -> [[Float]] {
        let data = try XCTUnwrap(reply.json["data"] as? [[String: Any]], reply.text)
        XCTAssertEqual(data.map { $0["index"] as? Int }, Array(0..<data.count))
        XCTAssertTrue(data.allSatisfy { $0["object"] as? String == "embedding" })
        return try data.map { item in
            if let text = item["embedding"] as? String {
                let bytes = try XCTUnwrap(Data(base64Encoded: text))
                return bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            }
            // JSONSerialization reads numbers as Double; the shortest Float text reads back to the same Float.
            return try XCTUnwrap(item["embedding"] as? [NSNumber]).map { Float($0.doubleValue) }
        }
    }

    func bits(_ v: [[Float]]) -> [[UInt32]] { v.map { $0.map(\.bitPattern) } }

    func testEmbeddingsAreExemplarEmbedsVectorsBitForBit() throws {
        let server = try running()
        let expected = try exemplarEmbed(Self.texts, name: "texts")

        let floats = try server.post("/v1/embeddings", json: ["model": "all-MiniLM-L6-v2", "input": Self.texts])
        XCTAssertEqual(floats.status, 200, floats.text)
        XCTAssertEqual(bits(try vectors(floats)), bits(expected))
        XCTAssertEqual(floats.json["object"] as? String, "list")
        XCTAssertEqual(floats.json["model"] as? String, "all-MiniLM-L6-v2")

        let base64 = try server.post("/v1/embeddings", json: ["model": "all-MiniLM-L6-v2", "input": Self.texts, "encoding_format": "base64"])
        XCTAssertEqual(base64.status, 200, base64.text)
        XCTAssertEqual(bits(try vectors(base64)), bits(expected))

        // One string alone: the vector `exemplar embed` gives that text alone.
        let single = try server.post("/v1/embeddings", json: ["model": "all-MiniLM-L6-v2", "input": Self.texts[1]])
        XCTAssertEqual(bits(try vectors(single)), bits(try exemplarEmbed([Self.texts[1]], name: "single")))

        // Token ids (as the encoder's tokenizer gives them, [CLS] … [SEP]) embed to their text's vector.
        let encoder = try SentenceEncoder(directory: try Repository.model("all-MiniLM-L6-v2"), adapter: nil)
        let ids = try encoder.tokenize(Self.texts)
        let tokens = try server.post("/v1/embeddings", json: ["model": "all-MiniLM-L6-v2", "input": ids.map { $0.map(Int.init) }])
        XCTAssertEqual(tokens.status, 200, tokens.text)
        XCTAssertEqual(bits(try vectors(tokens)), bits(expected))
        let usage = try XCTUnwrap(floats.json["usage"] as? [String: Any])
        XCTAssertEqual(usage["prompt_tokens"] as? Int, ids.reduce(0) { $0 + $1.count })
        XCTAssertEqual(usage["total_tokens"] as? Int, ids.reduce(0) { $0 + $1.count })
        let oneList = try server.post("/v1/embeddings", json: ["model": "all-MiniLM-L6-v2", "input": ids[0].map(Int.init)])
        // Alone, not in a batch: packing changes the low bits, so the reference is the text embedded alone too.
        XCTAssertEqual(bits(try vectors(oneList)), bits(try exemplarEmbed([Self.texts[0]], name: "first")))

        // dimensions: the first N components scaled back to unit length.
        let short = try vectors(try server.post("/v1/embeddings", json: ["model": "all-MiniLM-L6-v2", "input": Self.texts, "dimensions": 16]))
        for (got, full) in zip(short, expected) {
            XCTAssertEqual(got.count, 16)
            let norm = full.prefix(16).reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            for (a, b) in zip(got, full.prefix(16)) { XCTAssertEqual(a, b / norm, accuracy: 1e-6) }
            XCTAssertEqual(got.reduce(Float(0)) { $0 + $1 * $1 }, 1, accuracy: 1e-5)
        }
    }

    /// The official `openai` Python client (in its own venv, made once by scripts/client-venv.sh) gets the same
    /// vectors, with its default base64 transfer and with floats.
    func testOpenAIPythonClientGetsTheSameVectors() throws {
        let server = try running()
        let client = try PythonClient.run("openai-embeddings-check.py", ["http://127.0.0.1:\(server.port)/v1", "all-MiniLM-L6-v2"] + Self.texts)
        XCTAssertEqual(client.status, 0, client.stderr)
        let reply = try XCTUnwrap(client.json as? [String: [[String]]])
        let expected = bits(try exemplarEmbed(Self.texts, name: "openai"))
        for format in ["base64", "float"] {
            let got = try XCTUnwrap(reply[format]).map { $0.map { UInt32($0, radix: 16) ?? 0 } }
            XCTAssertEqual(got, expected, format)
        }
    }

    func testSearchIsExemplarSearchJSON() throws {
        let server = try running()
        let question = "Natalia sold clips to her friends in April and half as many in May; how many in total?"
        let cli = try run(["search", "--index", "small", "--index-dir", indexDir.path, "-k", "3", "--json", question])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        let expected = try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as! NSDictionary

        let reply = try server.post("/v1/search", json: ["index": "small", "query": question, "k": 3])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.json as NSDictionary, expected)
        XCTAssertEqual(((expected["results"] as? [[String: Any]])?.first?["id"]) as? Int, 0)

        let many = try server.post("/v1/search", json: ["index": "small", "queries": [question, "Weng earns $12 an hour"], "k": 3])
        XCTAssertEqual(many.status, 200, many.text)
        let data = try XCTUnwrap(many.json["data"] as? [[String: Any]])
        XCTAssertEqual(data.count, 2)
        XCTAssertEqual(data[0] as NSDictionary, expected)
        XCTAssertEqual((data[1]["results"] as? [[String: Any]])?.first?["id"] as? Int, 1)
    }

    /// A 4xx with OpenAI's error object: message, type, param and code all present.
    func assertError(_ reply: RunningServer.Reply, status: Int, param: String?, code: String? = nil, contains text: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(reply.status, status, reply.text, file: file, line: line)
        guard let error = reply.json["error"] as? [String: Any] else { return XCTFail("no error object: \(reply.text)", file: file, line: line) }
        XCTAssertEqual(Set(error.keys), ["message", "type", "param", "code"], file: file, line: line)
        XCTAssertTrue((error["message"] as? String)?.contains(text) == true, "\(error)", file: file, line: line)
        XCTAssertEqual(error["type"] as? String, "invalid_request_error", file: file, line: line)
        XCTAssertEqual(error["param"] as? String, param, file: file, line: line)
        XCTAssertEqual(error["code"] as? String, code, file: file, line: line)
    }

    func testBadRequestsGetOpenAIErrorObjects() throws {
        let server = try running()
        let model = "all-MiniLM-L6-v2"
        assertError(try server.send("POST", "/v1/embeddings", body: Data(#"{"model": "x", "input": ["a",]"#.utf8)),
                    status: 400, param: nil, contains: "not valid JSON")
        assertError(try server.send("POST", "/v1/embeddings", body: Data([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])),
                    status: 400, param: nil, contains: "not valid JSON")
        assertError(try server.post("/v1/embeddings", json: [1, 2]), status: 400, param: nil, contains: "must be a JSON object")
        assertError(try server.post("/v1/embeddings", json: ["model": model]), status: 400, param: "input", contains: "'input' is required")
        assertError(try server.post("/v1/embeddings", json: ["model": model, "input": ""]), status: 400, param: "input", contains: "empty")
        assertError(try server.post("/v1/embeddings", json: ["model": model, "input": []]), status: 400, param: "input", contains: "empty list")
        assertError(try server.post("/v1/embeddings", json: ["model": model, "input": 7]), status: 400, param: "input", contains: "not a number")
        assertError(try server.post("/v1/embeddings", json: ["model": model, "input": ["a", 3]]), status: 400, param: "input", contains: "input[1]")
        assertError(try server.post("/v1/embeddings", json: ["model": model, "input": [101, -4]]), status: 400, param: "input", contains: "-4")
        assertError(try server.post("/v1/embeddings", json: ["model": model, "input": [101, 99_999_999]]), status: 400, param: "input",
                    contains: "outside the vocabulary")
        assertError(try server.post("/v1/embeddings", json: ["model": model, "input": "a", "encoding_format": "int8"]), status: 400,
                    param: "encoding_format", contains: "int8")
        assertError(try server.post("/v1/embeddings", json: ["model": model, "input": "a", "dimensions": 0]), status: 400,
                    param: "dimensions", contains: "between 1 and 384")
        assertError(try server.post("/v1/embeddings", json: ["model": model, "input": "a", "dimensions": "8"]), status: 400,
                    param: "dimensions", contains: "must be an integer")
        assertError(try server.post("/v1/embeddings", json: ["model": "text-embedding-3-small", "input": "a"]), status: 404,
                    param: "model", code: "model_not_found", contains: "does not exist")
        assertError(try server.post("/v1/search", json: ["index": "nope", "query": "a"]), status: 404, param: "index",
                    code: "index_not_found", contains: "no index 'nope'")
        assertError(try server.post("/v1/search", json: ["index": "small"]), status: 400, param: "query", contains: "give 'query'")
        assertError(try server.post("/v1/search", json: ["index": "small", "query": "a", "k": 0]), status: 400, param: "k", contains: "'k'")
        assertError(try server.get("/v1/nothing"), status: 404, param: nil, code: "not_found", contains: "no route")
        let wrongMethod = try server.get("/v1/embeddings")
        assertError(wrongMethod, status: 405, param: nil, code: "method_not_allowed", contains: "answers POST, not GET")
        XCTAssertEqual(wrongMethod.headers["allow"], "POST")
        assertError(try server.send("DELETE", "/health", body: Data()), status: 405, param: nil, code: "method_not_allowed",
                    contains: "answers GET")
        let big = Data(#"{"model": "all-MiniLM-L6-v2", "input": ""#.utf8) + Data(repeating: UInt8(ascii: "a"), count: 3 << 20) + Data(#""}"#.utf8)
        assertError(try server.send("POST", "/v1/embeddings", body: big), status: 413, param: nil, code: "request_too_large",
                    contains: "larger than the limit of 2097152 bytes")
        // Still serving after all of that.
        XCTAssertEqual(try server.post("/v1/embeddings", json: ["model": model, "input": "still here"]).status, 200)
        let models = try server.get("/v1/models")
        XCTAssertEqual(models.status, 200)
        XCTAssertEqual((models.json["data"] as? [[String: Any]])?.first?["id"] as? String, model)
    }

    func testAPIKeyGuardsEveryRouteButHealthAndSIGTERMExitsZero() throws {
        _ = try running()
        let model = try Repository.model("all-MiniLM-L6-v2").path
        let guarded = try RunningServer(["--encoder", model], environment: ["EXEMPLAR_API_KEY": "sk-test-123"])
        XCTAssertEqual(try guarded.get("/health").status, 200)
        assertError(try guarded.get("/v1/models"), status: 401, param: nil, code: "invalid_api_key", contains: "no API key")
        assertError(try guarded.get("/v1/models", headers: ["Authorization": "Bearer sk-wrong"]), status: 401, param: nil,
                    code: "invalid_api_key", contains: "incorrect API key")
        assertError(try guarded.post("/v1/embeddings", json: ["model": "all-MiniLM-L6-v2", "input": "a"]), status: 401, param: nil,
                    code: "invalid_api_key", contains: "no API key")
        XCTAssertEqual(try guarded.get("/v1/models", headers: ["Authorization": "Bearer sk-test-123"]).status, 200)
        XCTAssertEqual(guarded.stop(), 0, guarded.stderr)
        XCTAssertTrue(guarded.stderr.contains("exemplar serve: stopped"), guarded.stderr)
    }

    /// The shipped config is read through the same run-config loader as the other commands: unknown keys and bad
    /// values are one-line errors before anything binds, and a model that cannot load ends the process with status 1.
    func testConfigErrorsAndLoadFailuresExitNonZero() throws {
        let unknown = try run(["serve", "--config", "configs/serve.yaml", "--set", "bogus=1"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("--set bogus=1: unknown key 'bogus'"), unknown.stderr)
        let port = try run(["serve", "--config", "configs/serve.yaml", "--set", "port=70000"])
        XCTAssertEqual(port.status, 1)
        XCTAssertTrue(port.stderr.contains("configs/serve.yaml: port must be in 0...65535"), port.stderr)
        let missing = try run(["serve", "--port", "0", "--encoder", scratch.appendingPathComponent("no-model").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("error: ") && missing.stderr.contains("no-model"), missing.stderr)
    }

    /// /metrics is Prometheus text counting requests per route and status, and the tokens embedded.
    func testMetricsCountRequestsAndTokens() throws {
        let server = try running()
        func tokensEmbedded() throws -> Double {
            let text = try server.get("/metrics").text
            let line = text.split(separator: "\n").first { $0.hasPrefix("exemplar_embedding_tokens_total ") }
            return line.flatMap { Double($0.split(separator: " ")[1]) } ?? 0
        }
        let before = try tokensEmbedded()
        XCTAssertEqual(try server.post("/v1/embeddings", json: ["model": "all-MiniLM-L6-v2", "input": ["a b", "c"]]).status, 200)
        XCTAssertEqual(try server.post("/v1/embeddings", json: ["model": "nope", "input": "a"]).status, 404)
        XCTAssertEqual(try tokensEmbedded() - before, 7, "[CLS] a b [SEP] + [CLS] c [SEP]")
        let metrics = try server.get("/metrics")
        XCTAssertEqual(metrics.status, 200)
        for line in [#"exemplar_requests_total{route="/v1/embeddings",method="POST",status="200"}"#,
                     #"exemplar_requests_total{route="/v1/embeddings",method="POST",status="404"}"#,
                     #"exemplar_request_duration_seconds_count{route="/v1/embeddings",method="POST",status="200"}"#,
                     "exemplar_encoder_queue_depth 0.0", "# TYPE exemplar_embedding_inputs histogram"] {
            XCTAssertTrue(metrics.text.contains(line), "\(line) not in\n\(metrics.text)")
        }
    }
}
