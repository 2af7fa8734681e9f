import ArgumentParser

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build FAISS + SQLite indexes of solved problems.",
        subcommands: [IndexBuildCommand.self])
}
