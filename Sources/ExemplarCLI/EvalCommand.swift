import ArgumentParser

/// `exemplar eval …`: the evaluations, one subcommand each.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate models: retrieval metrics on built-in or BEIR-format tasks; GSM8K accuracy of a decoder.",
        subcommands: [EvalRetrievalCommand.self, EvalGSM8KCommand.self])
}
