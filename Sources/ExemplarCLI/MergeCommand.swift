import ArgumentParser
import Encoder
import Foundation

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Fold a LoRA adapter into its base model and write a full model directory.",
        discussion: "The output loads in sentence-transformers / transformers like the base model, with W + (alpha/r)·B·A as weights.")

    @Option(help: "Base model directory.")
    var model = "models/all-MiniLM-L6-v2"

    @Option(help: "PEFT LoRA adapter directory.")
    var adapter: String

    @Option(help: "Output model directory (replaced if it exists).")
    var output: String

    func run() throws {
        try reportingErrors {
            let base = URL(fileURLWithPath: model)
            let encoder = try SentenceEncoder(directory: base, adapter: URL(fileURLWithPath: adapter))
            try encoder.model.mergeLoRA()
            try encoder.model.saveModelDirectory(to: URL(fileURLWithPath: output), copyingFrom: base)
            FileHandle.standardError.write(Data("merged \(adapter) into \(model) → \(output)\n".utf8))
        }
    }
}
