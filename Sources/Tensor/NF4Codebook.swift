/// The two code tables of bitsandbytes' NF4 quantisation, and the exact rules by which bitsandbytes (0.50, on the
/// CPU) picks a code for a value. Exemplar reproduces bitsandbytes' bytes, not just its accuracy, so that a QLoRA base
/// quantised here and one quantised by Python hold the same weights.
public enum NF4Codebook {
    /// The 16 NormalFloat4 values (QLoRA, Dettmers et al. 2023, https://arxiv.org/abs/2305.14314): quantiles of
    /// N(0, 1) scaled to [-1, 1], with an exact zero. bitsandbytes hard-codes these literals (`get_4bit_type("nf4")`);
    /// the 4-bit code of a value is its index here.
    public static let nf4: [Float] = [
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
        -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
        0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
        0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
    ]

    /// Bucket boundaries (code[i] + code[i+1]) / 2 in float32, as `quantize_4bit` computes them.
    public static let nf4Midpoints: [Float] = (0..<15).map { (nf4[$0] + nf4[$0 + 1]) / 2 }

    /// The NF4 code of a normalised value: `torch.bucketize(x, midpoints)` (right = false), the number of midpoints
    /// strictly below x, so a value exactly on a midpoint takes the lower code.
    @inline(__always)
    public static func nf4Code(_ x: Float) -> UInt8 {
        var code: UInt8 = 0
        nf4Midpoints.withUnsafeBufferPointer { mids in
            for m in mids where m < x { code &+= 1 }
        }
        return code
    }

    /// bitsandbytes' signed 8-bit dynamic map (`create_dynamic_map(signed=True)`; Dettmers 2015,
    /// https://arxiv.org/abs/1511.04561), used to store the NF4 block scales in 8 bits. Built the way torch builds it,
    /// so the 256 floats match bit for bit: for i in 0..<7, the midpoints of `torch.linspace(0.1, 1, 2^i + 1)` times
    /// ±10^(i-6), then 0 and 1, sorted. torch's CPU linspace computes start + step·i (and end − step·(steps−1−i) for
    /// the upper half) with a fused multiply-add, which changes the last bit of some entries; so do we.
    public static let dynamic: [Float] = {
        var values: [Float] = []
        let powers: [Double] = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]
        for i in 0..<7 {
            let steps = (1 << i) + 1
            let boundaries = torchLinspace(from: Float(0.1 as Double), to: 1, steps: steps)
            let scale = Float(powers[i])
            for j in 0..<(steps - 1) {
                let mean = (boundaries[j] + boundaries[j + 1]) / 2
                values.append(scale * mean)
                values.append(-scale * mean)
            }
        }
        values.append(0)
        values.append(1)
        precondition(values.count == 256)
        return values.sorted()
    }()

    /// `torch.linspace(start, end, steps, dtype=float32)` on the CPU, including its fused multiply-adds.
    static func torchLinspace(from start: Float, to end: Float, steps: Int) -> [Float] {
        let step = (end - start) / Float(steps - 1)
        let halfway = steps / 2
        return (0..<steps).map { i in
            i < halfway ? start.addingProduct(step, Float(i)) : end.addingProduct(-step, Float(steps - 1 - i))
        }
    }

    /// The lookup table of bitsandbytes' CPU `quantize_blockwise`: 65536 evenly spaced values in [-1, 1], each mapped
    /// to the first code whose upper midpoint is not below it. The kernel rounds a normalised value to the nearest
    /// table position and reads its code, so values within half a step (1.5e-5) of a midpoint can land on the farther
    /// code; matching bitsandbytes means keeping that behaviour.
    static let dynamicLookup: [UInt8] = {
        let code = dynamic
        let mids = (0..<255).map { (code[$0] + code[$0 + 1]) * 0.5 }
        var table = [UInt8](repeating: 0, count: 65536)
        var c = 0
        for i in 0..<65536 {
            let value = (2 * Float(i)) / 65535 - 1
            while c < 255 && value > mids[c] { c += 1 }
            table[i] = UInt8(c)
        }
        return table
    }()

    /// The 8-bit code of a normalised value as bitsandbytes' CPU kernel picks it: clamp to [-1, 1], then table
    /// position trunc(65535·(x + 1)·0.5 + 0.5), the last step fused as the compiled kernel does.
    @inline(__always)
    static func dynamicCode(_ x: Float, table: UnsafePointer<UInt8>) -> UInt8 {
        let clamped = Swift.min(Swift.max(x, -1), 1)
        let position = Float(0.5).addingProduct(65535, (clamped + 1) * 0.5)
        return table[Int(position) & 0xFFFF]
    }
}
