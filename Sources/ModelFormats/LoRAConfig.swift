import Foundation

/// PEFT's `adapter_config.json` for a LoRA adapter: what encoder training writes, and what the encoder and the decoder
/// read. Settings that would make Exemplar compute something other than PEFT does (another PEFT type, DoRA, per-module
/// ranks or alphas, trained biases, fully trained modules, fan-in/fan-out storage) are refused by `validate` instead of
/// being applied differently.
public struct LoRAConfig: Codable, Equatable, Sendable {
    /// PEFT accepts a list of module-name suffixes or one regular expression matched against the whole name.
    public enum TargetModules: Codable, Equatable, Sendable {
        case names([String])
        case pattern(String)

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let names = try? c.decode([String].self) { self = .names(names) } else { self = .pattern(try c.decode(String.self)) }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .names(let names): try c.encode(names)
            case .pattern(let pattern): try c.encode(pattern)
            }
        }

        /// PEFT's rule: a listed name matches a module whose full name equals it or ends with "." + it;
        /// a pattern must match the full name.
        public func matches(_ moduleName: String) throws -> Bool {
            switch self {
            case .names(let names): return names.contains { moduleName == $0 || moduleName.hasSuffix("." + $0) }
            case .pattern(let pattern):
                let regex = try Regex(pattern)
                return (try? regex.wholeMatch(in: moduleName)) != nil
            }
        }
    }

    public var peftType = "LORA"
    public var taskType: String? = "FEATURE_EXTRACTION"
    public var r: Int
    public var loraAlpha: Float
    public var loraDropout: Float
    public var targetModules: TargetModules
    public var baseModelNameOrPath: String?
    public var bias = "none"
    public var fanInFanOut = false
    public var inferenceMode = true
    public var useRslora = false
    public var initLoraWeights = true
    /// Read only so that `validate` can refuse them; never written (PEFT's defaults).
    var useDora = false
    var rankPatternCount = 0
    var alphaPatternCount = 0
    var loraBias = false
    var modulesToSave: [String] = []
    /// PEFT's `target_parameters`, `trainable_token_indices` and `layer_replication`, when set.
    var otherTrainedParts: [String] = []

    enum CodingKeys: String, CodingKey {
        case peftType = "peft_type", taskType = "task_type", r, loraAlpha = "lora_alpha", loraDropout = "lora_dropout"
        case targetModules = "target_modules", baseModelNameOrPath = "base_model_name_or_path", bias
        case fanInFanOut = "fan_in_fan_out", inferenceMode = "inference_mode", useRslora = "use_rslora"
        case initLoraWeights = "init_lora_weights"
        case useDora = "use_dora", rankPattern = "rank_pattern", alphaPattern = "alpha_pattern", loraBias = "lora_bias"
        case modulesToSave = "modules_to_save", targetParameters = "target_parameters"
        case trainableTokenIndices = "trainable_token_indices", layerReplication = "layer_replication"
    }

    public init(r: Int, loraAlpha: Float, loraDropout: Float, targetModules: TargetModules, baseModelNameOrPath: String? = nil) {
        self.r = r
        self.loraAlpha = loraAlpha
        self.loraDropout = loraDropout
        self.targetModules = targetModules
        self.baseModelNameOrPath = baseModelNameOrPath
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        peftType = try c.decodeIfPresent(String.self, forKey: .peftType) ?? "LORA"
        taskType = try c.decodeIfPresent(String.self, forKey: .taskType)
        r = try c.decode(Int.self, forKey: .r)
        loraAlpha = try c.decodeIfPresent(Float.self, forKey: .loraAlpha) ?? 8
        loraDropout = try c.decodeIfPresent(Float.self, forKey: .loraDropout) ?? 0
        targetModules = try c.decodeIfPresent(TargetModules.self, forKey: .targetModules) ?? .names([])
        baseModelNameOrPath = try c.decodeIfPresent(String.self, forKey: .baseModelNameOrPath)
        bias = try c.decodeIfPresent(String.self, forKey: .bias) ?? "none"
        fanInFanOut = try c.decodeIfPresent(Bool.self, forKey: .fanInFanOut) ?? false
        inferenceMode = try c.decodeIfPresent(Bool.self, forKey: .inferenceMode) ?? true
        useRslora = try c.decodeIfPresent(Bool.self, forKey: .useRslora) ?? false
        initLoraWeights = (try? c.decodeIfPresent(Bool.self, forKey: .initLoraWeights)) ?? true
        useDora = (try? c.decodeIfPresent(Bool.self, forKey: .useDora)) ?? false
        rankPatternCount = try c.decodeIfPresent([String: Double].self, forKey: .rankPattern)?.count ?? 0
        alphaPatternCount = try c.decodeIfPresent([String: Double].self, forKey: .alphaPattern)?.count ?? 0
        loraBias = (try? c.decodeIfPresent(Bool.self, forKey: .loraBias)) ?? false
        modulesToSave = (try? c.decodeIfPresent([String].self, forKey: .modulesToSave)) ?? []
        for key in [CodingKeys.targetParameters, .trainableTokenIndices, .layerReplication] where c.contains(key) {
            if try !c.decodeNil(forKey: key) { otherTrainedParts.append(key.stringValue) }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(peftType, forKey: .peftType)
        try c.encodeIfPresent(taskType, forKey: .taskType)
        try c.encode(r, forKey: .r)
        try c.encode(loraAlpha, forKey: .loraAlpha)
        try c.encode(loraDropout, forKey: .loraDropout)
        try c.encode(targetModules, forKey: .targetModules)
        try c.encodeIfPresent(baseModelNameOrPath, forKey: .baseModelNameOrPath)
        try c.encode(bias, forKey: .bias)
        try c.encode(fanInFanOut, forKey: .fanInFanOut)
        try c.encode(inferenceMode, forKey: .inferenceMode)
        try c.encode(useRslora, forKey: .useRslora)
        try c.encode(initLoraWeights, forKey: .initLoraWeights)
    }

    /// What B·A is multiplied by: alpha/r, or alpha/√r with rsLoRA.
    public var scaling: Float { useRslora ? loraAlpha / Float(r).squareRoot() : loraAlpha / Float(r) }

    /// Reads and validates `directory/adapter_config.json`.
    public static func load(directory: URL) throws -> LoRAConfig {
        let url = directory.appendingPathComponent("adapter_config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { throw LoRAConfigError.missingFile(url.path) }
        let config: LoRAConfig
        do { config = try JSONDecoder().decode(LoRAConfig.self, from: Data(contentsOf: url)) } catch {
            throw LoRAConfigError.invalid(path: url.path, reason: "cannot decode as a PEFT adapter config (\(error))")
        }
        try config.validate(path: url.path)
        return config
    }

    /// Refuses what a plain LoRA (W + scaling·B·A on Linear layers) does not compute.
    public func validate(path: String) throws {
        func refuse(_ reason: String) -> LoRAConfigError { .invalid(path: path, reason: reason) }
        guard peftType == "LORA" else { throw refuse("peft_type \(peftType): only LORA adapters are supported") }
        guard r > 0 else { throw refuse("r must be positive") }
        guard bias == "none" else { throw refuse("bias \(bias): adapters with trained biases are not supported (only none)") }
        guard !fanInFanOut else { throw refuse("fan_in_fan_out: only (out, in) weights (Linear layers) are supported") }
        guard !useDora else { throw refuse("use_dora: DoRA adapters are not supported") }
        guard rankPatternCount == 0, alphaPatternCount == 0 else {
            throw refuse("rank_pattern / alpha_pattern: per-module ranks or alphas are not supported (one r and lora_alpha for every module)")
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

/// A LoRA adapter config that is missing or that Exemplar cannot apply; `description` names the file.
public enum LoRAConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    case missingFile(String)
    case invalid(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): file not found"
        case .invalid(let path, let reason): return "\(path): \(reason)"
        }
    }
}
