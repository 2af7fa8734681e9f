import Foundation
import ModelFormats

/// An evaluation's output directory:
/// - `run.json`: the settings (`GSM8KRunSettings`), written when the run starts; a later run in the same directory
///   must have the same ones;
/// - `predictions.jsonl`: one `GSM8KPrediction` per finished question, appended a batch at a time and flushed to disk
///   (fsync), so a run killed at any moment loses at most the batch in flight; rerunning skips what is there;
/// - `summary.json` and `summary.md`, rewritten (atomically) whenever a run ends.
public final class GSM8KRunDirectory {
    public let url: URL
    public let settings: GSM8KRunSettings
    /// Finished questions by index, from earlier runs and this one.
    public private(set) var predictions: [Int: GSM8KPrediction] = [:]
    /// A partial last line (a run killed mid-write) was found and cut off.
    public private(set) var discardedPartialLine = false

    public var runFile: URL { url.appendingPathComponent("run.json") }
    public var predictionsFile: URL { url.appendingPathComponent("predictions.jsonl") }
    public var summaryJSONFile: URL { url.appendingPathComponent("summary.json") }
    public var summaryMarkdownFile: URL { url.appendingPathComponent("summary.md") }

    private let output: FileHandle

    /// Opens (or creates) the directory for a run with `settings`. Refuses a directory whose `run.json` records other
    /// settings, listing the differences.
    public init(_ url: URL, settings: GSM8KRunSettings) throws {
        self.url = url
        self.settings = settings
        let fm = FileManager.default
        do { try fm.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw GSM8KRunError("\(url.path): cannot create the output directory (\(error.localizedDescription))")
        }
        let runPath = url.appendingPathComponent("run.json").path
        if let data = fm.contents(atPath: runPath) {
            let recorded: GSM8KRunSettings
            do { recorded = try JSONDecoder().decode(GSM8KRunSettings.self, from: data) } catch {
                throw GSM8KRunError("\(runPath): not the run.json of a GSM8K evaluation (\(Self.reason(error)))")
            }
            let differences = try settings.differences(from: recorded)
            guard differences.isEmpty else {
                throw GSM8KRunError("\(runPath): this directory holds a run with other settings (\(differences.joined(separator: "; "))); "
                                    + "use another --out, or delete \(url.path) to start over")
            }
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try Self.writeAtomically(try encoder.encode(settings) + Data("\n".utf8), to: runPath)
        }
        let predictionsPath = url.appendingPathComponent("predictions.jsonl").path
        if !fm.fileExists(atPath: predictionsPath) {
            guard fm.createFile(atPath: predictionsPath, contents: nil) else { throw GSM8KRunError("\(predictionsPath): cannot create") }
        }
        (predictions, discardedPartialLine) = try Self.readPredictions(predictionsPath)
        guard let handle = FileHandle(forWritingAtPath: predictionsPath) else {
            throw GSM8KRunError("\(predictionsPath): cannot open for appending")
        }
        output = handle
        try output.seekToEnd()
    }

    deinit { try? output.close() }

    /// Appends the predictions of a finished batch and flushes them to disk.
    public func append(_ batch: [GSM8KPrediction]) throws {
        let text = try batch.map { try $0.jsonLine() }.joined()
        do {
            try output.write(contentsOf: Data(text.utf8))
            try output.synchronize()
        } catch {
            throw GSM8KRunError("\(predictionsFile.path): cannot append (\(error.localizedDescription))")
        }
        for p in batch { predictions[p.index] = p }
    }

    /// Writes summary.json and summary.md.
    public func writeSummary(_ summary: GSM8KSummary) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try Self.writeAtomically(try encoder.encode(summary) + Data("\n".utf8), to: summaryJSONFile.path)
        try Self.writeAtomically(Data(summary.markdown.utf8), to: summaryMarkdownFile.path)
    }

    /// Reads the finished predictions. Every record ends with a newline, so text after the last newline is what a
    /// kill during a write leaves: it is cut off (those questions run again). A bad line before it is an error.
    private static func readPredictions(_ path: String) throws -> ([Int: GSM8KPrediction], discardedPartialLine: Bool) {
        guard let data = FileManager.default.contents(atPath: path) else { throw GSM8KRunError("\(path): cannot read") }
        var predictions: [Int: GSM8KPrediction] = [:]
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let decoder = JSONDecoder()
        for (i, line) in lines.dropLast().enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
            do {
                let prediction = try decoder.decode(GSM8KPrediction.self, from: Data(line))
                predictions[prediction.index] = prediction
            } catch {
                throw GSM8KRunError("\(path):\(i + 1): not a prediction record (\(reason(error)))")
            }
        }
        let tail = lines.last?.count ?? 0
        guard tail > 0 else { return (predictions, false) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw GSM8KRunError("\(path): cannot open for writing") }
        defer { try? handle.close() }
        try handle.truncate(atOffset: UInt64(data.count - tail))
        try handle.synchronize()
        return (predictions, true)
    }

    private static func writeAtomically(_ data: Data, to path: String) throws {
        let out = try AtomicFileOutput(path: path)
        try out.write(Array(data))
        try out.commit()
    }

    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "no field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case DecodingError.dataCorrupted: return "malformed JSON"
        default: return "\(error)"
        }
    }
}
