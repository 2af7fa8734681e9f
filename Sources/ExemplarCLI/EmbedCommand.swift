import ArgumentParser
import Encoder
import Foundation
import ModelFormats
import Retrieval
import Tensor

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed one string field of a JSON Lines file with a sentence-transformers model.",
        discussion: """
            Writes one vector per input line, in input order: a float32 .npy matrix (numpy.load reads it) or JSON Lines \
            ({"index": i, "embedding": [...]}). The output is written under a temporary name and renamed when complete, \
            so a failed run never leaves a partial file.
            """)

    @Option(help: "Model directory (Hugging Face / sentence-transformers layout).")
    var model = "models/all-MiniLM-L6-v2"

    @Option(help: "PEFT LoRA adapter directory to apply on top of the model.")
    var adapter: String?

    @Option(help: "Input JSON Lines file.")
    var input: String

    @Option(help: "Field of each JSON object to embed.")
    var field = "question"

    @Option(help: "Output file.")
    var output: String

    @Option(help: "Output format: npy or jsonl (default: from the output file's extension, else npy).")
    var outputFormat: OutputFormat?

    @Option(help: "Tokens per packed batch.")
    var batchTokens = SentenceEncoder.defaultBatchTokens

    @OptionGroup var cache: EmbeddingCacheOptions

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case npy, jsonl }

    func run() throws {
        try reportingErrors {
            let format = outputFormat ?? (output.hasSuffix(".jsonl") ? .jsonl : .npy)
            let texts = try JSONLines.readStrings(URL(fileURLWithPath: input), field: field)
            let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model), adapter: adapter.map { URL(fileURLWithPath: $0) })
            encoder.batchTokens = batchTokens
            let vectors = try embedWithProgress(try cache.embedder(encoder), texts)
            switch format {
            case .npy: try writeNPY(vectors, to: output)
            case .jsonl: try writeJSONL(vectors, to: output)
            }
            FileHandle.standardError.write(Data("embedded \(texts.count) texts → \(output) (\(vectors.columns) dims)\n".utf8))
        }
    }
}

/// Embeds with a progress bar on stderr, saying how many texts came from the embedding cache.
func embedWithProgress(_ embedder: TextEmbedder, _ texts: [String], label: String = "embed") throws -> Tensor {
    let bar = ProgressBar(total: texts.count, label: label, unit: "texts")
    let vectors = try embedder.embed(texts) { bar.update($0) }
    bar.finish()
    if let cached = embedder as? CachingEmbedder { logCacheUse(cached, label: label) }
    return vectors
}

func logCacheUse(_ cached: CachingEmbedder, label: String) {
    FileHandle.standardError.write(Data("\(label): \(cached.lastHits) of \(cached.lastHits + cached.lastMisses) vectors from the embedding cache \(cached.cache.path)\n".utf8))
}

func writeNPY(_ t: Tensor, to path: String) throws {
    let writer = try NPYWriter(path: path, columns: t.columns, expectedRows: t.rows)
    do {
        try withExtendedLifetime(t) { try writer.append(UnsafeBufferPointer(start: t.data, count: t.count)) }
        try writer.finish()
    } catch {
        writer.abandon()
        throw error
    }
}

func writeJSONL(_ t: Tensor, to path: String) throws {
    let out = try AtomicFileOutput(path: path)
    var buffer = ""
    for r in 0..<t.rows {
        let values = UnsafeBufferPointer(start: t.row(r), count: t.columns).map { "\($0)" }.joined(separator: ",")
        buffer += "{\"index\":\(r),\"embedding\":[\(values)]}\n"
        if buffer.utf8.count > 1 << 20 { try out.write(Array(buffer.utf8)); buffer = "" }
    }
    try out.write(Array(buffer.utf8))
    try out.commit()
}

/// Runs `body`, turning any error into a one-line message on stderr and a non-zero exit status.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as CleanExit {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
