import Foundation
import Tensor
import Training

/// What a training run reports at its end (printed as JSON and saved as summary.json beside metrics.jsonl): the
/// figures the Python peer's train_lora.py prints, measured the same way — speed over the steps after the first five
/// (their warm-up of allocations and caches), loss means of the first and last ten steps — plus the useful GFLOP/s
/// (`BertModel.trainingFLOPs`) and its fraction of the sgemm peak measured right after training (2048³ products, as
/// `exemplar bench gemm`), the CPU cores kept busy, wall time and peak RSS. On a shared machine the fraction per busy
/// core (GFLOP per CPU second of training over that of the sgemm measurement) is the steadier of the two fractions.
struct TrainingSummary: Encodable {
    /// `pairs` or `examples`: the speed is reported as `<itemName>_per_s`.
    var itemName: String
    var steps: Int
    var wallSeconds: Double
    var steadySteps: Int
    var itemsPerSecond: Double
    var gflopsPerSecond: Double
    var tokensPerSecond: Double
    /// CPU seconds per wall second over the steady steps (2 on an idle 2-core machine when nothing waits).
    var cpuCores: Double
    var peakRSSMiB: Double
    var sgemmPeakGFLOPS: Double
    var sgemmPeakCores: Double
    var fractionOfSgemmPeak: Double
    var fractionOfSgemmPeakPerCore: Double
    var lossFirst10Mean: Double?
    var lossLast10Mean: Double?

    enum CodingKeys: String, CodingKey {
        case steps, wallSeconds = "wall_s", steadySteps = "steady_steps"
        case gflopsPerSecond = "gflops", tokensPerSecond = "tokens_per_s", cpuCores = "cpu_cores"
        case peakRSSMiB = "peak_rss_mib", lossFirst10Mean = "loss_first10_mean", lossLast10Mean = "loss_last10_mean"
        case sgemmPeakGFLOPS = "sgemm_peak_gflops", sgemmPeakCores = "sgemm_peak_cpu_cores"
        case fractionOfSgemmPeak = "fraction_of_sgemm_peak", fractionOfSgemmPeakPerCore = "fraction_of_sgemm_peak_per_core"
    }

    /// Every field under its key, the speed as `<itemName>_per_s`.
    func encode(to encoder: Encoder) throws {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ s: String) { stringValue = s }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        var c = encoder.container(keyedBy: Key.self)
        func put<T: Encodable>(_ key: CodingKeys, _ value: T?) throws { if let value { try c.encode(value, forKey: Key(key.stringValue)) } }
        try c.encode(itemsPerSecond, forKey: Key("\(itemName)_per_s"))
        try put(.steps, steps); try put(.wallSeconds, wallSeconds); try put(.steadySteps, steadySteps)
        try put(.gflopsPerSecond, gflopsPerSecond); try put(.tokensPerSecond, tokensPerSecond); try put(.cpuCores, cpuCores)
        try put(.peakRSSMiB, peakRSSMiB); try put(.sgemmPeakGFLOPS, sgemmPeakGFLOPS); try put(.sgemmPeakCores, sgemmPeakCores)
        try put(.fractionOfSgemmPeak, fractionOfSgemmPeak); try put(.fractionOfSgemmPeakPerCore, fractionOfSgemmPeakPerCore)
        try put(.lossFirst10Mean, lossFirst10Mean); try put(.lossLast10Mean, lossLast10Mean)
    }

    /// `records`: the steps this process ran, in order; `losses`: the loss of every logged step of the run (a resumed
    /// run includes the steps before the interruption).
    init<Record: TrainingStepRecord>(records: [Record], losses: [Double], wallSeconds: Double) {
        itemName = Record.itemName
        steps = records.last?.step ?? losses.count
        self.wallSeconds = wallSeconds
        // Steady state: after the first 5 steps of this process, when there are enough; else after the first.
        let skip = records.count > 6 ? 5 : min(1, records.count - 1)
        let steady = records.count > 1 ? Array(records[skip...]) : records
        let before = skip > 0 ? records[skip - 1] : nil
        let dt = (steady.last?.elapsedSeconds ?? 0) - (before?.elapsedSeconds ?? 0)
        let dcpu = (steady.last?.cpuSeconds ?? 0) - (before?.cpuSeconds ?? 0)
        steadySteps = steady.count
        itemsPerSecond = dt > 0 ? Double(steady.reduce(0) { $0 + $1.items }) / dt : 0
        gflopsPerSecond = dt > 0 ? steady.reduce(0) { $0 + $1.gflop } / dt : 0
        tokensPerSecond = dt > 0 ? Double(steady.reduce(0) { $0 + $1.tokens }) / dt : 0
        cpuCores = dt > 0 ? dcpu / dt : 0
        peakRSSMiB = Self.peakResidentSetMiB()
        let cpu0 = ProcessCPUTime.seconds(), t0 = Date()
        sgemmPeakGFLOPS = measurePeakGFLOPs()
        sgemmPeakCores = (ProcessCPUTime.seconds() - cpu0) / Date().timeIntervalSince(t0)
        fractionOfSgemmPeak = sgemmPeakGFLOPS > 0 ? gflopsPerSecond / sgemmPeakGFLOPS : 0
        fractionOfSgemmPeakPerCore = cpuCores > 0 && sgemmPeakGFLOPS > 0
            ? (gflopsPerSecond / cpuCores) / (sgemmPeakGFLOPS / sgemmPeakCores) : 0
        lossFirst10Mean = losses.isEmpty ? nil : losses.prefix(10).reduce(0, +) / Double(min(10, losses.count))
        lossLast10Mean = losses.isEmpty ? nil : losses.suffix(10).reduce(0, +) / Double(min(10, losses.count))
    }

    /// The process's peak resident set (getrusage's ru_maxrss: KiB on Linux, bytes on macOS).
    static func peakResidentSetMiB() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576
        #endif
    }
}
