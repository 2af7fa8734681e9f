import ArgumentParser
import Foundation
import Tensor

@main
struct Exemplar: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exemplar",
        abstract: "Retrieval-augmented math reasoning on the CPU: sentence embeddings, indexes, fine-tuning, evaluation.",
        subcommands: [EmbedCommand.self, ServeCommand.self, NearestCommand.self, IndexCommand.self, SearchCommand.self, TrainEncoderCommand.self, TrainDecoderCommand.self, MinePairsCommand.self, ExportCommand.self, MergeCommand.self, GenerateCommand.self, EvalCommand.self, BenchCommand.self])

    static func main() {
        useFastestBLASKernels()
        main(nil)
    }

    /// Restarts the process once with OPENBLAS_CORETYPE set when OpenBLAS picked slower kernels than the CPU supports
    /// (the variable is only read when the library loads). Set OPENBLAS_CORETYPE yourself to override.
    static func useFastestBLASKernels() {
        guard let core = BLAS.fasterCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the kernels already loaded.
    }
}
