import Foundation
import TestSupport
import XCTest

/// Python run in the venv of a real client (the official `openai` package, or lm-evaluation-harness; made once by
/// scripts/client-venv.sh, outside the repository), for the tests that talk to the server as real clients do.
enum PythonClient {
    struct Run {
        let status: Int32
        let stdout: Data
        let stderr: String
        var json: Any? { try? JSONSerialization.jsonObject(with: stdout) }
    }

    /// The venv's python (made on first use): `client` is `openai` or `lm-eval`.
    static func python(_ client: String) throws -> String {
        let venv = Process()
        venv.executableURL = URL(fileURLWithPath: "/bin/bash")
        venv.arguments = [Repository.root.appendingPathComponent("scripts/client-venv.sh").path, client]
        let out = Pipe()
        venv.standardOutput = out
        try venv.run()
        let python = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        venv.waitUntilExit()
        guard venv.terminationStatus == 0 else { throw RunningServer.Failure(description: "scripts/client-venv.sh \(client) failed") }
        return python
    }

    /// Runs `scripts/<script>` with `arguments` in the `openai` venv.
    static func run(_ script: String, _ arguments: [String]) throws -> Run {
        try run(python: try python("openai"), [Repository.root.appendingPathComponent("scripts/\(script)").path] + arguments)
    }

    /// Runs the venv's python with `arguments`; stdout and stderr are read as they come (neither pipe can fill). It
    /// runs in a scratch directory, so what a client leaves in its working directory (schemathesis's cache) stays out
    /// of the checkout.
    static func run(python: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let client = Process()
        client.executableURL = URL(fileURLWithPath: python)
        client.arguments = arguments
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        client.currentDirectoryURL = directory
        client.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        client.standardOutput = out
        client.standardError = err
        try client.run()
        let stderr = StderrBox(), read = DispatchSemaphore(value: 0)
        Thread {
            stderr.data = err.fileHandleForReading.readDataToEndOfFile()
            read.signal()
        }.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        client.waitUntilExit()
        read.wait()
        return Run(status: client.terminationStatus, stdout: stdout, stderr: String(decoding: stderr.data, as: UTF8.self))
    }
}

/// stderr read on another thread, handed back through the semaphore (which orders the accesses).
private final class StderrBox: @unchecked Sendable {
    var data = Data()
}
