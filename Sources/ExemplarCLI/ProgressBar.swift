import Foundation

/// A progress line on stderr: bar, count, rate and ETA. Redrawn in place at most 10 times a second on a terminal;
/// on a pipe or log file, one line per 10% so logs stay readable.
final class ProgressBar {
    private let total: Int
    private let label: String
    private let unit: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastDecile = -1
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private(set) var done = 0

    init(total: Int, label: String, unit: String = "items") {
        self.total = max(total, 0)
        self.label = label
        self.unit = unit
    }

    func advance(by n: Int) { update(done + n) }

    func update(_ done: Int) {
        self.done = done
        let now = Date()
        if isTerminal {
            guard now.timeIntervalSince(lastDraw) >= 0.1 || done >= total else { return }
            lastDraw = now
            FileHandle.standardError.write(Data(("\r" + line(now)).utf8))
        } else {
            let decile = total == 0 ? 10 : done * 10 / total
            guard decile > lastDecile else { return }
            lastDecile = decile
            FileHandle.standardError.write(Data((line(now) + "\n").utf8))
        }
    }

    /// Ends the line (terminal) so later output starts on a fresh one.
    func finish() {
        update(done)
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func line(_ now: Date) -> String {
        let elapsed = now.timeIntervalSince(start)
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let width = 30, filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        return "\(label) \(bar) \(done)/\(total) \(String(format: "%.1f", rate)) \(unit)/s, elapsed \(clock(elapsed)), ETA \(clock(eta))"
    }

    private func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
