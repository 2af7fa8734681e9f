import Tensor

/// Fully connected layer, y = x·Wᵀ + b, with W stored as Hugging Face stores it: (out, in).
public final class Linear {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Parameter   // (out, in)
    public let bias: Parameter?    // (out)
    var input: Tensor?             // (N, in), kept by a training forward for the weight gradient

    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(Tensor(zeros: [outFeatures, inFeatures]))
        self.bias = bias ? Parameter(Tensor(zeros: [outFeatures])) : nil
    }

    /// x (N, in) → y (N, out). With `training`, keeps x for the weight gradient (a frozen layer keeps nothing:
    /// its dx needs only W).
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
                let b = bias.value.data, out = outFeatures
                Parallel.forEachChunk(n, cost: out) { rows in for r in rows { y.row(r).update(from: b, count: out) } }
            }
            BLAS.parallelGemm(transB: true, m: n, n: outFeatures, k: inFeatures, a: x.data, lda: inFeatures,
                              b: weight.value.data, ldb: inFeatures, beta: bias == nil ? 0 : 1, c: y.data, ldc: outFeatures)
        }
        input = training && weight.requiresGrad ? x : nil
        return y
    }

    /// x (N, in) → y (N, out) for inference (keeps nothing): many rows go through the AVX-512 GEMM of
    /// `ManyRowProduct` where the CPU has it, others through `forward`.
    public func inferenceForward(_ x: Tensor) -> Tensor {
        guard x.rows > fusedRowLimit, ManyRowProduct.isAvailable else { return forward(x, training: false) }
        precondition(x.columns == inFeatures, "Linear expects \(inFeatures) input features, got shape \(x.shape)")
        let n = x.rows
        let y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
        if let bias { for r in 0..<n { y.row(r).update(from: bias.value.data, count: outFeatures) } }
        let w = weight.value.data, k = inFeatures
        ManyRowProduct.multiply(x.data, rows: n, k: k, outputs: outFeatures, into: y.data, ldy: outFeatures,
                                accumulate: bias != nil, tile: outFeatures, scratch: false) { range, _ in
            UnsafePointer(w + range.lowerBound * k)
        }
        input = nil
        return y
    }

    /// dy (N, out) → dx (N, in); accumulates dW += dyᵀ·x and db += Σ dy into parameters that require gradients.
    public func backward(_ dy: Tensor) -> Tensor {
        let dx = Tensor(uninitializedShape: Array(dy.shape.dropLast()) + [inFeatures])
        accumulateParameterGradients(dy)
        inputGradient(dy, into: dx, beta: 0)
        return dx
    }

    /// The same, adding dx into `accumulator` (nil: no dx).
    public func backward(_ dy: Tensor, accumulatingInto accumulator: Tensor?) {
        accumulateParameterGradients(dy)
        if let accumulator { inputGradient(dy, into: accumulator, beta: 1) }
    }

    private func inputGradient(_ dy: Tensor, into dx: Tensor, beta: Float) {
        precondition(dy.columns == outFeatures && dx.count == dy.rows * inFeatures, "Linear.backward: dy \(dy.shape), dx \(dx.shape)")
        BLAS.parallelGemm(m: dy.rows, n: inFeatures, k: outFeatures, a: dy.data, lda: outFeatures,
                          b: weight.value.data, ldb: inFeatures, beta: beta, c: dx.data, ldc: inFeatures)
    }

    private func accumulateParameterGradients(_ dy: Tensor) {
        let n = dy.rows
        if let dW = weight.grad {
            guard let x = input else { preconditionFailure("Linear.backward without a training forward") }
            BLAS.parallelGemm(transA: true, m: outFeatures, n: inFeatures, k: n, a: dy.data, lda: outFeatures,
                      b: x.data, ldb: inFeatures, beta: 1, c: dW.data, ldc: inFeatures)
        }
        if let db = bias?.grad {
            for r in 0..<n { Kernels.add(dy.row(r), into: db.data, outFeatures) }
        }
    }
}
