extension NF4Tensor {
    /// `torch.mean` of a contiguous float32 vector on the CPU, bit for bit: bitsandbytes' offset (the mean of the block
    /// absmax values) is computed this way, and a sum in any other order (even an exact one) differs in the last bit
    /// often enough to change the offset and then the 8-bit scale codes.
    ///
    /// torch sums in float32 with its cascade sum (ATen SumKernel.cpp) — 8-lane vectors (the AVX2 kernel; torch does
    /// not dispatch sums to AVX-512), four of them interleaved, partial sums carried up four levels every 16 steps,
    /// then the lanes added in order — and divides by n. Above 32768 elements torch splits the sum over its threads,
    /// so its own result then depends on `torch.get_num_threads()`; this follows the one-thread order.
    static func torchMean(_ x: UnsafePointer<Float>, count n: Int) -> Float {
        torchSum(x, count: n) / Float(n)
    }

    static func torchSum(_ x: UnsafePointer<Float>, count n: Int) -> Float {
        var total: Float = 0
        if n >= 8 {
            let vectors = n / 8
            let lanes = rowSum(vectors, zero: SIMD8<Float>(), add: +) { i in
                UnsafeRawPointer(x + 8 * i).loadUnaligned(as: SIMD8<Float>.self)
            }
            for k in (vectors * 8)..<n { total += x[k] }
            for lane in 0..<8 { total += lanes[lane] }
        } else {
            total = rowSum(n, zero: Float(0), add: +) { x[$0] }
        }
        return 0 + total   // torch accumulates into a zero-filled output
    }

    /// ATen's `row_sum`: the row read as (-1, 4), each column summed by `multiRowSum`, leftovers into column 0.
    /// Generic over float and 8-lane vectors (SIMD8 is not AdditiveArithmetic, hence `zero` and `add`).
    @inline(__always)
    private static func rowSum<V>(_ size: Int, zero: V, add: (V, V) -> V, _ load: (Int) -> V) -> V {
        let rows = size / 4
        var partial = multiRowSum(rows, zero: zero, add: add) { i, k in load(4 * i + k) }
        for i in (rows * 4)..<size { partial[0] = add(partial[0], load(i)) }
        for k in 1..<4 { partial[0] = add(partial[0], partial[k]) }
        return partial[0]
    }

    /// ATen's `multi_row_sum` for 4 columns: a running sum per column that is pushed up a level every 2^p rows
    /// (p ≥ 4), so only numbers of similar size are added together.
    @inline(__always)
    private static func multiRowSum<V>(_ size: Int, zero: V, add: (V, V) -> V, _ load: (Int, Int) -> V) -> [V] {
        let levels = 4
        let ceilLog2 = size <= 2 ? 1 : Int.bitWidth - (size - 1).leadingZeroBitCount
        let power = Swift.max(4, ceilLog2 / levels)
        let step = 1 << power, mask = step - 1
        var acc = [[V]](repeating: [V](repeating: zero, count: 4), count: levels)
        var i = 0
        while i + step <= size {
            for _ in 0..<step {
                for k in 0..<4 { acc[0][k] = add(acc[0][k], load(i, k)) }
                i += 1
            }
            for j in 1..<levels {
                for k in 0..<4 {
                    acc[j][k] = add(acc[j][k], acc[j - 1][k])
                    acc[j - 1][k] = zero
                }
                if i & (mask << (j * power)) != 0 { break }
            }
        }
        while i < size {
            for k in 0..<4 { acc[0][k] = add(acc[0][k], load(i, k)) }
            i += 1
        }
        for j in 1..<levels {
            for k in 0..<4 { acc[0][k] = add(acc[0][k], acc[j][k]) }
        }
        return acc[0]
    }
}
