import Foundation
import ModelFormats
import NN
import Tensor
import Training
import XCTest

/// The run directory both trainers write: logs, trimming on resume, checkpoints that survive a kill, the chart.
final class TrainingRunTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-run-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    struct Record: Codable { var step: Int; var loss: Double }
    struct State: Codable, Equatable { var step: Int; var seed: UInt64 }

    func optimizer() -> (AdamW, Parameter) {
        let p = Parameter(Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), requiresGrad: true)
        let adam = AdamW(parameters: [p])
        p.grad!.assign(Tensor(shape: [2, 3], values: [0.5, -1, 2, 0, 1, -3]))
        adam.update(lr: 0.1)
        return (adam, p)
    }

    func testLogsAreAppendedTrimmedAndCharted() throws {
        let run = TrainingRun(directory: directory)
        try run.prepare(fresh: true)
        for step in 1...5 { try run.append(Record(step: step, loss: 1 / Double(step)), to: TrainingRun.metricsLog) }
        try run.append(["step": 4.0, "val_loss": 0.3], to: TrainingRun.evaluationLog)
        XCTAssertEqual(run.read(TrainingRun.metricsLog).map { $0["step"]! }, [1, 2, 3, 4, 5])
        try run.trimLogs(afterStep: 3)
        XCTAssertEqual(run.read(TrainingRun.metricsLog).map { $0["step"]! }, [1, 2, 3])
        XCTAssertEqual(run.read(TrainingRun.evaluationLog).count, 0)
        try run.writeChart(title: "loss")
        let svg = try String(contentsOf: directory.appendingPathComponent("loss.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg") || svg.contains("<svg"), svg.prefix(80).description)
        try run.prepare(fresh: true)
        XCTAssertEqual(run.read(TrainingRun.metricsLog).count, 0, "a fresh run starts with empty logs")
    }

    func testCheckpointRoundTripKeepsTheNewestTwo() throws {
        let run = TrainingRun(directory: directory)
        try run.prepare(fresh: true)
        let (adam, _) = optimizer()
        for step in [10, 20, 30] {
            try run.saveCheckpoint(step: step, state: State(step: step, seed: 7), optimizer: adam, parameterNames: ["w"]) { dir in
                try Data("adapter \(step)".utf8).write(to: dir.appendingPathComponent("adapter.txt"))
            }
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: run.checkpointsDirectory.path).sorted()
        XCTAssertEqual(names, ["step-000020", "step-000030"])
        let latest = try XCTUnwrap(try run.latestCheckpoint())
        XCTAssertEqual(try run.state(State.self, of: latest), State(step: 30, seed: 7))
        XCTAssertEqual(try String(contentsOf: latest.appendingPathComponent("adapter.txt"), encoding: .utf8), "adapter 30")

        let (fresh, _) = optimizer()
        for t in fresh.m + fresh.v { t.fill(0) }
        try run.restoreOptimizer(fresh, parameterNames: ["w"], step: 30, from: latest)
        XCTAssertEqual(fresh.step, 30)
        XCTAssertEqual(fresh.m[0].array, adam.m[0].array)
        XCTAssertEqual(fresh.v[0].array, adam.v[0].array)
    }

    /// A kill during a checkpoint leaves `.step-N.partial`, which never counts; a corrupt state names its file.
    func testPartialAndCorruptCheckpoints() throws {
        let run = TrainingRun(directory: directory)
        try run.prepare(fresh: true)
        try FileManager.default.createDirectory(at: run.checkpointsDirectory.appendingPathComponent(".step-000040.partial"),
                                                withIntermediateDirectories: true)
        XCTAssertNil(try run.latestCheckpoint())
        let broken = run.checkpointsDirectory.appendingPathComponent("step-000050")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("{not json".utf8).write(to: broken.appendingPathComponent("trainer_state.json"))
        XCTAssertThrowsError(try run.state(State.self, of: broken)) { error in
            XCTAssertTrue("\(error)".contains("step-000050/trainer_state.json"), "\(error)")
            XCTAssertTrue("\(error)".contains("corrupt"), "\(error)")
        }
        let (adam, _) = optimizer()
        XCTAssertThrowsError(try run.restoreOptimizer(adam, parameterNames: ["w"], step: 1, from: broken)) { error in
            XCTAssertTrue("\(error)".contains("optimizer.safetensors"), "\(error)")
        }
    }
}
