import Foundation
import ModelFormats
import NN
import Tensor
import Training

// MARK: - LoRA

extension BertModel: LoRAHost {
    public var projectionSlots: [(name: String, layer: LinearLayer)] {
        layers.enumerated().flatMap { i, layer in
            BertLayer.Projection.allCases.map { p in ("encoder.layer.\(i).\(p.rawValue)", layer[p]) }
        }
    }

    public func replaceProjection(_ name: String, with layer: LinearLayer) {
        let parts = name.split(separator: ".", maxSplits: 3)  // encoder, layer, i, projection
        guard parts.count == 4, let i = Int(parts[2]), layers.indices.contains(i),
              let projection = BertLayer.Projection(rawValue: String(parts[3])) else {
            preconditionFailure("no projection slot \(name)")
        }
        layers[i][projection] = layer
    }

    /// Wraps every projection whose module name matches `config.targetModules` in a fresh `LoRALinear`, freezes all
    /// other parameters, and returns the wrapped module names. A is drawn from `generator` in module order.
    @discardableResult
    public func applyLoRA(_ config: LoRAConfig, generator: inout RandomGenerator) throws -> [String] {
        try applyLoRA(rank: config.r, alpha: config.loraAlpha, dropout: config.loraDropout,
                      matching: config.targetModules.matches, generator: &generator, prepare: prepareLoRA)
    }

    /// Each LoRA dropout draws its own masks from the shared per-token seeds (salt = slot + 1; BERT's own dropouts
    /// use 0x10000 + layer).
    func prepareLoRA(_ lora: LoRALinear, slot: Int) {
        lora.dropout.rowSeeds = dropoutSeeds
        lora.dropout.salt = UInt64(slot + 1)
    }

    /// QLoRA's base: replaces every dense projection with a frozen NF4 `QuantizedLinear` (bitsandbytes' format), all
    /// sharing one dequantisation buffer. Call before `applyLoRA`, which then wraps the quantised layers.
    /// Returns the bytes the quantised weights hold.
    @discardableResult
    public func quantizeProjections() -> Int {
        let scratch = DequantizationScratch()
        var bytes = 0
        for layer in layers {
            for projection in BertLayer.Projection.allCases {
                guard let dense = layer[projection] as? Linear else { continue }
                let q = QuantizedLinear<NF4Tensor>(quantizing: dense, scratch: scratch)
                bytes += q.byteCount
                layer[projection] = q
            }
        }
        return bytes
    }

}

extension LoRAAdapter {
    /// Loads a PEFT adapter into an encoder: its dropouts seeded as `applyLoRA` seeds them, and tensors of the pooler
    /// (PEFT adapters made with target_modules such as ["query", "key", "value", "dense"] wrap its dense layer, which
    /// sentence embeddings — mean pooling over the last hidden states — never run) ignored.
    @discardableResult
    public static func load(into model: BertModel, from directory: URL) throws -> LoRAConfig {
        try load(into: model as LoRAHost, from: directory, ignoredPrefixes: ["pooler."], prepare: model.prepareLoRA)
    }
}
