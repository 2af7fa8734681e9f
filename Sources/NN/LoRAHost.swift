import Tensor

/// A model whose projections LoRA can wrap (the encoder and the decoder alike): its projection slots under their
/// Hugging Face module names, in a fixed order — the order adapters are created in, saved and optimised.
public protocol LoRAHost: AnyObject {
    /// Every projection slot: (module name, current layer).
    var projectionSlots: [(name: String, layer: LinearLayer)] { get }
    /// Puts `layer` into the slot named `name` (one of `projectionSlots`).
    func replaceProjection(_ name: String, with layer: LinearLayer)
    /// Every parameter under its Hugging Face name; LoRA matrices under PEFT's (`….lora_A.weight`).
    var namedParameters: [(String, Parameter)] { get }
}

extension LoRAHost {
    /// Wraps every projection whose module name `matches` in a fresh `LoRALinear` (A drawn from `generator` in slot
    /// order, B zero), freezes all other parameters, and returns the wrapped module names. `prepare(lora, slot)` is
    /// called with each new layer and its index among all slots (a model hooks its dropout seeds up there).
    @discardableResult
    public func applyLoRA(rank: Int, alpha: Float, dropout: Float, matching: (String) throws -> Bool,
                          generator: inout RandomGenerator,
                          prepare: (LoRALinear, _ slot: Int) -> Void = { _, _ in }) rethrows -> [String] {
        for (_, p) in namedParameters { p.requiresGrad = false }
        var wrapped: [String] = []
        for (slot, (name, layer)) in projectionSlots.enumerated() {
            guard try matching(name), !(layer is LoRALinear) else { continue }
            let lora = LoRALinear(base: layer, rank: rank, alpha: alpha, dropout: dropout, generator: &generator)
            prepare(lora, slot)
            replaceProjection(name, with: lora)
            wrapped.append(name)
        }
        return wrapped
    }

    /// The LoRA layers by module name, in slot order.
    public var loraLayers: [(String, LoRALinear)] {
        projectionSlots.compactMap { slot in (slot.layer as? LoRALinear).map { (slot.name, $0) } }
    }

    /// Every trainable parameter, in a fixed order (the optimiser's and the checkpoint's).
    public var trainableParameters: [(String, Parameter)] { namedParameters.filter { $0.1.requiresGrad } }
}

/// The parameters of one projection under module name `name`: a dense layer's weight (and bias), a LoRA layer's
/// base plus `lora_A` / `lora_B`; quantised layers hold no Float32 parameters to load, train or save.
public func projectionParameters(_ layer: LinearLayer, name: String) -> [(String, Parameter)] {
    switch layer {
    case let l as Linear: return [("\(name).weight", l.weight)] + (l.bias.map { [("\(name).bias", $0)] } ?? [])
    case let l as LoRALinear:
        return projectionParameters(l.base, name: name) + [("\(name).lora_A.weight", l.loraA), ("\(name).lora_B.weight", l.loraB)]
    default: return []
    }
}
