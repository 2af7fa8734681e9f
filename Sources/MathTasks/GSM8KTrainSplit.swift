/// The fixed split of GSM8K train into a held-out validation slice and the rest, shared by the
/// `gsm8k-train-holdout` evaluation task and encoder training (which trains on `training` and validates on
/// `holdout`), so the two can never overlap.
///
/// The split is a seeded shuffle that any language can reproduce: SplitMix64 seeded with `seed`; a Fisher–Yates
/// pass over the line numbers `p = [0, 1, …, n−1]` for i from n−1 down to 1, swapping p[i] with p[j], j = next() mod
/// (i + 1); the first `holdoutSize` entries of p, sorted ascending, are held out and the other lines, ascending,
/// are for training. (The modulo bias of a 64-bit draw over ≤ 7473 values is below 1e-15.)
public enum GSM8KTrainSplit {
    public static let seed: UInt64 = 42
    public static let holdoutSize = 500

    /// 0-based train lines held out for validation, ascending.
    public static func holdoutLines(count: Int, size: Int = holdoutSize, seed: UInt64 = seed) -> [Int] {
        Array(shuffledLines(count: count, seed: seed).prefix(size)).sorted()
    }

    /// 0-based train lines left for training, ascending: the complement of `holdoutLines`.
    public static func trainingLines(count: Int, size: Int = holdoutSize, seed: UInt64 = seed) -> [Int] {
        Array(shuffledLines(count: count, seed: seed).dropFirst(size)).sorted()
    }

    /// Splits loaded train problems (all of train.jsonl, in file order).
    public static func split(_ problems: [GSM8KProblem], size: Int = holdoutSize, seed: UInt64 = seed)
        -> (training: [GSM8KProblem], holdout: [GSM8KProblem]) {
        let held = Set(holdoutLines(count: problems.count, size: size, seed: seed))
        return (problems.filter { !held.contains($0.line) }, problems.filter { held.contains($0.line) })
    }

    private static func shuffledLines(count: Int, seed: UInt64) -> [Int] {
        var lines = Array(0..<count)
        var rng = SplitMix64(seed: seed)
        var i = count - 1
        while i > 0 {
            let j = Int(rng.next() % UInt64(i + 1))
            lines.swapAt(i, j)
            i -= 1
        }
        return lines
    }
}
