/// Element-wise and row-wise kernels on raw buffers, vectorised 8-wide with a scalar tail.
/// Callers split rows over the cores (`Parallel`); these functions are single-threaded.
public enum Kernels {
    /// Applies `f` to 8-wide blocks of `0..<n` and to the tail via a zero-padded block, so every element goes through
    /// the same arithmetic.
    @inline(__always)
    public static func map(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ f: (Vec8) -> Vec8) {
        var i = 0
        while i + 8 <= n {
            VectorMath.store(f(VectorMath.load(x + i)), y + i)
            i += 8
        }
        if i < n {
            var v = Vec8()
            for j in 0..<(n - i) { v[j] = x[i + j] }
            let r = f(v)
            for j in 0..<(n - i) { y[i + j] = r[j] }
        }
    }

    /// Same, two inputs.
    @inline(__always)
    public static func map2(_ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                            _ y: UnsafeMutablePointer<Float>, _ f: (Vec8, Vec8) -> Vec8) {
        var i = 0
        while i + 8 <= n {
            VectorMath.store(f(VectorMath.load(a + i), VectorMath.load(b + i)), y + i)
            i += 8
        }
        if i < n {
            var va = Vec8(), vb = Vec8()
            for j in 0..<(n - i) { va[j] = a[i + j]; vb[j] = b[i + j] }
            let r = f(va, vb)
            for j in 0..<(n - i) { y[i + j] = r[j] }
        }
    }

    /// Σ x[i]
    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Vec8(), i = 0
        while i + 8 <= n { acc += VectorMath.load(x + i); i += 8 }
        var s = acc.sum()
        while i < n { s += x[i]; i += 1 }
        return s
    }

    /// Σ a[i]·b[i]
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Vec8(), i = 0
        while i + 8 <= n { acc += VectorMath.load(a + i) * VectorMath.load(b + i); i += 8 }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// max x[i] (n > 0)
    @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0, m = -Float.infinity
        if n >= 8 {
            var acc = VectorMath.load(x); i = 8
            while i + 8 <= n { let v = VectorMath.load(x + i); acc = acc.replacing(with: v, where: v .> acc); i += 8 }
            m = acc.max()
        }
        while i < n { m = Swift.max(m, x[i]); i += 1 }
        return m
    }

    /// y[i] += x[i]
    @inline(__always)
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ n: Int) {
        map2(n, y, x, y) { $0 + $1 }
    }

    /// x[i] *= s
    @inline(__always)
    public static func scale(_ x: UnsafeMutablePointer<Float>, _ n: Int, by s: Float) {
        map(n, x, x) { $0 * s }
    }

    /// In-place softmax of one row: x ← exp(s·x − max) / Σ. Returns nothing; the row sums to 1.
    @inline(__always)
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int, scale s: Float = 1) {
        let m = max(x, n) * s
        map(n, x, x) { VectorMath.exp($0 * s - m) }
        let inv = 1 / sum(x, n)
        scale(x, n, by: inv)
    }
}
