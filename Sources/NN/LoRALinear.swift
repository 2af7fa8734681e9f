import Foundation
import Tensor

/// Low-rank adaptation of a frozen projection (Hu et al. 2021, https://arxiv.org/abs/2106.09685), PEFT's layout:
/// y = base(x) + (alpha/r) · dropout(x)·Aᵀ·Bᵀ with A (r, in) Kaiming-uniform and B (out, r) zero, so training starts
/// from the base model exactly. Only A and B have gradients.
public final class LoRALinear: LinearLayer {
    public let base: LinearLayer
    public let rank: Int
    public let alpha: Float
    public let loraA: Parameter   // (r, in)
    public let loraB: Parameter   // (out, r)
    public let dropout: Dropout
    /// x of the last training forward, for dA: the same tensor the sibling projections of x keep, not a copy —
    /// backward regenerates dropout(x) from it (`Dropout.replay`), so a dropout costs no stored activation.
    private var input: Tensor?    // (N, in)
    private var h: Tensor?        // (N, r) dropout(x)·Aᵀ, kept for dB

    public var inFeatures: Int { base.inFeatures }
    public var outFeatures: Int { base.outFeatures }
    public var scaling: Float { alpha / Float(rank) }

    /// A is drawn like PEFT's `kaiming_uniform_(a=√5)`: U(−b, b) with b = 1/√in.
    public init(base: LinearLayer, rank: Int, alpha: Float, dropout: Float, generator: inout RandomGenerator) {
        precondition(rank > 0, "LoRA rank must be positive")
        self.base = base
        self.rank = rank
        self.alpha = alpha
        let bound = 1 / Float(base.inFeatures).squareRoot()
        let a = Tensor(uninitializedShape: [rank, base.inFeatures])
        for i in 0..<a.count { a[i] = (generator.nextFloat() * 2 - 1) * bound }
        loraA = Parameter(a, requiresGrad: true)
        loraB = Parameter(Tensor(zeros: [base.outFeatures, rank]), requiresGrad: true)
        self.dropout = Dropout(p: dropout)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let y = base.forward(x, training: training)
        let n = x.rows, r = rank
        let xd = dropout.forward(x, training: training)
        let h = Tensor(uninitializedShape: [n, r])
        BLAS.parallelGemm(transB: true, m: n, n: r, k: inFeatures, a: xd.data, lda: inFeatures,
                          b: loraA.value.data, ldb: inFeatures, c: h.data, ldc: r)
        BLAS.parallelGemm(transB: true, m: n, n: outFeatures, k: r, alpha: scaling, a: h.data, lda: r,
                          b: loraB.value.data, ldb: r, beta: 1, c: y.data, ldc: outFeatures)
        if training { input = x; self.h = h } else { discardActivations() }
        return y
    }

    /// dx = base'(dy) + dropout'(s·dy·B·A), accumulating dA and dB.
    public func backward(_ dy: Tensor) -> Tensor {
        let dx = base.backward(dy)
        adapterBackward(dy, accumulatingInto: dx)
        return dx
    }

    /// The same, adding dx into `accumulator` (nil: only dA and dB).
    public func backward(_ dy: Tensor, accumulatingInto accumulator: Tensor?) {
        base.backward(dy, accumulatingInto: accumulator)
        adapterBackward(dy, accumulatingInto: accumulator)
    }

    /// dB += s·dyᵀ·h, dh = s·dy·B, dA += dhᵀ·dropout(x), accumulator += dropout'(dh·A).
    private func adapterBackward(_ dy: Tensor, accumulatingInto accumulator: Tensor?) {
        guard let x = input, let h else { preconditionFailure("LoRALinear.backward without a training forward") }
        let n = dy.rows, r = rank, s = scaling
        if let dB = loraB.grad {
            BLAS.parallelGemm(transA: true, m: outFeatures, n: r, k: n, alpha: s, a: dy.data, lda: outFeatures,
                              b: h.data, ldb: r, beta: 1, c: dB.data, ldc: r)
        }
        let dh = Tensor(uninitializedShape: [n, r])
        BLAS.parallelGemm(m: n, n: r, k: outFeatures, alpha: s, a: dy.data, lda: outFeatures,
                          b: loraB.value.data, ldb: r, c: dh.data, ldc: r)
        if let dA = loraA.grad {
            let xd = dropout.replay(x)
            BLAS.parallelGemm(transA: true, m: r, n: inFeatures, k: n, a: dh.data, lda: r, b: xd.data, ldb: inFeatures,
                              beta: 1, c: dA.data, ldc: inFeatures)
        }
        guard let accumulator else { return }
        let dxd = Tensor(uninitializedShape: [n, inFeatures])
        BLAS.parallelGemm(m: n, n: inFeatures, k: r, a: dh.data, lda: r, b: loraA.value.data, ldb: inFeatures,
                          c: dxd.data, ldc: inFeatures)
        dropout.backward(dxd, accumulatingInto: accumulator)
    }

    public func discardActivations() {
        base.discardActivations()
        input = nil
        h = nil
    }
}
