import Tensor

/// A frozen projection y = x·Wᵀ + b whose weight is stored in NF4 (QLoRA's base layer,
/// https://arxiv.org/abs/2305.14314) and dequantised into a shared `DequantizationScratch` for each matrix product, so
/// a model keeps about 0.52 bytes per weight resident plus one layer's dense weight. Nothing here trains: backward
/// returns only dx = dy·W, for the LoRA adapters and layers below.
public final class QuantizedLinear: LinearLayer {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: NF4Tensor   // (out, in)
    public let bias: Tensor?       // (out), float32, frozen
    public let scratch: DequantizationScratch

    public init(weight: NF4Tensor, bias: Tensor?, scratch: DequantizationScratch) {
        precondition(weight.shape.count == 2, "QuantizedLinear: weight shape \(weight.shape) is not (out, in)")
        precondition(bias == nil || bias!.count == weight.shape[0], "QuantizedLinear: bias for \(weight.shape[0]) outputs")
        self.outFeatures = weight.shape[0]
        self.inFeatures = weight.shape[1]
        self.weight = weight
        self.bias = bias
        self.scratch = scratch
    }

    /// Quantises a dense layer's weight as bitsandbytes would; the bias stays float32 (copied).
    public convenience init(quantizing linear: Linear, scratch: DequantizationScratch) {
        self.init(weight: NF4Tensor(quantizing: linear.weight.value), bias: linear.bias?.value.copy(), scratch: scratch)
    }

    /// Bytes this layer holds: the NF4 weight and the float32 bias (the scratch is shared and counted once per model).
    public var byteCount: Int { weight.byteCount + (bias?.count ?? 0) * MemoryLayout<Float>.size }

    /// x (N, in) → y (N, out). Keeps nothing: backward needs only W.
    public func forward(_ x: Tensor, training: Bool = false) -> Tensor {
        precondition(x.columns == inFeatures, "QuantizedLinear expects \(inFeatures) input features, got shape \(x.shape)")
        let n = x.rows
        let y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
        if let bias {
            let b = bias.data, out = outFeatures
            Parallel.forEachChunk(n, cost: out) { rows in for r in rows { y.row(r).update(from: b, count: out) } }
        }
        let w = scratch.dequantized(weight)
        BLAS.parallelGemm(transB: true, m: n, n: outFeatures, k: inFeatures, a: x.data, lda: inFeatures,
                          b: w, ldb: inFeatures, beta: bias == nil ? 0 : 1, c: y.data, ldc: outFeatures)
        return y
    }

    /// dy (N, out) → dx = dy·W (N, in).
    public func backward(_ dy: Tensor) -> Tensor {
        let dx = Tensor(uninitializedShape: Array(dy.shape.dropLast()) + [inFeatures])
        inputGradient(dy, into: dx, beta: 0)
        return dx
    }

    /// accumulator += dy·W (nil: nothing to do, the layer has no parameters to train).
    public func backward(_ dy: Tensor, accumulatingInto accumulator: Tensor?) {
        if let accumulator { inputGradient(dy, into: accumulator, beta: 1) }
    }

    private func inputGradient(_ dy: Tensor, into dx: Tensor, beta: Float) {
        precondition(dy.columns == outFeatures && dx.count == dy.rows * inFeatures,
                     "QuantizedLinear.backward: dy \(dy.shape), dx \(dx.shape)")
        let w = scratch.dequantized(weight)
        BLAS.parallelGemm(m: dy.rows, n: inFeatures, k: outFeatures, a: dy.data, lda: outFeatures,
                          b: w, ldb: inFeatures, beta: beta, c: dx.data, ldc: inFeatures)
    }
}
