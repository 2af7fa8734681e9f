import Foundation
import ModelFormats
import Tensor

extension DecoderModel {
    /// Loads a Hugging Face directory: `config.json` and `model.safetensors`, or the shards listed in
    /// `model.safetensors.index.json`. BF16/F16/F32 weights are widened to Float32, then kept as `weights` says.
    public static func load(directory: URL, weights format: DecoderWeightFormat = .f32) throws -> DecoderModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelLoadingError.missingFile(directory.path)
        }
        let configURL = directory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else { throw ModelLoadingError.missingFile(configURL.path) }
        let config: DecoderConfig
        do { config = try JSONDecoder().decode(DecoderConfig.self, from: Data(contentsOf: configURL)) } catch let error as ModelLoadingError {
            throw error
        } catch {
            throw ModelLoadingError.invalidFile(path: configURL.path, reason: "cannot decode (\(error))")
        }
        try config.validate()
        let files = try shards(directory)
        var opened: [String: SafeTensorsFile] = [:]
        func file(_ path: String) throws -> SafeTensorsFile {
            if let f = opened[path] { return f }
            let f = try SafeTensorsFile(path: path)
            opened[path] = f
            return f
        }
        let source = DecoderWeightSource { name, shape, rows, destination in
            guard let path = files[name] ?? (files.count == 1 && files.keys.first == "*" ? files["*"] : nil) else {
                throw ModelLoadingError.weightMismatch(path: directory.path, tensor: name, reason: "missing")
            }
            let f = try file(path)
            guard f.contains(name) else { throw ModelLoadingError.weightMismatch(path: path, tensor: name, reason: "missing") }
            let info = try f.info(name)
            guard info.shape == shape else {
                throw ModelLoadingError.weightMismatch(path: path, tensor: name, reason: "shape \(info.shape), expected \(shape)")
            }
            if rows == 0..<(shape.first ?? 1) {
                try f.copyFloats(name, into: destination, count: info.elementCount)
            } else {
                try copyRows(of: info, in: f, rows: rows, into: destination)
            }
        }
        return try DecoderModel(config: config, weights: format.resolved(forModel: directory.path), source: source)
    }

    /// Rows `rows` of a float tensor, widened to Float32 as `SafeTensorsFile.copyFloats` widens whole tensors.
    private static func copyRows(of info: SafeTensorInfo, in file: SafeTensorsFile, rows: Range<Int>,
                                 into destination: UnsafeMutablePointer<Float>) throws {
        let rowLength = info.shape.dropFirst().reduce(1, *), count = rows.count * rowLength
        try file.withUnsafeRawBytes(of: info.name) { bytes in
            switch info.dtype {
            case .f32:
                UnsafeMutableRawPointer(destination).copyMemory(from: bytes.baseAddress! + 4 * rows.lowerBound * rowLength,
                                                                byteCount: 4 * count)
            case .f16: HalfPrecision.f16ToF32(bytes.baseAddress! + 2 * rows.lowerBound * rowLength, destination, count: count)
            case .bf16: HalfPrecision.bf16ToF32(bytes.baseAddress! + 2 * rows.lowerBound * rowLength, destination, count: count)
            default:
                throw ModelLoadingError.weightMismatch(path: file.path, tensor: info.name, reason: "dtype \(info.dtype) is not F32, F16 or BF16")
            }
        }
    }

    /// Tensor name → shard path ("*" → the single file when there is no index).
    private static func shards(_ directory: URL) throws -> [String: String] {
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: index.path) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any],
                  let map = object["weight_map"] as? [String: String] else {
                throw ModelLoadingError.invalidFile(path: index.path, reason: "no weight_map")
            }
            return map.mapValues { directory.appendingPathComponent($0).path }
        }
        let single = directory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: single.path) else { throw ModelLoadingError.missingFile(single.path) }
        return ["*": single.path]
    }
}
