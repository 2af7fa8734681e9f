import Tensor

/// What a transformer block needs from a projection: forward, and backward to its input. A dense `Linear`, an NF4
/// `QuantizedLinear` and a `LoRALinear` around either all fit, so models swap projections without other changes.
public protocol LinearLayer: AnyObject {
    var inFeatures: Int { get }
    var outFeatures: Int { get }
    /// x (N, in) → y (N, out); with `training`, keeps what backward needs.
    func forward(_ x: Tensor, training: Bool) -> Tensor
    /// dy (N, out) → dx (N, in), accumulating the gradients of trainable parameters.
    func backward(_ dy: Tensor) -> Tensor
}

extension Linear: LinearLayer {}
