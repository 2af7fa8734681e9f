import Foundation

/// The `exemplar` binary that SwiftPM builds with the tests, run from the repository root: what end-to-end CLI tests
/// drive. Test classes adopt `RunsExemplar` for a `run(_:)` of their own.
public enum ExemplarProcess {
    public struct Run {
        /// The exit status, or the signal's number when `signalled`.
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// Whether a signal ended the process (a test hook's SIGKILL) rather than an exit.
        public let signalled: Bool
    }

    /// The executable next to the test binary (.build/<triple>/<configuration>/).
    public static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("exemplar")
    }

    /// One embedding cache directory per test process.
    public static let testEmbeddingCache = FileManager.default.temporaryDirectory
        .appendingPathComponent("exemplar-test-embeddings-\(ProcessInfo.processInfo.processIdentifier)")

    /// Starts `exemplar arguments…` with stdout and stderr piped, for tests that act on it while it runs;
    /// `environment` is added to this process's environment.
    public static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (process: Process, stdout: Pipe, stderr: Pipe) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = Repository.root
        // The embedding cache of the tests' own, never the user's (a test may give its own).
        let defaults = ["EXEMPLAR_EMBEDDING_CACHE": testEmbeddingCache.path]
        process.environment = ProcessInfo.processInfo.environment.merging(defaults) { _, test in test }
            .merging(environment) { _, added in added }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    /// Runs `exemplar arguments…` to the end.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let (process, out, err) = try start(arguments, environment: environment)
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self), signalled: process.terminationReason == .uncaughtSignal)
    }
}

/// A test case that runs the `exemplar` binary.
public protocol RunsExemplar {}

extension RunsExemplar {
    public typealias Run = ExemplarProcess.Run

    public func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        try ExemplarProcess.run(arguments, environment: environment)
    }
}
