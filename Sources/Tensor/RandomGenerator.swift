/// xoshiro256** (Blackman & Vigna, https://prng.di.unimi.it/): fast, seedable, and its whole state is four words,
/// so training runs are reproducible and resumable bit for bit.
public struct RandomGenerator: RandomNumberGenerator, Codable, Equatable, Sendable {
    public private(set) var state: [UInt64]

    /// Seeds the four state words from `seed` with SplitMix64, as the authors recommend.
    public init(seed: UInt64) {
        var s = seed
        state = (0..<4).map { _ in
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A generator for a sub-stream: same seed and stream give the same numbers, different streams are independent.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ stream)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotl(state[3], 45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits (every Float in the range is equally spaced).
    @inline(__always)
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
