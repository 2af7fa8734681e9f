import Tensor

/// Affine quantisation of one block of 32 weights to codes 0 … `levels`: w ≈ minimum + step · code.
///
/// The plain fit spreads the levels evenly from the block's minimum to its maximum (error ≤ step/2 per weight). But
/// weights read from a GGUF file usually lie on a grid already — a Q4_0/Q4_1/Q4_K block holds 16 levels, a
/// Q5_0/Q5_1/Q5_K block 32 and a Q8_0 block 255, each an affine grid per 32 weights — and re-rounding them onto a
/// slightly different grid adds error for nothing. So when the block's values sit on an affine grid of at most
/// `levels` steps, that grid is used, and every weight comes back to within Float32 rounding.
enum AffineBlock {
    static let count = 32

    /// (step, minimum) for the 32 values at x; step 0 when they are all equal.
    static func fit(_ x: UnsafePointer<Float>, levels: Int) -> (step: Float, minimum: Float) {
        let v0 = VectorMath.load(x), v1 = VectorMath.load(x + 8), v2 = VectorMath.load(x + 16), v3 = VectorMath.load(x + 24)
        let lo = horizontalMin(lanewiseMin(lanewiseMin(v0, v1), lanewiseMin(v2, v3)))
        let hi = horizontalMax(lanewiseMax(lanewiseMax(v0, v1), lanewiseMax(v2, v3)))
        let span = hi - lo
        guard span > 0 else { return (0, lo) }
        // Every offset from the minimum is a whole number of grid steps, so the greatest common divisor of the
        // smallest few distinct offsets is a whole number k of steps — k = 1 unless the block misses the levels that
        // would show the step, as 8-bit blocks often do. Try k = 1, 2, … while the grid has at most `levels` steps,
        // and take the first grid the whole block sits on. Off-grid values give a divisor that is no multiple of
        // anything, and fail the cheap integrality test at once.
        let tolerance = span * 1e-5
        var below = tolerance, divisor: Float = 0, first: Float = 0
        for _ in 0..<4 {
            let next = horizontalMin(lanewiseMin(lanewiseMin(offset(v0, lo, below, span), offset(v1, lo, below, span)),
                                                 lanewiseMin(offset(v2, lo, below, span), offset(v3, lo, below, span))))
            // A grid of at most `levels` steps has steps ≥ span/levels, so any remainder below half of that is noise.
            if divisor == 0 { (divisor, first) = (next, next) } else {
                divisor = gcd(divisor, next, tolerance: span / Float(2 * levels))
            }
            if next >= span { break }
            below = next + tolerance
        }
        // Euclid's subtractions cost the divisor some precision; the smallest offset, a direct difference, is a
        // whole number of divisors and gives it back.
        divisor = first / Swift.max(1, (first / divisor).rounded())
        let ratio = span / divisor
        var k: Float = 1
        while ratio * k <= Float(levels) + 0.01 {
            let steps = ratio * k
            k += 1
            guard abs(steps - steps.rounded()) <= 0.01 * k else { continue }
            let inverse = steps.rounded() / span
            let worst = lanewiseMax(lanewiseMax(offGrid(v0, lo, inverse), offGrid(v1, lo, inverse)),
                                    lanewiseMax(offGrid(v2, lo, inverse), offGrid(v3, lo, inverse)))
            // The extremes give the most accurate step.
            if horizontalMax(worst) <= 1e-3 { return (span / steps.rounded(), lo) }
        }
        return (span / Float(levels), lo)
    }

    /// Euclid's algorithm on two positive multiples of a step, to within `tolerance`.
    static func gcd(_ a: Float, _ b: Float, tolerance: Float) -> Float {
        var (a, b) = (Swift.max(a, b), Swift.min(a, b))
        for _ in 0..<16 where b > tolerance {
            (a, b) = (b, abs(a - (a / b).rounded() * b))
        }
        return a
    }

    /// The codes of the 32 values at x on the grid (step, minimum): nearest level, ties up, clamped to 0 … `levels`.
    static func codes(_ x: UnsafePointer<Float>, step: Float, minimum: Float, levels: Int, _ body: (Int, Int) -> Void) {
        guard step > 0 else {
            for j in 0..<count { body(j, 0) }
            return
        }
        let inverse = 1 / step
        for j in 0..<count {
            body(j, Swift.min(levels, Swift.max(0, Int(((x[j] - minimum) * inverse + 0.5).rounded(.down)))))
        }
    }

    /// Offsets from the minimum, those not above `below` replaced by the span.
    @inline(__always) static func offset(_ v: Vec8, _ lo: Float, _ below: Float, _ span: Float) -> Vec8 {
        let d = v - lo
        return d.replacing(with: span, where: d .<= below)
    }

    /// Distance of (v − lo)·inverse from the nearest integer.
    @inline(__always) static func offGrid(_ v: Vec8, _ lo: Float, _ inverse: Float) -> Vec8 {
        let t = (v - lo) * inverse, d = t - t.rounded(.toNearestOrEven)
        return lanewiseMax(d, -d)
    }

    // Lane-wise and horizontal min / max as selects: the standard library's pointwiseMin/Max and SIMD min()/max()
    // are not inlined for SIMD8 and go lane by lane through a call, which made loading a model 5× slower.
    @inline(__always) static func lanewiseMin(_ a: Vec8, _ b: Vec8) -> Vec8 { a.replacing(with: b, where: b .< a) }
    @inline(__always) static func lanewiseMax(_ a: Vec8, _ b: Vec8) -> Vec8 { a.replacing(with: b, where: b .> a) }
    @inline(__always) static func horizontalMin(_ v: Vec8) -> Float {
        let h4 = v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .< v.lowHalf)
        return Swift.min(Swift.min(h4[0], h4[1]), Swift.min(h4[2], h4[3]))
    }
    @inline(__always) static func horizontalMax(_ v: Vec8) -> Float {
        let h4 = v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .> v.lowHalf)
        return Swift.max(Swift.max(h4[0], h4[1]), Swift.max(h4[2], h4[3]))
    }
}
