import Foundation
import ModelFormats
import NN
import Tensor
import Training

// MARK: - LoRA

extension DecoderModel: LoRAHost {
    /// The projections a LoRA adapter may target, by their Hugging Face module names.
    public static let loraTargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

    public var projectionSlots: [(name: String, layer: LinearLayer)] {
        layers.enumerated().flatMap { i, layer in
            DecoderLayer.Projection.allCases.map { p in ("model.layers.\(i).\(p.rawValue)", layer[p]) }
        }
    }

    public func replaceProjection(_ name: String, with layer: LinearLayer) {
        let parts = name.split(separator: ".", maxSplits: 3)  // model, layers, i, projection
        guard parts.count == 4, let i = Int(parts[2]), layers.indices.contains(i),
              let projection = DecoderLayer.Projection(rawValue: String(parts[3])) else {
            preconditionFailure("no projection slot \(name)")
        }
        layers[i][projection] = layer
    }

    /// Wraps the projections `config.targetModules` names in trainable `LoRALinear` layers (PEFT's initialisation:
    /// A Kaiming-uniform from `generator`, B zero) and freezes everything else. Float32 or NF4 bases only: the fused
    /// decode formats (int8, q4) are for inference, with adapters merged first.
    @discardableResult
    public func applyLoRA(_ config: LoRAConfig, generator: inout RandomGenerator) throws -> [String] {
        guard weightFormat.trains else {
            throw ModelLoadingError.unsupported("LoRA training on \(weightFormat) weights (load the model as f32 or nf4)")
        }
        let wrapped = try applyLoRA(rank: config.r, alpha: config.loraAlpha, dropout: config.loraDropout,
                                    matching: config.targetModules.matches, generator: &generator,
                                    prepare: prepareLoRA)
        guard !wrapped.isEmpty else {
            throw ModelLoadingError.unsupported("target_modules \(config.targetModules) matches no projection of this model")
        }
        return wrapped
    }

    /// Bytes of the blocks' quantised projections (under their LoRA layers or not): QLoRA's NF4 base, for the log.
    public var quantizedProjectionBytes: Int {
        projectionSlots.reduce(0) { total, slot in
            let layer = (slot.1 as? LoRALinear)?.base ?? slot.1
            return total + ((layer as? QuantizedLinear<NF4Tensor>)?.byteCount ?? 0)
        }
    }

    /// Wraps the projections a PEFT adapter names and loads its A and B (to continue training from it; inference
    /// merges adapters instead, `mergeLoRA`). Dropouts are seeded as `applyLoRA` seeds them.
    @discardableResult
    public func loadLoRA(from directory: URL) throws -> LoRAConfig {
        guard weightFormat.trains else {
            throw ModelLoadingError.unsupported("LoRA training on \(weightFormat) weights (load the model as f32 or nf4)")
        }
        return try LoRAAdapter.load(into: self, from: directory, prepare: prepareLoRA)
    }

    /// LoRA dropouts draw from the shared per-token seeds, salt = slot + 1.
    func prepareLoRA(_ lora: LoRALinear, slot: Int) {
        lora.dropout.rowSeeds = dropoutSeeds
        lora.dropout.salt = UInt64(slot + 1)
    }

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
