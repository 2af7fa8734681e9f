/// Affine quantisation of one block of weights to codes 0 … `levels`: w ≈ minimum + step · code.
///
/// The plain fit spreads the levels evenly from the block's minimum to its maximum (error ≤ step/2 per weight). But
/// weights read from a GGUF file usually lie on a grid already — a Q4_0/Q4_1/Q4_K block holds 16 levels, a
/// Q5_0/Q5_1/Q5_K block 32 and a Q8_0 block 255, each an affine grid per 32 weights — and re-rounding them onto a
/// slightly different grid adds error for nothing. So when the block's values sit on an affine grid of at most
/// `levels` steps, that grid is used, and every weight comes back to within Float32 rounding.
enum AffineBlock {
    /// (step, minimum) for `count` values; step 0 when they are all equal.
    static func fit(_ x: UnsafePointer<Float>, count: Int, levels: Int) -> (step: Float, minimum: Float) {
        var lo = x[0], hi = x[0]
        for j in 1..<count { lo = min(lo, x[j]); hi = max(hi, x[j]) }
        let span = hi - lo
        guard span > 0 else { return (0, lo) }
        // The smallest offset above the minimum is a whole number k of grid steps (k = 1 unless the level just
        // above the minimum is missing from the block, common at 8 bits): try k = 1, 2, … while the grid has at most
        // `levels` steps. Values off the grid fail the check at once, so this costs little for them.
        var smallest = span
        for j in 0..<count where x[j] - lo > span * 1e-5 { smallest = min(smallest, x[j] - lo) }
        var k: Float = 1
        while true {
            let step = smallest / k, steps = span / step
            if steps > Float(levels) + 0.01 { break }
            k += 1
            guard abs(steps - steps.rounded()) <= 1e-3 else { continue }
            var onGrid = true
            for j in 0..<count {
                let t = (x[j] - lo) / step
                if abs(t - t.rounded()) > 1e-3 { onGrid = false; break }
            }
            // The extremes give the most accurate step.
            if onGrid { return (span / steps.rounded(), lo) }
        }
        return (span / Float(levels), lo)
    }

    /// The code of `value` on the grid (step, minimum): nearest level, ties up, clamped to 0 … `levels`.
    @inline(__always)
    static func code(_ value: Float, step: Float, minimum: Float, levels: Int) -> Int {
        guard step > 0 else { return 0 }
        return min(levels, max(0, Int(((value - minimum) / step + 0.5).rounded(.down))))
    }
}
