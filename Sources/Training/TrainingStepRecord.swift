/// What every trainer's per-step record reports, for the end-of-run summary (speed, useful work, CPU use).
public protocol TrainingStepRecord {
    /// What an item is in this trainer's speed figure ("pairs", "examples"): the summary reports `<name>_per_s`.
    static var itemName: String { get }
    var step: Int { get }
    var elapsedSeconds: Double { get }
    var cpuSeconds: Double { get }
    /// Items (pairs, examples) and tokens of the step, and its useful matrix work in GFLOP.
    var items: Int { get }
    var tokens: Int { get }
    var gflop: Double { get }
}
