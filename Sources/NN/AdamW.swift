import Foundation
import Tensor

/// AdamW (Loshchilov & Hutter 2017, https://arxiv.org/abs/1711.05101) exactly as torch.optim.AdamW steps:
/// p ← p·(1 − lr·λ), m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·(m/(1−β₁ᵗ)) / (√v/√(1−β₂ᵗ) + ε).
/// Moments are Float32 tensors, saved and restored with checkpoints.
public final class AdamW {
    public struct Hyperparameters: Codable, Equatable, Sendable {
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var eps: Float = 1e-8
        public var weightDecay: Float = 0
        public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0) {
            self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        }
    }

    public let parameters: [Parameter]
    public let hyperparameters: Hyperparameters
    public let m: [Tensor]
    public let v: [Tensor]
    /// Number of steps taken (t in the bias corrections).
    public var step = 0

    public init(parameters: [Parameter], hyperparameters: Hyperparameters = Hyperparameters()) {
        precondition(parameters.allSatisfy(\.requiresGrad), "AdamW given a parameter without a gradient buffer")
        self.parameters = parameters
        self.hyperparameters = hyperparameters
        m = parameters.map { Tensor(zeros: $0.value.shape) }
        v = parameters.map { Tensor(zeros: $0.value.shape) }
    }

    /// One update with learning rate `lr` from the accumulated gradients.
    public func update(lr: Float) {
        step += 1
        let h = hyperparameters
        let bc1 = 1 - pow(h.beta1, Float(step)), bc2Sqrt = (1 - pow(h.beta2, Float(step))).squareRoot()
        let stepSize = lr / bc1, decay = 1 - lr * h.weightDecay
        for (i, p) in parameters.enumerated() {
            let w = p.value.data, g = p.grad!.data, mi = m[i].data, vi = v[i].data
            for j in 0..<p.value.count {
                w[j] *= decay
                mi[j] = h.beta1 * mi[j] + (1 - h.beta1) * g[j]
                vi[j] = h.beta2 * vi[j] + (1 - h.beta2) * g[j] * g[j]
                w[j] -= stepSize * mi[j] / (vi[j].squareRoot() / bc2Sqrt + h.eps)
            }
        }
    }

    public func zeroGradients() { for p in parameters { p.zeroGrad() } }
}

/// Global L2 norm of the gradients, and clipping to `maxNorm` as torch.nn.utils.clip_grad_norm_ does
/// (scale by maxNorm / (norm + 1e-6) when the norm exceeds it). Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float?) -> Float {
    var total: Double = 0
    for p in parameters { if let g = p.grad { total += Double(Kernels.dot(g.data, g.data, g.count)) } }
    let norm = Float(total.squareRoot())
    if let maxNorm, norm > maxNorm {
        let s = maxNorm / (norm + 1e-6)
        for p in parameters { if let g = p.grad { Kernels.scale(g.data, g.count, by: s) } }
    }
    return norm
}
