import Foundation
import Tensor

/// A frozen projection with int8 weights: blocks of 32 inputs share one Float32 scale (absmax / 127, the layout of
/// ggml's Q8_0). Decoding one token is memory-bound — every weight is read once per token — so reading 1.1 bytes per
/// weight instead of 4 makes it up to ~3.5× faster. Few rows (decode steps, ≤ `fusedRowLimit`) run a fused
/// dequantise-and-dot kernel; many rows (prefill) dequantise the weight block-row by block-row and use sgemm.
public final class Int8Linear: LinearLayer {
    public static let block = 32
    public static let fusedRowLimit = 8

    public let inFeatures: Int
    public let outFeatures: Int
    let quants: UnsafeMutablePointer<Int8>   // (out, in)
    let scales: UnsafeMutablePointer<Float>  // (out, in / 32)
    public let bias: Tensor?
    private var input: Tensor?

    /// Quantises a dense layer's weight (round to nearest, ties away from zero, as ggml's Q8_0 does).
    public init(quantizing linear: Linear) {
        precondition(linear.inFeatures % Self.block == 0, "Int8Linear needs in_features divisible by \(Self.block)")
        inFeatures = linear.inFeatures
        outFeatures = linear.outFeatures
        let blocks = inFeatures / Self.block
        quants = .allocate(capacity: outFeatures * inFeatures)
        scales = .allocate(capacity: outFeatures * blocks)
        let w = linear.weight.value.data
        for r in 0..<outFeatures {
            for b in 0..<blocks {
                let src = w + r * inFeatures + b * Self.block
                var amax: Float = 0
                for j in 0..<Self.block { amax = max(amax, abs(src[j])) }
                let d = amax / 127, id: Float = d == 0 ? 0 : 1 / d
                scales[r * blocks + b] = d
                for j in 0..<Self.block { quants[r * inFeatures + b * Self.block + j] = Int8((src[j] * id).rounded()) }
            }
        }
        bias = linear.bias?.value.copy()
    }

    deinit {
        quants.deallocate()
        scales.deallocate()
    }

    /// Bytes held for the weight (quants + scales).
    public var weightBytes: Int { outFeatures * inFeatures + outFeatures * (inFeatures / Self.block) * 4 }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.columns == inFeatures, "Int8Linear expects \(inFeatures) input features, got shape \(x.shape)")
        let n = x.rows
        let y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
        if n <= Self.fusedRowLimit { fused(x, y) } else { dequantizedGemm(x, y) }
        if let bias { for r in 0..<n { Kernels.add(bias.data, into: y.row(r), outFeatures) } }
        input = training ? x : nil
        return y
    }

    /// y[r, o] = Σ_b scale[o, b] · Σ_j q[o, b·32 + j] · x[r, b·32 + j], weight rows split over the cores.
    private func fused(_ x: Tensor, _ y: Tensor) {
        let n = x.rows, k = inFeatures, blocks = k / Self.block
        Parallel.forEachChunk(outFeatures, cost: k * n) { rows in
            for o in rows {
                let q = quants + o * k, s = scales + o * blocks
                for r in 0..<n {
                    let xr = x.row(r)
                    var acc = Vec8()
                    for b in 0..<blocks {
                        var partial = Vec8()
                        for j in stride(from: 0, to: Self.block, by: 8) {
                            let raw = UnsafeRawPointer(q + b * Self.block + j).loadUnaligned(as: SIMD8<Int8>.self)
                            partial += Vec8(SIMD8<Int32>(truncatingIfNeeded: raw)) * VectorMath.load(xr + b * Self.block + j)
                        }
                        acc += partial * s[b]
                    }
                    y.row(r)[o] = acc.sum()
                }
            }
        }
    }

    /// Dequantises 256 weight rows at a time into a scratch buffer and multiplies them with sgemm.
    private func dequantizedGemm(_ x: Tensor, _ y: Tensor) {
        let k = inFeatures, tile = 256
        let scratch = Tensor(uninitializedShape: [tile, k])
        withExtendedLifetime(scratch) {
            for start in stride(from: 0, to: outFeatures, by: tile) {
                let count = min(tile, outFeatures - start)
                dequantize(rows: start..<(start + count), into: scratch.data)
                BLAS.parallelGemm(transB: true, m: x.rows, n: count, k: k, a: x.data, lda: k, b: scratch.data, ldb: k,
                                  c: y.data + start, ldc: outFeatures)
            }
        }
    }

    /// Writes rows `rows` of the dequantised weight (row-major, `inFeatures` wide) to `destination`.
    public func dequantize(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = inFeatures, blocks = k / Self.block
        Parallel.forEachChunk(rows.count, cost: k) { part in
            for i in part {
                let o = rows.lowerBound + i
                for b in 0..<blocks {
                    let d = scales[o * blocks + b]
                    for j in 0..<Self.block { destination[i * k + b * Self.block + j] = Float(quants[o * k + b * Self.block + j]) * d }
                }
            }
        }
    }

    /// dx = dy · W (frozen weight: no weight gradient).
    public func backward(_ dy: Tensor) -> Tensor {
        guard input != nil else { preconditionFailure("Int8Linear.backward without a training forward") }
        let n = dy.rows, k = inFeatures, tile = 256
        let dx = Tensor(zeros: [n, k])
        let scratch = Tensor(uninitializedShape: [tile, k])
        withExtendedLifetime(scratch) {
            for start in stride(from: 0, to: outFeatures, by: tile) {
                let count = min(tile, outFeatures - start)
                dequantize(rows: start..<(start + count), into: scratch.data)
                BLAS.parallelGemm(m: n, n: k, k: count, a: dy.data + start, lda: outFeatures, b: scratch.data, ldb: k,
                                  beta: 1, c: dx.data, ldc: k)
            }
        }
        return dx
    }
}
