import Foundation
import NN
import Tensor

/// The optimiser-step loop every trainer runs (encoder InfoNCE, decoder SFT), so resume, clipping, the schedule,
/// logging, evaluation, checkpoints and stopping are written once. A trainer supplies the work of a step and what
/// its checkpoints and evaluations hold.
public struct TrainingLoop {
    public struct Schedule {
        public var totalSteps: Int
        public var learningRate: LearningRateSchedule
        public var maxGradNorm: Float?
        public var checkpointEvery: Int
        /// nil: never evaluate.
        public var evalEvery: Int?
        public var logEvery: Int

        public init(totalSteps: Int, learningRate: LearningRateSchedule, maxGradNorm: Float?, checkpointEvery: Int,
                    evalEvery: Int?, logEvery: Int) {
            self.totalSteps = totalSteps
            self.learningRate = learningRate
            self.maxGradNorm = maxGradNorm
            self.checkpointEvery = checkpointEvery
            self.evalEvery = evalEvery
            self.logEvery = logEvery
        }
    }

    /// What the loop measured of a step, for the trainer's record.
    public struct StepFacts {
        /// 1-based.
        public var step: Int
        public var gradNorm: Float
        public var lr: Float
        /// Wall time of this step, and since the loop began; process CPU time since the loop began.
        public var seconds: Double
        public var elapsedSeconds: Double
        public var cpuSeconds: Double
    }

    public let run: TrainingRun
    public let optimizer: AdamW
    public let schedule: Schedule

    public init(run: TrainingRun, optimizer: AdamW, schedule: Schedule) {
        self.run = run
        self.optimizer = optimizer
        self.schedule = schedule
    }

    /// Runs steps to `totalSteps`, from the newest checkpoint (`restore` loads it and returns its step) when
    /// `resume`. `gradients(step)` accumulates the step's gradients (0-based step) and returns how to make its record
    /// from the loop's facts; every `logEvery` steps the record goes to metrics.jsonl. `shouldStop` is asked after
    /// each step: true stops there with a checkpoint. After the last step `finish` runs (the trainer saves its
    /// adapter and chart). Returns whether the run completed.
    @discardableResult
    public func train<Record: Encodable>(
        resume: Bool,
        restore: (URL) throws -> Int,
        gradients: (Int) throws -> (StepFacts) -> Record,
        onStep: ((Record) -> Void)?,
        evaluate: (Int) throws -> Void,
        checkpoint: (Int) throws -> Void,
        shouldStop: ((Int) -> Bool)?,
        finish: () throws -> Void
    ) throws -> Bool {
        let latest = resume ? try run.latestCheckpoint() : nil
        try run.prepare(fresh: latest == nil)
        let start = try latest.map(restore) ?? 0
        let began = Date(), cpuStart = ProcessCPUTime.seconds()
        let s = schedule
        for step in start..<s.totalSteps {
            let stepStart = Date()
            optimizer.zeroGradients()
            let makeRecord = try gradients(step)
            let gradNorm = clipGradientNorm(optimizer.parameters, maxNorm: s.maxGradNorm)
            let lr = s.learningRate.rate(at: step)
            optimizer.update(lr: lr)
            let record = makeRecord(StepFacts(step: step + 1, gradNorm: gradNorm, lr: lr,
                                              seconds: Date().timeIntervalSince(stepStart),
                                              elapsedSeconds: Date().timeIntervalSince(began),
                                              cpuSeconds: ProcessCPUTime.seconds() - cpuStart))
            let done = step + 1, last = done == s.totalSteps
            if done % s.logEvery == 0 || last { try run.append(record, to: TrainingRun.metricsLog) }
            onStep?(record)
            if let every = s.evalEvery, done % every == 0 || last { try evaluate(done) }
            if done % s.checkpointEvery == 0 || last { try checkpoint(done) }
            if !last, shouldStop?(done) == true {
                if done % s.checkpointEvery != 0 { try checkpoint(done) }
                return false
            }
        }
        try finish()
        return true
    }
}
