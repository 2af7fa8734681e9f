import Foundation
import ModelFormats
import NN
import Tensor

extension BertModel {
    /// Folds every LoRA adapter into its base weight, W ← W + (alpha/r)·B·A, and puts the dense layer back in its
    /// place, so the model runs (and saves) as a plain BERT. Only dense bases can be merged.
    public func mergeLoRA() throws {
        for layer in layers {
            for projection in BertLayer.Projection.allCases {
                guard let lora = layer[projection] as? LoRALinear else { continue }
                guard let base = lora.base as? Linear else {
                    throw ModelLoadingError.unsupported("merging into a quantised base (\(projection.rawValue)); load the model unquantised")
                }
                BLAS.gemm(m: base.outFeatures, n: base.inFeatures, k: lora.rank, alpha: lora.scaling,
                          a: lora.loraB.value.data, lda: lora.rank, b: lora.loraA.value.data, ldb: base.inFeatures,
                          beta: 1, c: base.weight.value.data, ldc: base.inFeatures)
                layer[projection] = base
            }
        }
    }

    /// Writes a Hugging Face / sentence-transformers model directory: this model's weights as `model.safetensors`
    /// (tensors of the base checkpoint that the model does not hold, such as the pooler, copied as they were) and every
    /// other file of `baseDirectory` (configs, tokenizer, pooling). Built in a temporary directory, then renamed.
    public func saveModelDirectory(to directory: URL, copyingFrom baseDirectory: URL) throws {
        let fm = FileManager.default
        guard loraLayers.isEmpty else { throw ModelLoadingError.unsupported("save a model with adapters: merge them first") }
        let staging = directory.deletingLastPathComponent().appendingPathComponent(".\(directory.lastPathComponent).partial")
        try? fm.removeItem(at: staging)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: baseDirectory.path) where name != "model.safetensors" && !name.hasPrefix(".") {
            try fm.copyItem(at: baseDirectory.appendingPathComponent(name), to: staging.appendingPathComponent(name))
        }
        let base = try SafeTensorsFile(path: baseDirectory.appendingPathComponent("model.safetensors").path)
        var writer = SafeTensorsWriter(metadata: base.metadata)
        let ours = namedParameters
        let prefix = ours.allSatisfy({ base.contains($0.0) }) ? "" : "bert."
        for (name, p) in ours {
            try withExtendedLifetime(p.value) {
                try writer.add(prefix + name, shape: p.value.shape, values: UnsafeBufferPointer(start: p.value.data, count: p.value.count))
            }
        }
        let written = Set(ours.map { prefix + $0.0 })
        for info in base.tensors where !written.contains(info.name) {
            try base.withUnsafeRawBytes(of: info.name) { try writer.addRaw(info.name, dtype: info.dtype, shape: info.shape, bytes: $0) }
        }
        try writer.write(to: staging.appendingPathComponent("model.safetensors").path)
        try? fm.removeItem(at: directory)
        try fm.moveItem(at: staging, to: directory)
    }
}
