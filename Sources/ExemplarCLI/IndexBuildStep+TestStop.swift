import ArgumentParser
import Foundation
import Retrieval
#if canImport(Glibc)
import Glibc
#endif

/// A test hook: with EXEMPLAR_TEST_STOP_AT=<step> (an `IndexBuildStep` name), `exemplar index build` kills itself with
/// SIGKILL right after that step, so a test stops a build exactly before or after its commit instead of guessing the
/// moment from timing (IndexCLITests). Unset, a build runs as always.
extension IndexBuildStep {
    static let testStopVariable = "EXEMPLAR_TEST_STOP_AT"

    /// The step EXEMPLAR_TEST_STOP_AT names, nil when it is unset; an unknown name is an error, so a misspelt test
    /// fails instead of running whole builds.
    static func testStop(in environment: [String: String] = ProcessInfo.processInfo.environment) throws -> IndexBuildStep? {
        guard let name = environment[testStopVariable] else { return nil }
        guard let step = IndexBuildStep(rawValue: name) else {
            throw ValidationError("\(testStopVariable)=\(name) is not a build step (\(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return step
    }

    /// An `afterStep` that kills the process at `stop`, as a crash or `kill -9` would.
    static func killing(at stop: IndexBuildStep) -> (IndexBuildStep) -> Void {
        { step in if step == stop { kill(getpid(), SIGKILL) } }
    }
}
