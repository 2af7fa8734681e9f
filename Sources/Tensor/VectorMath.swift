/// SIMD approximations of the transcendental functions the kernels need, accurate to a few float ulps, so that GELU
/// and softmax run at vector speed (the scalar libm calls would cost as much as the matrix products).
public typealias Vec8 = SIMD8<Float>

public enum VectorMath {
    /// exp(x) by Cephes' expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial for e^r, then scale by 2^n.
    /// Inputs are clamped to the range where 2^n is a normal float.
    @inline(__always)
    public static func exp(_ x0: Vec8) -> Vec8 {
        // Clamp with selects: `clamped(lowerBound:upperBound:)` is not inlined and costs as much as the polynomial.
        let lo = Vec8(repeating: -87.33654), hi = Vec8(repeating: 88.37626)
        var x = x0.replacing(with: lo, where: x0 .< lo)
        x = x.replacing(with: hi, where: x .> hi)
        // Round x·log2(e) to the nearest integer with the 1.5·2^23 trick; the low mantissa bits then hold n.
        let magic = Vec8(repeating: 12_582_912)
        let t = x * 1.442_695_04 + magic
        let n = t - magic
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = Vec8(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_1e-1
        p = p * (r * r) + r + 1
        let nBits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: Vec8.self)
        return p * scale
    }

    /// erf(x): the Maclaurin series (12 terms, error < 1e-9) for |x| < 1, where 1 − erfc would cancel, and
    /// Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7) beyond.
    @inline(__always)
    public static func erf(_ x: Vec8) -> Vec8 {
        let a = x.replacing(with: -x, where: x .< 0)
        // Small |x|: x·Σ cₙ·x²ⁿ.
        let x2 = x * x
        var s = Vec8(repeating: -1.229055530e-09)
        s = s * x2 + 1.480719282e-08
        s = s * x2 + -1.636584469e-07
        s = s * x2 + 1.646211437e-06
        s = s * x2 + -1.492565036e-05
        s = s * x2 + 1.205533298e-04
        s = s * x2 + -8.548327023e-04
        s = s * x2 + 5.223977625e-03
        s = s * x2 + -2.686617065e-02
        s = s * x2 + 1.128379167e-01
        s = s * x2 + -3.761263890e-01
        s = s * x2 + 1.128379167e+00
        let small = x * s
        // Large |x|: 1 − t·P(t)·e^(−x²), t = 1/(1 + p·|x|).
        let t = 1 / (1 + 0.327_591_1 * a)
        var p = Vec8(repeating: 1.061_405_429)
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        p = p * t
        let y = 1 - p * exp(-x2)
        let large = y.replacing(with: -y, where: x .< 0)
        return large.replacing(with: small, where: a .< 1)
    }

    @inline(__always)
    public static func load(_ p: UnsafePointer<Float>) -> Vec8 {
        UnsafeRawPointer(p).loadUnaligned(as: Vec8.self)
    }

    @inline(__always)
    public static func store(_ v: Vec8, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec8.self)
    }

    /// Scalar versions through the same vector code path, for tails shorter than 8 (keeps results identical
    /// whether an element lands in the vector body or the tail).
    @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(Vec8(repeating: x))[0] }
    @inline(__always)
    public static func erf(_ x: Float) -> Float { erf(Vec8(repeating: x))[0] }
}
