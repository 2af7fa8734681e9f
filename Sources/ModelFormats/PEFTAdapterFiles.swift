import Foundation

/// A LoRA adapter directory in PEFT's layout, loadable by Python's `PeftModel.from_pretrained`:
/// `adapter_config.json` (`LoRAConfig`) and `adapter_model.safetensors` with tensors named
/// `base_model.model.<module>.lora_A.weight` (r, in) and `base_model.model.<module>.lora_B.weight` (out, r) —
/// PEFT names them without the adapter name ("default") when it saves. One reader and writer for every model.
public enum PEFTAdapterFiles {
    public static let tensorPrefix = "base_model.model."
    public static let configFile = "adapter_config.json"
    public static let weightsFile = "adapter_model.safetensors"

    /// The tensor name of A (`lora_A`) or B (`lora_B`) of `module`.
    public static func tensorName(_ module: String, _ matrix: String) -> String { "\(tensorPrefix)\(module).\(matrix).weight" }

    /// One module's matrices: A (r, in) and B (out, r), row-major.
    public struct Matrices {
        public var module: String
        public var aShape: [Int], a: UnsafeBufferPointer<Float>
        public var bShape: [Int], b: UnsafeBufferPointer<Float>

        public init(module: String, aShape: [Int], a: UnsafeBufferPointer<Float>, bShape: [Int], b: UnsafeBufferPointer<Float>) {
            self.module = module
            self.aShape = aShape
            self.a = a
            self.bShape = bShape
            self.b = b
        }
    }

    /// Writes both files into `directory` (created if needed), each under a temporary name renamed into place.
    public static func write(_ modules: [Matrices], config: LoRAConfig, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var writer = SafeTensorsWriter()
        for m in modules {
            try writer.add(tensorName(m.module, "lora_A"), shape: m.aShape, values: m.a)
            try writer.add(tensorName(m.module, "lora_B"), shape: m.bShape, values: m.b)
        }
        try writer.write(to: directory.appendingPathComponent(weightsFile).path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let out = try AtomicFileOutput(path: directory.appendingPathComponent(configFile).path)
        try out.write(Array(try encoder.encode(config)))
        try out.commit()
    }

    /// Opens an adapter directory: its validated config and its weights file.
    public static func open(_ directory: URL) throws -> (config: LoRAConfig, weights: SafeTensorsFile) {
        let config = try LoRAConfig.load(directory: directory)
        let path = directory.appendingPathComponent(weightsFile).path
        guard FileManager.default.fileExists(atPath: path) else { throw ModelLoadingError.missingFile(path) }
        return (config, try SafeTensorsFile(path: path))
    }

    /// SHA-256 of the adapter weights file (for index fingerprints).
    public static func weightsSHA256(_ directory: URL) throws -> String {
        try SHA256.hex(ofFile: directory.appendingPathComponent(weightsFile).path)
    }
}
