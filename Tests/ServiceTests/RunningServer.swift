import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport

/// `exemplar serve` started by a test on a free loopback port (`--port 0`; the port is read from its log), waited
/// for until /health answers 200, and stopped with SIGTERM.
final class RunningServer {
    struct Reply {
        let status: Int
        let body: Data
        var headers: [String: String] = [:]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    let process: Process
    let port: Int
    private let log: LogCollector

    /// Starts the server with `arguments` after `serve --host 127.0.0.1 --port 0`, waiting up to `timeout` seconds.
    init(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 120) throws {
        let (process, _, stderr) = try ExemplarProcess.start(["serve", "--host", "127.0.0.1", "--port", "0"] + arguments,
                                                              environment: environment)
        self.process = process
        log = LogCollector(stderr)
        let deadline = Date().addingTimeInterval(timeout)
        var port: Int?
        while port == nil {
            port = log.port
            guard process.isRunning else { throw Failure(description: "exemplar serve exited: \(log.text)") }
            guard Date() < deadline else { process.terminate(); throw Failure(description: "no port logged: \(log.text)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        self.port = port!
        while (try? get("/health").status) != 200 {
            guard process.isRunning else { throw Failure(description: "exemplar serve exited: \(log.text)") }
            guard Date() < deadline else { process.terminate(); throw Failure(description: "never healthy: \(log.text)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    var stderr: String { log.text }

    /// Index "small" of the first 30 GSM8K train problems (MiniLM) in `scratch`/indexes: what the servers search.
    static func buildSmallIndex(in scratch: URL) throws {
        let model = try Repository.model("all-MiniLM-L6-v2").path
        let lines = try String(contentsOf: try Repository.data("gsm8k/train.jsonl"), encoding: .utf8).split(separator: "\n").prefix(30)
        let corpus = scratch.appendingPathComponent("corpus.jsonl")
        try lines.joined(separator: "\n").write(to: corpus, atomically: true, encoding: .utf8)
        let built = try ExemplarProcess.run(["index", "build", "--config", "configs/index-gsm8k.yaml",
                                             "--index-dir", scratch.appendingPathComponent("indexes").path,
                                             "--set", "name=small", "--set", "corpus=\(corpus.path)", "--set", "model=\(model)",
                                             "--no-embedding-cache"])
        guard built.status == 0 else { throw Failure(description: "index build: \(built.stderr)") }
    }

    /// SIGTERM, then the exit status (nil if it did not exit within `timeout`).
    func stop(timeout: TimeInterval = 30) -> Int32? {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit { if process.isRunning { process.interrupt(); process.terminate() } }

    func get(_ path: String, headers: [String: String] = [:]) throws -> Reply {
        try send("GET", path, body: nil, headers: headers)
    }

    func post(_ path: String, json: Any, headers: [String: String] = [:]) throws -> Reply {
        try send("POST", path, body: try JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    func send(_ method: String, _ path: String, body: Data?, headers: [String: String] = [:]) throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, timeoutInterval: 60)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let done = DispatchSemaphore(value: 0)
        var result: Result<Reply, Error> = .failure(Failure(description: "no reply"))
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { result = .failure(error) }
            else if let http = response as? HTTPURLResponse { result = .success(Reply(status: http.statusCode, body: data ?? Data(),
                                                                headers: http.allHeaderFields.reduce(into: [:]) { $0["\($1.key)".lowercased()] = "\($1.value)" })) }
            done.signal()
        }.resume()
        done.wait()
        return try result.get()
    }
}

/// The server's stderr, read as it arrives (so the pipe never fills), and the port it logged.
private final class LogCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    init(_ pipe: Pipe) {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self, !chunk.isEmpty else { handle.readabilityHandler = nil; return }
            self.lock.lock(); self.data += chunk; self.lock.unlock()
        }
    }

    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }

    var port: Int? {
        guard let range = text.range(of: "listening on http://127.0.0.1:") else { return nil }
        let digits = text[range.upperBound...].prefix { $0.isNumber }
        return digits.isEmpty || !text[range.upperBound...].dropFirst(digits.count).hasPrefix("\n") ? nil : Int(digits)
    }
}
