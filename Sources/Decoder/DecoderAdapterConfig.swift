import Foundation

/// The fields of a PEFT LoRA `adapter_config.json` that decide how an adapter merges into a decoder. Anything that
/// would make a plain `W += (alpha/r)·B·A` merge wrong (DoRA, rsLoRA scaling on a mismatched rank, per-module rank or
/// alpha patterns, trained biases, fan-in/fan-out storage) is refused by `validate` instead of merged differently.
public struct DecoderAdapterConfig: Decodable, Equatable, Sendable {
    public var peftType: String
    public var r: Int
    public var loraAlpha: Float
    /// A list of module-name suffixes, or one regular expression (kept as written; the tensors decide what merges).
    public var targetModules: [String]
    public var bias: String
    public var fanInFanOut: Bool
    public var useRslora: Bool
    public var useDora: Bool
    public var rankPattern: [String: Int]
    public var alphaPattern: [String: Float]
    public var modulesToSave: [String]
    /// PEFT's `lora_bias` (a trained bias on B), `target_parameters`, `trainable_token_indices`, `layer_replication`:
    /// must be off.
    public var loraBias: Bool
    public var otherTrainedParts: [String]
    public var baseModelNameOrPath: String?

    enum CodingKeys: String, CodingKey {
        case peftType = "peft_type", r, loraAlpha = "lora_alpha", targetModules = "target_modules", bias
        case fanInFanOut = "fan_in_fan_out", useRslora = "use_rslora", useDora = "use_dora"
        case rankPattern = "rank_pattern", alphaPattern = "alpha_pattern", modulesToSave = "modules_to_save"
        case loraBias = "lora_bias", targetParameters = "target_parameters"
        case trainableTokenIndices = "trainable_token_indices", layerReplication = "layer_replication"
        case baseModelNameOrPath = "base_model_name_or_path"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        peftType = try c.decodeIfPresent(String.self, forKey: .peftType) ?? "LORA"
        r = try c.decode(Int.self, forKey: .r)
        loraAlpha = try c.decodeIfPresent(Float.self, forKey: .loraAlpha) ?? 8
        if let names = try? c.decodeIfPresent([String].self, forKey: .targetModules) { targetModules = names }
        else { targetModules = (try c.decodeIfPresent(String.self, forKey: .targetModules)).map { [$0] } ?? [] }
        bias = try c.decodeIfPresent(String.self, forKey: .bias) ?? "none"
        fanInFanOut = try c.decodeIfPresent(Bool.self, forKey: .fanInFanOut) ?? false
        useRslora = try c.decodeIfPresent(Bool.self, forKey: .useRslora) ?? false
        useDora = try c.decodeIfPresent(Bool.self, forKey: .useDora) ?? false
        rankPattern = try c.decodeIfPresent([String: Int].self, forKey: .rankPattern) ?? [:]
        alphaPattern = try c.decodeIfPresent([String: Float].self, forKey: .alphaPattern) ?? [:]
        modulesToSave = (try? c.decodeIfPresent([String].self, forKey: .modulesToSave)) ?? []
        loraBias = try c.decodeIfPresent(Bool.self, forKey: .loraBias) ?? false
        otherTrainedParts = []
        for key in [CodingKeys.targetParameters, .trainableTokenIndices, .layerReplication] where c.contains(key) {
            if try !c.decodeNil(forKey: key) { otherTrainedParts.append(key.stringValue) }
        }
        baseModelNameOrPath = try c.decodeIfPresent(String.self, forKey: .baseModelNameOrPath)
    }

    /// Reads and validates `directory/adapter_config.json`.
    public static func load(directory: URL) throws -> DecoderAdapterConfig {
        let url = directory.appendingPathComponent("adapter_config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { throw DecoderError.missingFile(url.path) }
        let config: DecoderAdapterConfig
        do { config = try JSONDecoder().decode(DecoderAdapterConfig.self, from: Data(contentsOf: url)) } catch {
            throw DecoderError.invalidFile(path: url.path, reason: "cannot decode as a PEFT adapter config (\(error))")
        }
        try config.validate(path: url.path)
        return config
    }

    /// The merge multiplies B·A by this: alpha/r, or alpha/√r with rsLoRA.
    public var scaling: Float { useRslora ? loraAlpha / Float(r).squareRoot() : loraAlpha / Float(r) }

    public func validate(path: String) throws {
        func refuse(_ reason: String) -> DecoderError { .invalidFile(path: path, reason: reason) }
        guard peftType == "LORA" else { throw refuse("peft_type \(peftType): only LORA adapters can be merged") }
        guard r > 0 else { throw refuse("r must be positive") }
        guard bias == "none" else { throw refuse("bias \(bias): adapters with trained biases are not supported (only none)") }
        guard !fanInFanOut else { throw refuse("fan_in_fan_out: only (out, in) weights (Linear layers) are supported") }
        guard !useDora else { throw refuse("use_dora: DoRA adapters are not supported") }
        guard rankPattern.isEmpty, alphaPattern.isEmpty else {
            throw refuse("rank_pattern / alpha_pattern: per-module ranks or alphas are not supported")
        }
        guard !loraBias else { throw refuse("lora_bias: adapters with a trained bias are not supported") }
        guard otherTrainedParts.isEmpty else {
            throw refuse("\(otherTrainedParts.joined(separator: ", ")): only plain LoRA matrices on Linear layers are supported")
        }
        guard modulesToSave.isEmpty else {
            throw refuse("modules_to_save \(modulesToSave): fully trained modules are not supported, only LoRA matrices")
        }
    }
}
