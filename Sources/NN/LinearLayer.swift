import Tensor

/// What a transformer block needs from a projection: forward, and backward to its input. A dense `Linear`, a
/// `QuantizedLinear` of any weight format and a `LoRALinear` around either all fit, so models swap projections without
/// other changes.
public protocol LinearLayer: AnyObject {
    var inFeatures: Int { get }
    var outFeatures: Int { get }
    /// x (N, in) → y (N, out); with `training`, keeps what backward needs.
    func forward(_ x: Tensor, training: Bool) -> Tensor
    /// dy (N, out) → dx (N, in), accumulating the gradients of trainable parameters.
    func backward(_ dy: Tensor) -> Tensor
    /// The same backward, adding dx into `accumulator` (N, in) instead of returning it — the matrix product
    /// accumulates in place, saving a buffer and a pass where gradients meet (residual connections, the q/k/v sum) —
    /// or, with nil, skipping dx altogether (nothing below needs it, e.g. under frozen embeddings).
    func backward(_ dy: Tensor, accumulatingInto accumulator: Tensor?)
    /// Drops what the last training forward kept for backward (activation checkpointing frees a block after its
    /// forward and runs the forward again before its backward).
    func discardActivations()
}

extension LinearLayer {
    /// Fallback for layers without a fused path.
    public func backward(_ dy: Tensor, accumulatingInto accumulator: Tensor?) {
        let dx = backward(dy)
        accumulator?.add(dx)
    }

    /// Layers that keep nothing have nothing to drop.
    public func discardActivations() {}
}

extension Linear: LinearLayer {
    public func discardActivations() { input = nil }
}
