import Tensor

/// Dropout masks as a keyed hash of (row key, column) instead of a stream of random numbers.
///
/// Element j of a row is kept when hash(key, j) ≥ p·2³², with the hash two rounds of Wellons' "lowbias32" integer
/// mixer (a bijection on 32-bit words), one per half of the 64-bit row key. Three properties follow that a random
/// stream lacks: a row's mask is a pure function of its key, so backward regenerates it instead of storing it
/// (attention probabilities would need a second Σ H·L² buffer); rows are independent, so they split over the cores in
/// any way and a mini-batch split (GradCache) replays the same masks; and it runs 8 lanes at a time — a training step
/// draws ~10⁸ attention-dropout decisions, which a scalar generator would spend seconds on.
public enum DropoutMask {
    /// Mixes a per-row seed with a salt (which dropout layer, which head) into a row key: SplitMix64's finaliser, so
    /// neighbouring seeds or salts give unrelated keys.
    @inline(__always)
    public static func rowKey(seed: UInt64, salt: UInt64) -> UInt64 {
        var z = seed ^ (salt &* 0x9E37_79B9_7F4A_7C15) ^ 0x6A09_E667_F3BC_C909
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The 32-bit threshold for drop probability p: an element is dropped when its hash is below it.
    @inline(__always)
    public static func threshold(_ p: Float) -> UInt32 {
        UInt32(min(Double(p) * 4_294_967_296, 4_294_967_295).rounded())
    }

    /// y[j] = x[j]·scale where hash(key, j) ≥ threshold, else 0, plus `adding[j]` when given, for j in 0..<n
    /// (x, y and `adding` may be the same buffer): the residual add after dropout, or the accumulation of a masked
    /// gradient, in the same pass.
    @inline(__always)
    public static func apply(key: UInt64, threshold: UInt32, scale: Float, _ x: UnsafePointer<Float>,
                             _ y: UnsafeMutablePointer<Float>, _ n: Int, adding: UnsafePointer<Float>? = nil) {
        let k1 = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: key))
        let k2 = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: key >> 32))
        let t = SIMD8<UInt32>(repeating: threshold), s = Vec8(repeating: scale), zero = Vec8()
        var column = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7)
        var j = 0
        if let adding {
            while j + 8 <= n {
                let keep = hash(column, k1, k2) .>= t
                let dropped = zero.replacing(with: VectorMath.load(x + j) * s, where: keep)
                VectorMath.store(dropped + VectorMath.load(adding + j), y + j)
                column &+= 8
                j += 8
            }
        } else {
            while j + 8 <= n {
                let keep = hash(column, k1, k2) .>= t
                VectorMath.store(zero.replacing(with: VectorMath.load(x + j) * s, where: keep), y + j)
                column &+= 8
                j += 8
            }
        }
        if j < n {
            // The tail goes through the same hash of the same column numbers.
            let keep = hash(column, k1, k2) .>= t
            for l in 0..<(n - j) { y[j + l] = (keep[l] ? x[j + l] * scale : 0) + (adding?[j + l] ?? 0) }
        }
    }

    @inline(__always)
    static func hash(_ column: SIMD8<UInt32>, _ k1: SIMD8<UInt32>, _ k2: SIMD8<UInt32>) -> SIMD8<UInt32> {
        mix(mix((column &* 0x9E37_79B9) ^ k1) ^ k2)
    }

    /// lowbias32 (https://nullprogram.com/blog/2018/07/31/): xor-shift, odd multiply, twice; invertible.
    @inline(__always)
    static func mix(_ v: SIMD8<UInt32>) -> SIMD8<UInt32> {
        var x = v
        x ^= x &>> 16
        x &*= 0x7FEB_352D
        x ^= x &>> 15
        x &*= 0x846C_A68B
        x ^= x &>> 16
        return x
    }
}
