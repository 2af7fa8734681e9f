import Foundation
import ModelFormats
import Tensor

extension BertModel {
    /// Loads `config.json` and `model.safetensors` from a Hugging Face model directory.
    public static func load(directory: URL) throws -> BertModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelLoadingError.missingFile(directory.path)
        }
        let config = try decodeJSON(BertConfig.self, directory.appendingPathComponent("config.json"))
        try config.validate()
        let model = BertModel(config: config)
        try model.loadWeights(from: directory.appendingPathComponent("model.safetensors"))
        return model
    }

    /// Copies every parameter from a safetensors file, accepting both `embeddings.…` and `bert.embeddings.…` names
    /// (checkpoints saved from BertModel vs. from a model with a task head). Names and shapes must match.
    public func loadWeights(from url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { throw ModelLoadingError.missingFile(url.path) }
        let file = try SafeTensorsFile(path: url.path)
        try loadWeights { name, destination in
            let stored = file.contains(name) ? name : "bert." + name
            guard file.contains(stored) else {
                throw ModelLoadingError.weightMismatch(path: url.path, tensor: name, reason: "missing")
            }
            let info = try file.info(stored)
            guard info.shape == destination.shape else {
                throw ModelLoadingError.weightMismatch(path: url.path, tensor: stored,
                                                  reason: "shape \(info.shape), expected \(destination.shape)")
            }
            try file.copyFloats(stored, into: destination.data, count: destination.count)
        }
    }
}
