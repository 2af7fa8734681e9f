/// The useful matrix work of one projection in a training step (forward, then backward) over `t` tokens, 2 FLOPs per
/// multiply-add, counting only what training needs:
///   forward            2·T·in·out, plus LoRA 2·T·r·(in + out)
///   backward, dx       2·T·in·out through the base, plus 2·T·r·in through the adapter, when `inputGradient`
///   backward, weights  LoRA dB = s·dyᵀ·h, dh = s·dy·B, dA = dhᵀ·x̃: 2·T·r·(2·out + in); a trainable dense
///                      weight 2·T·in·out
/// Frozen and quantised bases get no weight gradient.
public func trainingFLOPs(of layer: LinearLayer, tokens t: Double, inputGradient: Bool) -> Double {
    let dense = 2 * t * Double(layer.inFeatures) * Double(layer.outFeatures)
    switch layer {
    case let lora as LoRALinear:
        let r = Double(lora.rank), n = Double(lora.inFeatures), m = Double(lora.outFeatures)
        let forward = 2 * t * r * (n + m), weights = 2 * t * r * (2 * m + n), dx = 2 * t * r * n
        return trainingFLOPs(of: lora.base, tokens: t, inputGradient: inputGradient) + forward + weights + (inputGradient ? dx : 0)
    case let linear as Linear:
        return dense + (inputGradient ? dense : 0) + (linear.weight.requiresGrad ? dense : 0)
    default:
        return dense + (inputGradient ? dense : 0)
    }
}
