import Foundation
import MathTasks

/// The progress line of `eval gsm8k` on stderr: questions done of the total, running accuracy (all finished
/// questions, earlier runs included), this run's generation speed and ETA. On a terminal it is redrawn in place as
/// tokens arrive (at most twice a second); on a pipe or log file it is printed once per batch.
final class EvalProgress {
    private let total: Int
    private let doneBefore: Int
    private let start = Date()
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastDraw = Date.distantPast
    private var tokens = 0
    private var done: Int
    private var correct: [AnswerExtraction.Extractor: Int] = [:]

    init(total: Int, finished: [GSM8KPrediction]) {
        self.total = total
        doneBefore = finished.count
        done = finished.count
        for p in finished { count(p) }
    }

    func token() {
        tokens += 1
        guard isTerminal, Date().timeIntervalSince(lastDraw) >= 0.5 else { return }
        lastDraw = Date()
        FileHandle.standardError.write(Data(("\r" + line() + "\u{1B}[K").utf8))
    }

    func finished(_ batch: [GSM8KPrediction]) {
        done += batch.count
        for p in batch { count(p) }
        FileHandle.standardError.write(Data(((isTerminal ? "\r" : "") + line() + (isTerminal ? "\u{1B}[K" : "") + "\n").utf8))
    }

    private func count(_ p: GSM8KPrediction) {
        for e in AnswerExtraction.Extractor.allCases where p.isCorrect(e) { correct[e, default: 0] += 1 }
    }

    private func line() -> String {
        let elapsed = Date().timeIntervalSince(start)
        let accuracy = [AnswerExtraction.Extractor.strictMatch, .flexibleExtract].map { e in
            String(format: "%@ %.1f%%", e.rawValue as NSString, done > 0 ? 100 * Double(correct[e] ?? 0) / Double(done) : 0)
        }.joined(separator: ", ")
        let thisRun = done - doneBefore
        let eta = thisRun > 0 ? elapsed / Double(thisRun) * Double(total - done) : 0
        return "gsm8k \(done)/\(total) | \(accuracy) | " + String(format: "%.1f tok/s", elapsed > 0 ? Double(tokens) / elapsed : 0)
            + " | elapsed \(clockString(elapsed)), ETA " + (thisRun > 0 ? clockString(eta) : "?")
    }
}
