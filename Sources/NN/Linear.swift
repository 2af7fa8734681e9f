import Tensor

/// Fully connected layer, y = x·Wᵀ + b, with W stored as Hugging Face stores it: (out, in).
public final class Linear {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Parameter   // (out, in)
    public let bias: Parameter?    // (out)
    private var input: Tensor?     // (N, in), kept by a training forward for backward

    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(Tensor(zeros: [outFeatures, inFeatures]))
        self.bias = bias ? Parameter(Tensor(zeros: [outFeatures])) : nil
    }

    /// x (N, in) → y (N, out). With `training`, keeps x for `backward`.
    public func forward(_ x: Tensor, training: Bool = false) -> Tensor {
        precondition(x.columns == inFeatures, "Linear expects \(inFeatures) input features, got shape \(x.shape)")
        let n = x.rows
        let y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
        if n <= fusedRowLimit {
            // A decode step: the weight streams once through the few-row kernel (see `multiplyFewRows`).
            multiplyFewRows(x.data, rows: n, k: inFeatures, weight: weight.value.data, outputs: outFeatures, into: y.data,
                            ldy: outFeatures)
            if let bias { for r in 0..<n { Kernels.add(bias.value.data, into: y.row(r), outFeatures) } }
        } else {
            if let bias {
                for r in 0..<n { y.row(r).update(from: bias.value.data, count: outFeatures) }
            }
            BLAS.parallelGemm(transB: true, m: n, n: outFeatures, k: inFeatures, a: x.data, lda: inFeatures,
                              b: weight.value.data, ldb: inFeatures, beta: bias == nil ? 0 : 1, c: y.data, ldc: outFeatures)
        }
        input = training ? x : nil
        return y
    }

    /// dy (N, out) → dx (N, in); accumulates dW += dyᵀ·x and db += Σ dy into parameters that require gradients.
    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("Linear.backward without a training forward") }
        let n = x.rows
        if let dW = weight.grad {
            BLAS.parallelGemm(transA: true, m: outFeatures, n: inFeatures, k: n, a: dy.data, lda: outFeatures,
                      b: x.data, ldb: inFeatures, beta: 1, c: dW.data, ldc: inFeatures)
        }
        if let db = bias?.grad {
            for r in 0..<n { Kernels.add(dy.row(r), into: db.data, outFeatures) }
        }
        let dx = Tensor(uninitializedShape: x.shape)
        BLAS.parallelGemm(m: n, n: inFeatures, k: outFeatures, a: dy.data, lda: outFeatures,
                  b: weight.value.data, ldb: inFeatures, c: dx.data, ldc: inFeatures)
        return dx
    }
}
