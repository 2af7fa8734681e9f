import Foundation
import ModelFormats
import NN
import Tensor

/// The LoRA layers of any `LoRAHost` (encoder or decoder) to and from a PEFT adapter directory (`PEFTAdapterFiles`).
public enum LoRAAdapter {
    /// Writes the host's LoRA matrices and `config` in PEFT's layout.
    public static func save(_ host: LoRAHost, config: LoRAConfig, to directory: URL) throws {
        let layers = host.loraLayers
        try withExtendedLifetime(layers) {
            let modules = layers.map { name, layer in
                PEFTAdapterFiles.Matrices(
                    module: name,
                    aShape: layer.loraA.value.shape, a: UnsafeBufferPointer(start: layer.loraA.value.data, count: layer.loraA.value.count),
                    bShape: layer.loraB.value.shape, b: UnsafeBufferPointer(start: layer.loraB.value.data, count: layer.loraB.value.count))
            }
            try PEFTAdapterFiles.write(modules, config: config, to: directory)
        }
    }

    /// Reads an adapter directory, wraps the matching projections of `host` (`prepare` as in `applyLoRA`) and loads
    /// A and B into them. Every adapter tensor must belong to a wrapped module with the right shape, except those of
    /// modules under `ignoredPrefixes` (modules the model has but never runs).
    @discardableResult
    public static func load(into host: LoRAHost, from directory: URL, ignoredPrefixes: [String] = [],
                            prepare: (LoRALinear, Int) -> Void = { _, _ in }) throws -> LoRAConfig {
        let (config, file) = try PEFTAdapterFiles.open(directory)
        guard !config.useRslora else {
            throw ModelLoadingError.invalidFile(path: directory.appendingPathComponent(PEFTAdapterFiles.configFile).path,
                                                reason: "use_rslora: LoRA layers here scale by alpha/r (merge the adapter instead)")
        }
        var generator = RandomGenerator(seed: 0)  // A is overwritten below
        try host.applyLoRA(rank: config.r, alpha: config.loraAlpha, dropout: config.loraDropout,
                           matching: config.targetModules.matches, generator: &generator, prepare: prepare)
        let expected = try copyWeights(file, into: host)
        let unused = ignoredPrefixes.map { PEFTAdapterFiles.tensorPrefix + $0 }
        if let extra = file.tensorNames.first(where: { name in !expected.contains(name) && !unused.contains { name.hasPrefix($0) } }) {
            throw ModelLoadingError.weightMismatch(path: file.path, tensor: extra, reason: "matches no module of the model")
        }
        return config
    }

    /// Copies A and B of every LoRA layer of `host` from `file` (an adapter, or a checkpoint's); returns the tensor
    /// names read. A missing tensor or one of another shape is an error naming it.
    @discardableResult
    public static func copyWeights(_ file: SafeTensorsFile, into host: LoRAHost) throws -> Set<String> {
        var read = Set<String>()
        for (name, layer) in host.loraLayers {
            for (matrix, parameter) in [("lora_A", layer.loraA), ("lora_B", layer.loraB)] {
                let key = PEFTAdapterFiles.tensorName(name, matrix)
                read.insert(key)
                guard file.contains(key) else { throw ModelLoadingError.weightMismatch(path: file.path, tensor: key, reason: "missing") }
                let shape = try file.info(key).shape
                guard shape == parameter.value.shape else {
                    throw ModelLoadingError.weightMismatch(path: file.path, tensor: key,
                                                           reason: "shape \(shape), expected \(parameter.value.shape)")
                }
                try file.copyFloats(key, into: parameter.value.data, count: parameter.value.count)
            }
        }
        return read
    }
}
