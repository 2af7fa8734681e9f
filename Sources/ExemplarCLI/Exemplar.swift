import ArgumentParser

@main
struct Exemplar: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exemplar",
        abstract: "Retrieval-augmented math reasoning on the CPU: sentence embeddings, indexes, fine-tuning, evaluation.",
        subcommands: [BenchCommand.self])
}
