import Tensor

/// A `QuantizedLinear` whatever its weight format, for code that holds projections of several formats or need not
/// know which: a model's byte count, `forwardTogether`.
public protocol QuantizedProjection: LinearLayer {
    var bias: Tensor? { get }   // (out)
    /// Bytes of the quantised weight and the Float32 bias.
    var byteCount: Int { get }
    /// The weight, when its format has a fused few-row kernel.
    var fewRowWeight: (any FewRowQuantizedWeight)? { get }
    /// Rows of the weight as Float32 on the calling thread (a quantised token table's lookups).
    func dequantizeWeightRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>)
}

extension QuantizedProjection {
    /// The bias into each of `m` rows of y (`ldy` apart): copied, for a product that accumulates onto it, or
    /// `adding` it to a product already there (the few-row kernels write their sums).
    func applyBias(to y: UnsafeMutablePointer<Float>, rows m: Int, ldy: Int, adding: Bool) {
        guard let bias else { return }
        let b = bias.data, n = outFeatures
        withExtendedLifetime(bias) {
            Parallel.forEachChunk(m, cost: n) { rows in
                for r in rows {
                    if adding { Kernels.add(b, into: y + r * ldy, n) } else { (y + r * ldy).update(from: b, count: n) }
                }
            }
        }
    }
}

/// y_i = x·W_iᵀ + b_i for several layers that share their input (q/k/v, or gate/up), in one pass over the cores when
/// x is a decode step and every format has a few-row kernel: one thread hand-off instead of one per layer, which is a
/// sizeable part of a small model's step (each hand-off costs about as much as multiplying a small projection). Many
/// rows go layer by layer.
public func forwardTogether(_ layers: [any QuantizedProjection], _ x: Tensor) -> [Tensor] {
    let m = x.rows, k = x.columns
    precondition(layers.allSatisfy { $0.inFeatures == k }, "forwardTogether: layers take \(layers.map(\.inFeatures)) features, x has \(k)")
    let kernels = layers.compactMap(\.fewRowWeight)
    guard m <= fusedRowLimit, kernels.count == layers.count else { return layers.map { $0.forward(x, training: false) } }
    let outputs = layers.map { Tensor(uninitializedShape: Array(x.shape.dropLast()) + [$0.outFeatures]) }
    var starts: [Int] = [], total = 0
    for layer in layers { starts.append(total); total += layer.outFeatures }
    Parallel.forEachChunk(total, cost: 2 * k * m) { range in
        for (i, (layer, kernel)) in zip(layers, kernels).enumerated() {
            let lo = Swift.max(range.lowerBound, starts[i]), hi = Swift.min(range.upperBound, starts[i] + layer.outFeatures)
            guard lo < hi else { continue }
            kernel.multiplyFewRows(x.data, ldx: k, rows: m, into: outputs[i].data, ldy: layer.outFeatures,
                                   outputs: (lo - starts[i])..<(hi - starts[i]))
        }
    }
    for (layer, y) in zip(layers, outputs) { layer.applyBias(to: y.data, rows: m, ldy: layer.outFeatures, adding: true) }
    return outputs
}
