/// MT19937 (Matsumoto & Nishimura 1998) seeded as PyTorch's CPU generator is by `manual_seed(s)` (the reference
/// `init_genrand`), and `torch.randperm`'s CPU algorithm on top of it.
///
/// Only for reproducing the Python peer's data order: sentence-transformers' trainer shuffles with
/// `RandomSampler(generator=torch.Generator().manual_seed(seed))`, one `randperm(n)` per epoch, so a run that draws
/// its permutations here trains on the same batches, in the same order, as the peer with the same seed.
public struct MersenneTwister: Sendable, Equatable {
    private var state: [UInt32]
    private var index = 624

    public init(seed: UInt64) {
        // torch.Generator.manual_seed keeps the low 32 bits for mt19937.
        var s = [UInt32](repeating: 0, count: 624)
        s[0] = UInt32(truncatingIfNeeded: seed)
        for i in 1..<624 { s[i] = 1_812_433_253 &* (s[i - 1] ^ (s[i - 1] >> 30)) &+ UInt32(i) }
        state = s
    }

    /// The next 32-bit output (torch's `generator->random()`).
    public mutating func next() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
        }
        index = 0
    }

    /// `torch.randperm(n, generator=g)` on the CPU: a forward Fisher–Yates with `random() % (n − i)` (torch uses this
    /// for n below 2³²/20; above that it switches to 64-bit draws, which this does not implement).
    public mutating func permutation(_ n: Int) -> [Int] {
        precondition(n < Int(UInt32.max / 20), "torch.randperm draws 64-bit numbers for n = \(n); not implemented")
        var r = Array(0..<n)
        for i in 0..<max(0, n - 1) {
            let z = Int(next() % UInt32(n - i))
            r.swapAt(i, z + i)
        }
        return r
    }
}
