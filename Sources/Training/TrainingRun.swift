import Foundation
import ModelFormats
import NN
import Tensor

/// A training run's directory, the same for every trainer (encoder InfoNCE, decoder SFT):
///
///     metrics.jsonl          one JSON object per logged optimiser step
///     eval.jsonl             one per evaluation (validation loss, task metrics)
///     loss.svg               training loss, its moving average and the validation loss
///     checkpoints/step-N/    adapter, optimizer.safetensors (AdamW's moments), trainer_state.json
///     adapter/               the final adapter
///
/// Crash-safe: a checkpoint is written under a temporary name and renamed into place, so killing the process at any
/// moment leaves the newest complete checkpoint; resuming from it trims the logs back to its step, so a resumed run's
/// files equal an uninterrupted run's.
public struct TrainingRun {
    public let directory: URL

    public static let metricsLog = "metrics.jsonl"
    public static let evaluationLog = "eval.jsonl"
    /// Checkpoints kept; older ones are removed after each new one.
    public static let checkpointsKept = 2

    public init(directory: URL) {
        self.directory = directory
    }

    public var checkpointsDirectory: URL { directory.appendingPathComponent("checkpoints") }
    public var adapterDirectory: URL { directory.appendingPathComponent("adapter") }

    /// Creates the directory; a fresh run (not resuming) starts with empty logs.
    public func prepare(fresh: Bool) throws {
        try FileManager.default.createDirectory(at: checkpointsDirectory, withIntermediateDirectories: true)
        if fresh {
            for name in [Self.metricsLog, Self.evaluationLog] { try? FileManager.default.removeItem(at: url(name)) }
        }
    }

    private func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    // MARK: - Logs

    /// Appends `record` as one JSON line (keys sorted) to the log `name`.
    public func append<T: Encodable>(_ record: T, to name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try append(Data(try encoder.encode(record)) + Data("\n".utf8), to: name)
    }

    private func append(_ data: Data, to name: String) throws {
        let url = url(name)
        if !FileManager.default.fileExists(atPath: url.path) { FileManager.default.createFile(atPath: url.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
    }

    /// The numeric fields of each line of the log `name` (none if it does not exist yet).
    public func read(_ name: String) -> [[String: Double]] {
        guard let records = try? JSONLines.read(url(name)) else { return [] }
        return records.map { $0.fields.compactMapValues { ($0 as? NSNumber)?.doubleValue } }
    }

    /// Drops the lines of every log whose `step` is past `step` (what a resumed run will write again).
    public func trimLogs(afterStep step: Int) throws {
        for name in [Self.metricsLog, Self.evaluationLog] {
            let url = url(name)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            let kept = text.split(separator: "\n").filter { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let s = (object["step"] as? NSNumber)?.intValue else { return false }
                return s <= step
            }
            let out = try AtomicFileOutput(path: url.path)
            try out.write(Array((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8))
            try out.commit()
        }
    }

    // MARK: - Chart

    /// loss.svg: the training loss per step and its 20-step moving average from metrics.jsonl, and the validation
    /// loss (`val_loss`) of each evaluation in eval.jsonl.
    public func writeChart(title: String) throws {
        let train = read(Self.metricsLog).compactMap { m -> (x: Double, y: Double)? in
            guard let s = m["step"], let l = m["loss"] else { return nil }
            return (s, l)
        }
        var smooth: [(x: Double, y: Double)] = []
        for i in train.indices {
            let window = train[max(0, i - 19)...i]
            smooth.append((train[i].x, window.map(\.y).reduce(0, +) / Double(window.count)))
        }
        let validation = read(Self.evaluationLog).compactMap { e -> (x: Double, y: Double)? in
            guard let s = e["step"], let l = e["val_loss"] else { return nil }
            return (s, l)
        }
        let chart = SVGLineChart(title: "\(title) — \(directory.lastPathComponent)", xLabel: "step", yLabel: "loss",
                                 series: [.init(name: "train", color: "#9ecae1", points: train),
                                          .init(name: "train (20-step mean)", color: "#08519c", points: smooth),
                                          .init(name: "validation", color: "#d94801", points: validation, markers: true)])
        try chart.write(to: url("loss.svg").path)
    }

    // MARK: - Checkpoints

    /// Writes checkpoints/step-N/: whatever `writeAdapter` puts into the directory it is given, AdamW's moments
    /// (`m.NAME`, `v.NAME` for each named parameter) and `state` as trainer_state.json; all under a temporary name,
    /// renamed into place at the end. Keeps the `checkpointsKept` newest.
    public func saveCheckpoint<State: Encodable>(step: Int, state: State, optimizer: AdamW, parameterNames: [String],
                                                 writeAdapter: (URL) throws -> Void) throws {
        precondition(parameterNames.count == optimizer.m.count, "one name per optimised parameter")
        let fm = FileManager.default
        let name = String(format: "step-%06d", step)
        let staging = checkpointsDirectory.appendingPathComponent(".\(name).partial")
        try? fm.removeItem(at: staging)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        try writeAdapter(staging)
        var writer = SafeTensorsWriter()
        for (i, pname) in parameterNames.enumerated() {
            for (prefix, t) in [("m.", optimizer.m[i]), ("v.", optimizer.v[i])] {
                try withExtendedLifetime(t) {
                    try writer.add(prefix + pname, shape: t.shape, values: UnsafeBufferPointer(start: t.data, count: t.count))
                }
            }
        }
        try writer.write(to: staging.appendingPathComponent("optimizer.safetensors").path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(state).write(to: staging.appendingPathComponent("trainer_state.json"))
        let final = checkpointsDirectory.appendingPathComponent(name)
        try? fm.removeItem(at: final)
        try fm.moveItem(at: staging, to: final)
        for old in try checkpointNames().dropLast(Self.checkpointsKept) {
            try? fm.removeItem(at: checkpointsDirectory.appendingPathComponent(old))
        }
    }

    private func checkpointNames() throws -> [String] {
        guard FileManager.default.fileExists(atPath: checkpointsDirectory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: checkpointsDirectory.path)
            .filter { $0.hasPrefix("step-") }.sorted()
    }

    /// The newest complete checkpoint (partial ones, from a kill mid-write, never count).
    public func latestCheckpoint() throws -> URL? {
        try checkpointNames().last.map { checkpointsDirectory.appendingPathComponent($0) }
    }

    /// trainer_state.json of `checkpoint`; a missing or unreadable one is an error naming the file.
    public func state<State: Decodable>(_ type: State.Type, of checkpoint: URL) throws -> State {
        let url = checkpoint.appendingPathComponent("trainer_state.json")
        guard let data = try? Data(contentsOf: url) else { throw ModelLoadingError.missingFile(url.path) }
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw ModelLoadingError.invalidFile(path: url.path, reason: "not a trainer state (\(error)); the checkpoint is corrupt")
        }
    }

    /// Loads AdamW's moments and step count from `checkpoint` (the names as saved).
    public func restoreOptimizer(_ optimizer: AdamW, parameterNames: [String], step: Int, from checkpoint: URL) throws {
        let moments = try SafeTensorsFile(path: checkpoint.appendingPathComponent("optimizer.safetensors").path)
        for (i, pname) in parameterNames.enumerated() {
            try moments.copyFloats("m." + pname, into: optimizer.m[i].data, count: optimizer.m[i].count)
            try moments.copyFloats("v." + pname, into: optimizer.v[i].data, count: optimizer.v[i].count)
        }
        optimizer.step = step
    }
}
