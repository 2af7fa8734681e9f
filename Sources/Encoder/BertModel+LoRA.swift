import Foundation
import ModelFormats
import NN
import Tensor

// MARK: - LoRA

extension BertModel {
    /// Wraps every projection whose module name matches `config.targetModules` in a fresh `LoRALinear`, freezes all
    /// other parameters, and returns the wrapped module names. A is drawn from `generator` in module order.
    @discardableResult
    public func applyLoRA(_ config: LoRAConfig, generator: inout RandomGenerator) throws -> [String] {
        for (_, p) in namedParameters { p.requiresGrad = false }
        var wrapped: [String] = []
        for (i, layer) in layers.enumerated() {
            for (j, projection) in BertLayer.Projection.allCases.enumerated() {
                let name = "encoder.layer.\(i).\(projection.rawValue)"
                guard try config.targetModules.matches(name) else { continue }
                guard !(layer[projection] is LoRALinear) else { continue }
                let lora = LoRALinear(base: layer[projection], rank: config.r, alpha: config.loraAlpha,
                                      dropout: config.loraDropout, generator: &generator)
                lora.dropout.rowSeeds = dropoutSeeds
                // Each dropout layer draws its own masks from the shared per-token seeds.
                lora.dropout.salt = UInt64(i * BertLayer.Projection.allCases.count + j + 1)
                layer[projection] = lora
                wrapped.append(name)
            }
        }
        return wrapped
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

    /// The LoRA layers by module name.
    public var loraLayers: [(String, LoRALinear)] {
        layers.enumerated().flatMap { i, layer in
            BertLayer.Projection.allCases.compactMap { p in
                (layer[p] as? LoRALinear).map { ("encoder.layer.\(i).\(p.rawValue)", $0) }
            }
        }
    }

    /// Every trainable parameter, in a fixed order (the optimiser's and the checkpoint's).
    public var trainableParameters: [(String, Parameter)] { namedParameters.filter { $0.1.requiresGrad } }
}

/// A LoRA adapter on disk in PEFT's layout: `adapter_config.json` + `adapter_model.safetensors` with tensors named
/// `base_model.model.<module>.lora_A.weight` (r, in) and `….lora_B.weight` (out, r), loadable by Python PEFT.
public enum LoRAAdapter {
    static let prefix = "base_model.model."

    public static func save(_ model: BertModel, config: LoRAConfig, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var writer = SafeTensorsWriter()
        for (name, layer) in model.loraLayers {
            try withExtendedLifetime(layer) {
                try writer.add(prefix + name + ".lora_A.weight", shape: layer.loraA.value.shape,
                               values: UnsafeBufferPointer(start: layer.loraA.value.data, count: layer.loraA.value.count))
                try writer.add(prefix + name + ".lora_B.weight", shape: layer.loraB.value.shape,
                               values: UnsafeBufferPointer(start: layer.loraB.value.data, count: layer.loraB.value.count))
            }
        }
        try writer.write(to: directory.appendingPathComponent("adapter_model.safetensors").path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let out = try AtomicFileOutput(path: directory.appendingPathComponent("adapter_config.json").path)
        try out.write(Array(try encoder.encode(config)))
        try out.commit()
    }

    /// Reads an adapter directory, wraps the matching projections of `model` and loads A and B into them.
    @discardableResult
    public static func load(into model: BertModel, from directory: URL) throws -> LoRAConfig {
        let config = try LoRAConfig.load(directory: directory)
        guard !config.useRslora else {
            throw EncoderError.invalidFile(path: directory.appendingPathComponent("adapter_config.json").path,
                                           reason: "use_rslora: the encoder's LoRA layers scale by alpha/r")
        }
        let weightsURL = directory.appendingPathComponent("adapter_model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsURL.path) else { throw EncoderError.missingFile(weightsURL.path) }
        let file = try SafeTensorsFile(path: weightsURL.path)
        var generator = RandomGenerator(seed: 0)  // A is overwritten below
        try model.applyLoRA(config, generator: &generator)
        var expected = Set<String>()
        for (name, layer) in model.loraLayers {
            for (suffix, parameter) in [("lora_A.weight", layer.loraA), ("lora_B.weight", layer.loraB)] {
                // PEFT names tensors without the adapter name ("default") when saving.
                let key = prefix + name + "." + suffix
                expected.insert(key)
                guard file.contains(key) else {
                    throw EncoderError.weightMismatch(path: weightsURL.path, tensor: key, reason: "missing")
                }
                let info = try file.info(key)
                guard info.shape == parameter.value.shape else {
                    throw EncoderError.weightMismatch(path: weightsURL.path, tensor: key,
                                                      reason: "shape \(info.shape), expected \(parameter.value.shape)")
                }
                try file.copyFloats(key, into: parameter.value.data, count: parameter.value.count)
            }
        }
        // PEFT adapters made with target_modules such as ["query", "key", "value", "dense"] also wrap the pooler's
        // dense layer, which sentence embeddings (mean pooling over the last hidden states) never run: ignored.
        let unused = prefix + "pooler."
        if let extra = file.tensorNames.first(where: { !expected.contains($0) && !$0.hasPrefix(unused) }) {
            throw EncoderError.weightMismatch(path: weightsURL.path, tensor: extra, reason: "matches no module of the model")
        }
        return config
    }

    /// SHA-256 of the adapter weights file (for index fingerprints).
    public static func weightsSHA256(_ directory: URL) throws -> String {
        try SHA256.hex(ofFile: directory.appendingPathComponent("adapter_model.safetensors").path)
    }
}
