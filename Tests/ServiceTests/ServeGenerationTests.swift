import Decoder
import Foundation
import MathTasks
import Retrieval
import SemanticSearch
import Service
import TestSupport
import Tokenizers
import XCTest

/// The generation routes of `exemplar serve` with the real SmolLM2-135M-Instruct (and MiniLM over a 30-problem
/// index for `retrieval`), on loopback: greedy output equal to the same generation run offline, at every concurrency,
/// streamed or not, through the official `openai` client too; OpenAI error objects for bad requests; 429 and a freed
/// slot under back-pressure.
final class ServeGenerationTests: XCTestCase {
    static var scratch: URL!
    static var server: RunningServer?
    static var startError: Error?
    static var model: LanguageModel?

    static let modelID = "SmolLM2-135M-Instruct"
    static let maxTokens = 24
    static let questions = [
        "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How much did she earn?",
        "What is 7 times 8?",
        "A train travels 60 km per hour. How far does it go in 3 hours?",
        "Tom has 3 apples and buys 5 more. How many apples does he have?",
        "Betty has $15 and needs $100 for a wallet. Her parents give her $15 and her grandparents twice that. How much more does she need?",
        "If a shirt costs $20 and is 25% off, what is the price?",
        "Sum the numbers 1 through 10.",
        "A rectangle is 4 m by 9 m. What is its area?",
    ]

    override class func setUp() {
        super.setUp()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-serve-gen-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            try RunningServer.buildSmallIndex(in: scratch)
            let decoder = try Repository.model(modelID).path
            server = try RunningServer(["--encoder", try Repository.model("all-MiniLM-L6-v2").path, "--decoder", decoder,
                                        "--index", "small", "--index-dir", scratch.appendingPathComponent("indexes").path,
                                        "--set", "decoder.max_batch=4", "--set", "decoder.max_tokens=512"])
            model = try LanguageModel.load(path: decoder, weights: .auto)  // the server's default: the file's own blocks
        } catch {
            startError = error
        }
    }

    override class func tearDown() {
        _ = server?.stop()
        server = nil
        model = nil
        try? FileManager.default.removeItem(at: scratch)
        super.tearDown()
    }

    func running() throws -> (RunningServer, LanguageModel) {
        if let error = Self.startError { throw error }
        return (try XCTUnwrap(Self.server), try XCTUnwrap(Self.model))
    }

    /// The offline generation the server must reproduce: greedy, the model's stop tokens, `stop` strings.
    func offline(_ prompt: String, stop: [String] = [], maxTokens: Int = maxTokens) throws -> TextGenerator.Output {
        let lm = try XCTUnwrap(Self.model)
        return TextGenerator(model: lm.model).generate([.init(prompt: try lm.encode(prompt), maxNewTokens: maxTokens,
                                                              stopTokens: lm.stopTokenIds, stopStrings: stop)],
                                                       tokenizer: lm.tokenizer)[0]
    }

    func chatPrompt(_ question: String) throws -> String {
        try FewShotPrompt.render([.init(role: "user", content: question)], chatTemplate: try XCTUnwrap(Self.model).chatTemplate())
    }

    func chatBody(_ question: String, stream: Bool = false) -> [String: Any] {
        ["model": Self.modelID, "messages": [["role": "user", "content": question]], "temperature": 0,
         "max_tokens": Self.maxTokens, "stream": stream]
    }

    /// The text of a reply: the message (chat) or the text, or the streamed deltas joined; and the finish reason.
    func text(_ reply: RunningServer.Reply, stream: Bool) throws -> (String, String?) {
        XCTAssertEqual(reply.status, 200, reply.text)
        guard stream else {
            let choice = try XCTUnwrap((reply.json["choices"] as? [[String: Any]])?.first, reply.text)
            let text = (choice["message"] as? [String: Any])?["content"] as? String ?? choice["text"] as? String
            return (try XCTUnwrap(text, reply.text), choice["finish_reason"] as? String)
        }
        let lines = reply.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        XCTAssertEqual(lines.last, "data: [DONE]")
        var text = "", finish: String?
        for line in lines.dropLast() {
            XCTAssertTrue(line.hasPrefix("data: "), line)
            let chunk = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any])
            for choice in chunk["choices"] as? [[String: Any]] ?? [] {
                text += ((choice["delta"] as? [String: Any])?["content"] as? String) ?? (choice["text"] as? String) ?? ""
                finish = choice["finish_reason"] as? String ?? finish
            }
        }
        return (text, finish)
    }

    /// The replies to `bodies` sent by `concurrency` clients at once.
    func send(_ server: RunningServer, _ path: String, _ bodies: [[String: Any]], concurrency: Int) -> [Result<RunningServer.Reply, Error>] {
        let results = IndexedResults<Result<RunningServer.Reply, Error>>(count: bodies.count)
        let group = DispatchGroup()
        for worker in 0..<concurrency {
            DispatchQueue.global().async(group: group) {
                for i in stride(from: worker, to: bodies.count, by: concurrency) {
                    results.set(i, Result { try server.post(path, json: bodies[i]) })
                }
            }
        }
        group.wait()
        return results.values.map { $0 ?? .failure(RunningServer.Failure(description: "no reply")) }
    }

    func testGreedyOutputIsTheOfflineOutputAtAnyConcurrencyStreamedOrNot() throws {
        let (server, _) = try running()
        let expected = try Self.questions.map { try offline(try chatPrompt($0)) }
        XCTAssertTrue(expected.contains { $0.finishReason == .length }, "some answers run to max_tokens")
        for concurrency in [1, 2, 4, 8] {
            for stream in [false, true] {
                let replies = send(server, "/v1/chat/completions", Self.questions.map { chatBody($0, stream: stream) }, concurrency: concurrency)
                for (reply, want) in zip(replies, expected) {
                    let (text, finish) = try self.text(try reply.get(), stream: stream)
                    XCTAssertEqual(text, want.text, "concurrency \(concurrency), stream \(stream)")
                    XCTAssertEqual(finish, want.finishReason == .length ? "length" : "stop", "concurrency \(concurrency), stream \(stream)")
                }
            }
        }
        // Four slots for eight clients: the batch held several sequences at once.
        let metrics = try server.get("/metrics").text
        XCTAssertTrue(metrics.contains("exemplar_decode_batch_size_bucket"), metrics)
        XCTAssertTrue(metrics.contains("exemplar_generated_tokens_total"), metrics)
    }

    /// The official `openai` client: chat and completions, whole and streamed, equal the offline generation.
    func testOpenAIPythonClientCompletesAndChats() throws {
        let (server, lm) = try running()
        let questions = Array(Self.questions.prefix(3))
        let client = try PythonClient.run("openai-completions-check.py",
                                          ["http://127.0.0.1:\(server.port)/v1", Self.modelID, String(Self.maxTokens)] + questions)
        XCTAssertEqual(client.status, 0, client.stderr)
        let reply = try XCTUnwrap(client.json as? [String: [[String: Any]]], String(decoding: client.stdout, as: UTF8.self))
        for (i, question) in questions.enumerated() {
            let chat = try offline(try chatPrompt(question))
            let plainPrompt = "Question: \(question)\nAnswer:"
            let plain = try offline(plainPrompt, stop: ["Question:"])
            let promptTokens = try lm.encode(try chatPrompt(question)).count
            for key in ["chat", "chat_stream"] {
                let got = try XCTUnwrap(reply[key]?[i])
                XCTAssertEqual(got["text"] as? String, chat.text, key)
                XCTAssertEqual(got["usage"] as? [Int], [promptTokens, chat.tokens.count, promptTokens + chat.tokens.count], key)
            }
            for key in ["completion", "completion_stream"] {
                XCTAssertEqual(try XCTUnwrap(reply[key]?[i])["text"] as? String, plain.text, key)
            }
            XCTAssertEqual(reply["completion"]?[i]["usage"] as? [Int],
                           [try lm.encode(plainPrompt).count, plain.tokens.count, try lm.encode(plainPrompt).count + plain.tokens.count])
        }
    }

    /// `retrieval` builds the prompt of `eval gsm8k --shot-selection retrieved` (the nearest solved problems as turns,
    /// nearest last) and names the shots with their scores.
    func testRetrievalPutsTheNearestSolvedProblemsBeforeTheQuestion() throws {
        let (server, lm) = try running()
        let question = Self.questions[0]
        let searcher = try IndexSearcher(index: "small", in: Self.scratch.appendingPathComponent("indexes"))
        let shots = try ShotRetriever(index: searcher.index, embedder: searcher.encoder).scoredShots(for: [question], k: 2)[0]
        let prompt = try FewShotPrompt.text(question: question, shots: shots.map(\.problem), format: .chat, chatTemplate: try lm.chatTemplate())
        let expected = try offline(prompt)
        var body = chatBody(question)
        body["retrieval"] = ["index": "small", "shots": 2]
        for stream in [false, true] {
            body["stream"] = stream
            let reply = try server.post("/v1/chat/completions", json: body)
            XCTAssertEqual(try text(reply, stream: stream).0, expected.text, "stream \(stream)")
            if !stream {
                let retrieval = try XCTUnwrap(reply.json["retrieval"] as? [String: Any], reply.text)
                let used = try XCTUnwrap(retrieval["shots"] as? [[String: Any]])
                XCTAssertEqual(used.map { $0["id"] as? String }, shots.map { String($0.problem.line) })
                for (got, want) in zip(used, shots) {
                    XCTAssertEqual(try XCTUnwrap(got["score"] as? Double), Double(want.score), accuracy: 1e-6)
                }
                let usage = try XCTUnwrap(reply.json["usage"] as? [String: Int])
                XCTAssertEqual(usage["prompt_tokens"], try lm.encode(prompt).count)
            }
        }
    }

    /// What lm-evaluation-harness's remote tokenizer reads: the special tokens and the template, and the ids the
    /// model's tokenizer gives.
    func testTokenizerRoutes() throws {
        let (server, lm) = try running()
        let info = try server.get("/tokenizer_info").json
        XCTAssertEqual(info["eos_token"] as? String, lm.tokenizerConfig?.eosToken)
        XCTAssertEqual(info["chat_template"] as? String, try lm.chatTemplate().source)
        let text = "Natalia sold 48 clips — then half as many."
        let tokenized = try server.post("/tokenize", json: ["prompt": text, "add_special_tokens": false]).json
        let ids = try lm.encode(text)
        XCTAssertEqual(tokenized["tokens"] as? [Int], ids.map(Int.init))
        XCTAssertEqual(tokenized["count"] as? Int, ids.count)
        let chat = try server.post("/tokenize", json: ["messages": [["role": "user", "content": text]]]).json
        XCTAssertEqual(chat["tokens"] as? [Int], try lm.encode(try chatPrompt(text)).map(Int.init))
        XCTAssertEqual(try server.post("/detokenize", json: ["tokens": ids.map(Int.init)]).json["prompt"] as? String, text)
    }

    /// lm-evaluation-harness (`local-completions`, 4 concurrent requests, its remote tokenizer detected from
    /// /tokenizer_info and /tokenize) on the first 20 GSM8K test questions: every request answered at the first try,
    /// and its raw outputs are `exemplar eval gsm8k`'s with the same prompt (plain, zero-shot: the harness's gsm8k
    /// prompt and stop strings; its default 5 shots are random train problems, which eval's fixed/random selections
    /// do not reproduce, so both run zero-shot).
    /// `eval gsm8k --decoder-url` pointed at this server gives the same outputs again.
    func testLMEvaluationHarnessAndRemoteEvalPredictionsEqualEvalGSM8K() throws {
        let (server, _) = try running()
        let python = try PythonClient.python("lm-eval")
        let dir = Self.scratch.appendingPathComponent("lm-eval")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("tasks"), withIntermediateDirectories: true)
        let test = dir.appendingPathComponent("test.jsonl"), maxTokens = 48
        let lines = try String(contentsOf: try Repository.data("gsm8k/test.jsonl"), encoding: .utf8).split(separator: "\n").prefix(20)
        try lines.joined(separator: "\n").write(to: test, atomically: true, encoding: .utf8)
        let task = try String(contentsOf: Repository.root.appendingPathComponent("scripts/lm-eval/gsm8k_exemplar.yaml.in"), encoding: .utf8)
            .replacingOccurrences(of: "@TRAIN@", with: try Repository.data("gsm8k/train.jsonl").path)
            .replacingOccurrences(of: "@TEST@", with: test.path)
            .replacingOccurrences(of: "@MAX_TOKENS@", with: String(maxTokens))
        try task.write(to: dir.appendingPathComponent("tasks/gsm8k_exemplar.yaml"), atomically: true, encoding: .utf8)
        let before = completionRequests(try server.get("/metrics").text)

        let harness = try PythonClient.run(python: python, [
            "-m", "lm_eval", "--model", "local-completions",
            "--model_args", "model=\(Self.modelID),base_url=http://127.0.0.1:\(server.port)/v1/completions,num_concurrent=4,max_retries=1,tokenized_requests=False",
            "--include_path", dir.appendingPathComponent("tasks").path, "--tasks", "gsm8k_exemplar",
            "--log_samples", "--output_path", dir.appendingPathComponent("out").path,
        ], environment: ["HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_CACHE": dir.appendingPathComponent("hf").path])
        XCTAssertEqual(harness.status, 0, harness.stderr)
        XCTAssertTrue(harness.stderr.contains("Using remote tokenizer"), harness.stderr)
        let after = completionRequests(try server.get("/metrics").text)
        XCTAssertEqual(after["200", default: 0] - before["200", default: 0], 20, "one request per question, no retries")
        XCTAssertEqual(after.filter { $0.key != "200" }.values.reduce(0, +), before.filter { $0.key != "200" }.values.reduce(0, +),
                       "no failed completion requests")
        let samplesFile = try XCTUnwrap(FileManager.default.subpathsOfDirectory(atPath: dir.appendingPathComponent("out").path)
            .first { $0.hasSuffix(".jsonl") && $0.contains("samples_gsm8k_exemplar") })
        var harnessOutputs: [Int: String] = [:]
        for line in try String(contentsOf: dir.appendingPathComponent("out").appendingPathComponent(samplesFile), encoding: .utf8).split(separator: "\n") {
            let sample = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            harnessOutputs[try XCTUnwrap(sample["doc_id"] as? Int)] = try XCTUnwrap((sample["resps"] as? [[String]])?.first?.first)
        }

        let eval = try ExemplarProcess.run(["eval", "gsm8k", "--model", try Repository.model(Self.modelID).path, "--prompt-format", "plain",
                                            "--shots", "0", "--max-new-tokens", String(maxTokens), "--set", "test_data=\(test.path)",
                                            "--out", dir.appendingPathComponent("eval").path])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        var evalOutputs: [Int: String] = [:]
        for line in try String(contentsOf: dir.appendingPathComponent("eval/predictions.jsonl"), encoding: .utf8).split(separator: "\n") {
            let prediction = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            evalOutputs[try XCTUnwrap(prediction["index"] as? Int)] = try XCTUnwrap(prediction["output"] as? String)
        }
        XCTAssertEqual(harnessOutputs.count, 20)
        XCTAssertEqual(harnessOutputs, evalOutputs)

        // The same evaluation generating on this server (--decoder-url) instead of loading the weights.
        let remote = try ExemplarProcess.run(["eval", "gsm8k", "--model", try Repository.model(Self.modelID).path, "--prompt-format", "plain",
                                              "--shots", "0", "--max-new-tokens", String(maxTokens), "--set", "test_data=\(test.path)",
                                              "--decoder-url", "http://127.0.0.1:\(server.port)/v1", "--out", dir.appendingPathComponent("remote").path])
        XCTAssertEqual(remote.status, 0, remote.stderr)
        var remoteOutputs: [Int: String] = [:], remoteTokens: [Int: Int] = [:], localTokens: [Int: Int] = [:]
        for (file, outputs) in [("remote", true), ("eval", false)] {
            for line in try String(contentsOf: dir.appendingPathComponent("\(file)/predictions.jsonl"), encoding: .utf8).split(separator: "\n") {
                let prediction = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let index = try XCTUnwrap(prediction["index"] as? Int)
                if outputs { remoteOutputs[index] = prediction["output"] as? String }
                if outputs { remoteTokens[index] = prediction["new_tokens"] as? Int } else { localTokens[index] = prediction["new_tokens"] as? Int }
            }
        }
        XCTAssertEqual(remoteOutputs, evalOutputs)
        XCTAssertEqual(remoteTokens, localTokens, "the server's usage counts the tokens eval counts")
        let runFile = try String(contentsOf: dir.appendingPathComponent("remote/run.json"), encoding: .utf8)
        XCTAssertTrue(runFile.contains("\"decoder_url\""), runFile)
        // Bad URLs are refused before anything runs.
        let bad = try ExemplarProcess.run(["eval", "gsm8k", "--model", try Repository.model(Self.modelID).path, "--decoder-url", "localhost:1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("decoder_url"), bad.stderr)
    }

    /// schemathesis fuzzes every route of /openapi.json (its coverage and fuzzing phases, 30 examples per operation,
    /// valid and invalid bodies) on a server with small limits (max_tokens 8, 16 inputs): no response is a 5xx, the
    /// server is still up and healthy after, and the generation routes were reached (some 200s), not only refused.
    func testSchemathesisFindsNoServerErrors() throws {
        _ = try running()
        let python = try PythonClient.python("schemathesis")
        let arguments = ["--encoder", try Repository.model("all-MiniLM-L6-v2").path, "--decoder", try Repository.model(Self.modelID).path,
                         "--index", "small", "--index-dir", Self.scratch.appendingPathComponent("indexes").path,
                         "--set", "decoder.max_tokens=8", "--set", "max_inputs=16"]
        let fuzzed = try RunningServer(arguments)
        defer { XCTAssertEqual(fuzzed.stop(), 0) }
        let schema = try fuzzed.get("/openapi.json")
        XCTAssertEqual(schema.json["openapi"] as? String, "3.0.3")
        // What `serve --print-openapi` prints for the same flags, without loading a model, is what the server serves.
        let printed = try ExemplarProcess.run(["serve"] + arguments + ["--print-openapi"])
        XCTAssertEqual(printed.status, 0, printed.stderr)
        XCTAssertEqual(try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? NSDictionary, schema.json as NSDictionary)
        let run = try PythonClient.run(python: python, [
            "-m", "schemathesis.cli", "run", "http://127.0.0.1:\(fuzzed.port)/openapi.json", "--checks", "not_a_server_error",
            "-n", "30", "--request-timeout", "60", "--mode", "all", "--seed", "1234",
        ])
        XCTAssertEqual(run.status, 0, String(decoding: run.stdout, as: UTF8.self) + run.stderr)
        XCTAssertTrue(fuzzed.process.isRunning, fuzzed.stderr)
        XCTAssertEqual(try fuzzed.get("/health").status, 200)
        let metrics = try fuzzed.get("/metrics").text
        // /health's 503s are the start-up wait; nothing else may be a 5xx.
        let serverErrors = metrics.split(separator: "\n").filter { $0.contains("status=\"5") && !$0.contains("route=\"/health\"") }
        XCTAssertEqual(serverErrors, [], metrics)
        for route in ["/v1/completions", "/v1/chat/completions", "/v1/embeddings", "/v1/search"] {
            XCTAssertTrue(metrics.contains("route=\"\(route)\",method=\"POST\",status=\"200\""), "\(route) never answered 200")
        }
    }

    /// docs/openapi.json is the document of configs/serve.yaml serving the Qwen proxy (regenerate it with the command
    /// below when the API changes).
    func testKeptOpenAPIDocumentIsTheDefaultConfigurations() throws {
        let printed = try ExemplarProcess.run(["serve", "--config", "configs/serve.yaml", "--decoder", "models/Qwen2.5-Coder-0.5B-Instruct", "--print-openapi"])
        XCTAssertEqual(printed.status, 0, printed.stderr)
        let kept = try String(contentsOf: Repository.root.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
        XCTAssertEqual(printed.stdout, kept, "docs/openapi.json is stale: exemplar serve --config configs/serve.yaml --decoder models/Qwen2.5-Coder-0.5B-Instruct --print-openapi > docs/openapi.json")
    }

    /// exemplar_requests_total of POST /v1/completions by status.
    func completionRequests(_ metrics: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in metrics.split(separator: "\n") where line.hasPrefix("exemplar_requests_total{route=\"/v1/completions\"") {
            guard let status = line.range(of: "status=\""), let value = line.split(separator: " ").last.flatMap({ Int($0) }) else { continue }
            counts[String(line[status.upperBound...].prefix { $0 != "\"" }), default: 0] += value
        }
        return counts
    }

    func testBadGenerationRequestsGetOpenAIErrorObjects() throws {
        let (server, _) = try running()
        let chat = chatBody("hi")
        func change(_ key: String, _ value: Any?) -> [String: Any] { var body = chat; body[key] = value; return body }
        let cases: [(String, [String: Any], Int, String?)] = [
            ("/v1/chat/completions", change("model", "gpt-4"), 404, "model"),
            ("/v1/chat/completions", change("max_tokens", 100_000), 400, "max_tokens"),
            ("/v1/chat/completions", change("max_tokens", 0), 400, "max_tokens"),
            ("/v1/chat/completions", change("messages", []), 400, "messages"),
            ("/v1/chat/completions", change("messages", [["role": "robot", "content": "x"]]), 400, "messages"),
            ("/v1/chat/completions", change("messages", "hi"), 400, "messages"),
            ("/v1/chat/completions", change("temperature", 3), 400, "temperature"),
            ("/v1/chat/completions", change("top_p", 0), 400, "top_p"),
            ("/v1/chat/completions", change("stop", 5), 400, "stop"),
            ("/v1/chat/completions", change("n", 2), 400, "n"),
            ("/v1/chat/completions", change("stream_options", ["include_usage": true]), 400, "stream_options"),
            ("/v1/chat/completions", change("retrieval", ["index": "nope"]), 404, "retrieval"),
            ("/v1/chat/completions", change("retrieval", ["index": "small", "shots": -1]), 400, "retrieval"),
            ("/v1/completions", ["model": Self.modelID, "prompt": [1, 2, 99_999_999]], 400, "prompt"),
            ("/v1/completions", ["model": Self.modelID, "prompt": ""], 400, "prompt"),
            ("/v1/completions", ["model": Self.modelID], 400, "prompt"),
            ("/v1/completions", ["model": Self.modelID, "prompt": "x", "echo": true], 400, "echo"),
            ("/v1/completions", ["model": Self.modelID, "prompt": Array(repeating: 1, count: 9000)], 400, "prompt"),
            ("/v1/completions", ["model": Self.modelID, "prompt": "x", "max_tokens": 512, "messages": []], 400, "messages"),
            ("/tokenize", [:], 400, "prompt"),
            ("/detokenize", ["tokens": "x"], 400, "tokens"),
        ]
        for (path, body, status, param) in cases {
            let reply = try server.post(path, json: body)
            XCTAssertEqual(reply.status, status, "\(path) \(body): \(reply.text)")
            let error = try XCTUnwrap(reply.json["error"] as? [String: Any], reply.text)
            XCTAssertEqual(error["param"] as? String, param, "\(path) \(body)")
            XCTAssertFalse((error["message"] as? String ?? "").isEmpty)
        }
        // Still serving after all that.
        XCTAssertEqual(try server.post("/v1/chat/completions", json: chat).status, 200)
    }

    /// One slot and no waiting room: a second request is refused at once with 429 and Retry-After while a long stream
    /// runs, and is answered soon after that stream's client hangs up (its sequence leaves at the next step).
    func testBusyServerAnswers429AndAHungUpStreamFreesItsSlot() throws {
        _ = try running()
        let busy = try RunningServer(["--encoder", try Repository.model("all-MiniLM-L6-v2").path, "--decoder", try Repository.model(Self.modelID).path,
                                      "--set", "decoder.max_batch=1", "--set", "decoder.max_waiting=0"])
        defer { XCTAssertEqual(busy.stop(), 0) }
        let client = try PythonClient.run("serve-busy-check.py", ["127.0.0.1", String(busy.port), Self.modelID])
        XCTAssertEqual(client.status, 0, client.stderr)
        let out = try XCTUnwrap(client.json as? [String: Any], String(decoding: client.stdout, as: UTF8.self))
        XCTAssertEqual(out["long_status"] as? Int, 200)
        XCTAssertTrue((out["long_first_line"] as? String ?? "").hasPrefix("data: {"), "\(out)")
        XCTAssertEqual(out["busy_status"] as? Int, 429, "\(out)")
        XCTAssertEqual(out["busy_retry_after"] as? String, "1")
        XCTAssertEqual(((out["busy_body"] as? [String: Any])?["error"] as? [String: Any])?["code"] as? String, "server_busy")
        XCTAssertEqual(out["after_status"] as? Int, 200, "\(out)")
        // 1500 tokens would take far longer than this even in a release build.
        XCTAssertLessThan(try XCTUnwrap(out["seconds_until_answered"] as? Double), 8, "\(out)")
    }
}
