import Foundation
import TestSupport
import XCTest

/// A Python script of `scripts/` run with the venv of the official `openai` client (made once by
/// scripts/openai-venv.sh, outside the repository), for the tests that talk to the server as real clients do.
enum PythonClient {
    struct Run {
        let status: Int32
        let stdout: Data
        let stderr: String
        var json: Any? { try? JSONSerialization.jsonObject(with: stdout) }
    }

    /// The venv's python (made on first use).
    static func python() throws -> String {
        let venv = Process()
        venv.executableURL = URL(fileURLWithPath: "/bin/bash")
        venv.arguments = [Repository.root.appendingPathComponent("scripts/openai-venv.sh").path]
        let out = Pipe()
        venv.standardOutput = out
        try venv.run()
        let python = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        venv.waitUntilExit()
        guard venv.terminationStatus == 0 else { throw RunningServer.Failure(description: "scripts/openai-venv.sh failed") }
        return python
    }

    /// Runs `scripts/<script>` with `arguments`; stdout and stderr are read as they come (neither pipe can fill).
    static func run(_ script: String, _ arguments: [String]) throws -> Run {
        let client = Process()
        client.executableURL = URL(fileURLWithPath: try python())
        client.arguments = [Repository.root.appendingPathComponent("scripts/\(script)").path] + arguments
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
