import Foundation
import ModelFormats
import Tensor

extension DecoderModel {
    /// Loads a Hugging Face directory: `config.json` and `model.safetensors`, or the shards listed in
    /// `model.safetensors.index.json`. BF16/F16/F32 weights are widened to Float32.
    public static func load(directory: URL) throws -> DecoderModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DecoderError.missingFile(directory.path)
        }
        let configURL = directory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else { throw DecoderError.missingFile(configURL.path) }
        let config: DecoderConfig
        do { config = try JSONDecoder().decode(DecoderConfig.self, from: Data(contentsOf: configURL)) } catch let error as DecoderError {
            throw error
        } catch {
            throw DecoderError.invalidFile(path: configURL.path, reason: "cannot decode (\(error))")
        }
        try config.validate()
        let model = DecoderModel(config: config)
        let files = try shards(directory)
        var opened: [String: SafeTensorsFile] = [:]
        func file(_ path: String) throws -> SafeTensorsFile {
            if let f = opened[path] { return f }
            let f = try SafeTensorsFile(path: path)
            opened[path] = f
            return f
        }
        try model.loadWeights { name, destination in
            guard let path = files[name] ?? (files.count == 1 && files.keys.first == "*" ? files["*"] : nil) else {
                throw DecoderError.weightMismatch(path: directory.path, tensor: name, reason: "missing")
            }
            let f = try file(path)
            guard f.contains(name) else { throw DecoderError.weightMismatch(path: path, tensor: name, reason: "missing") }
            let info = try f.info(name)
            guard info.shape == destination.shape else {
                throw DecoderError.weightMismatch(path: path, tensor: name, reason: "shape \(info.shape), expected \(destination.shape)")
            }
            try f.copyFloats(name, into: destination.data, count: destination.count)
        }
        return model
    }

    /// Tensor name → shard path ("*" → the single file when there is no index).
    private static func shards(_ directory: URL) throws -> [String: String] {
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: index.path) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any],
                  let map = object["weight_map"] as? [String: String] else {
                throw DecoderError.invalidFile(path: index.path, reason: "no weight_map")
            }
            return map.mapValues { directory.appendingPathComponent($0).path }
        }
        let single = directory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: single.path) else { throw DecoderError.missingFile(single.path) }
        return ["*": single.path]
    }
}
