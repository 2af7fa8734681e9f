import ArgumentParser

/// `exemplar eval …`: the evaluations, one subcommand each (retrieval now; GSM8K accuracy beside it later).
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate models: retrieval metrics on built-in or BEIR-format tasks.",
        subcommands: [EvalRetrievalCommand.self])
}
