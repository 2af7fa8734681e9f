import Foundation
import ModelFormats
import Tensor

// MARK: - LoRA

extension DecoderModel {
    /// The projections a LoRA adapter may target, by their Hugging Face module names.
    public static let loraTargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

    /// Merges a PEFT LoRA adapter (`adapter_config.json` + `adapter_model.safetensors`, tensors named
    /// `base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight` (r, in) and `….lora_B.weight` (out, r)) into
    /// the weights: W ← W + scaling·B·A with scaling = alpha/r (Hu et al., "LoRA", https://arxiv.org/abs/2106.09685).
    /// Inference then costs nothing extra. Every tensor must belong to a known projection of this model, with both
    /// A and B present and shapes that fit; otherwise nothing is merged and the error names the file and tensor.
    @discardableResult
    public func mergeLoRA(from directory: URL) throws -> LoRAConfig {
        let config = try LoRAConfig.load(directory: directory)
        let path = directory.appendingPathComponent("adapter_model.safetensors").path
        guard FileManager.default.fileExists(atPath: path) else { throw ModelLoadingError.missingFile(path) }
        let file = try SafeTensorsFile(path: path)
        let weights = Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.0, $0.1.value) })

        // Check everything before changing any weight.
        var pairs: [(weight: Tensor, a: String, b: String, rank: Int)] = []
        var seen = Set<String>()
        for name in file.tensorNames.sorted() {
            let module: String
            if name.hasSuffix(".lora_A.weight") { module = String(name.dropLast(".lora_A.weight".count)) }
            else if name.hasSuffix(".lora_B.weight") { module = String(name.dropLast(".lora_B.weight".count)) }
            else {
                throw ModelLoadingError.weightMismatch(path: path, tensor: name,
                                                  reason: "not a LoRA matrix (only lora_A / lora_B weights can be merged)")
            }
            guard seen.insert(module).inserted else { continue }
            let prefix = "base_model.model."
            let hfModule = module.hasPrefix(prefix) ? String(module.dropFirst(prefix.count)) : module
            let kind = hfModule.split(separator: ".").last.map(String.init) ?? ""
            guard Self.loraTargetModules.contains(kind), let weight = weights[hfModule + ".weight"] else {
                throw ModelLoadingError.weightMismatch(
                    path: path, tensor: name,
                    reason: "unknown target module '\(hfModule)' (LoRA merges into \(Self.loraTargetModules.joined(separator: ", ")) of model.layers.N)")
            }
            let a = module + ".lora_A.weight", b = module + ".lora_B.weight"
            for key in [a, b] where !file.contains(key) {
                throw ModelLoadingError.weightMismatch(path: path, tensor: key, reason: "missing (A and B come in pairs)")
            }
            let aShape = try file.info(a).shape, bShape = try file.info(b).shape
            let (out, inFeatures) = (weight.shape[0], weight.shape[1])
            guard aShape.count == 2, bShape.count == 2, aShape[1] == inFeatures, bShape[0] == out, aShape[0] == bShape[1] else {
                throw ModelLoadingError.weightMismatch(path: path, tensor: a,
                                                  reason: "A \(aShape) and B \(bShape) do not fit a \([out, inFeatures]) weight")
            }
            guard aShape[0] == config.r else {
                throw ModelLoadingError.weightMismatch(path: path, tensor: a, reason: "rank \(aShape[0]), but adapter_config.json says r = \(config.r)")
            }
            pairs.append((weight, a, b, aShape[0]))
        }
        guard !pairs.isEmpty else { throw ModelLoadingError.invalidFile(path: path, reason: "no LoRA matrices") }

        for pair in pairs {
            let a = try file.floats(pair.a), b = try file.floats(pair.b)
            let (out, inFeatures) = (pair.weight.shape[0], pair.weight.shape[1])
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    BLAS.gemm(m: out, n: inFeatures, k: pair.rank, alpha: config.scaling, a: b.baseAddress!, lda: pair.rank,
                              b: a.baseAddress!, ldb: inFeatures, beta: 1, c: pair.weight.data, ldc: inFeatures)
                }
            }
        }
        return config
    }
}
