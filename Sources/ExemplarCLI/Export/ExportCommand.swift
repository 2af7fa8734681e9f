import ArgumentParser

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a training recipe for another stack (TRL + accelerate on a GPU cluster).",
        subcommands: [ExportSFTCommand.self])
}
