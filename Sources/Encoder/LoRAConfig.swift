import Foundation

/// PEFT's `adapter_config.json` for a LoRA adapter (the fields Exemplar reads and writes; others are preserved
/// as PEFT's defaults when writing).
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
    /// Read only to refuse what Exemplar does not apply (DoRA, per-module ranks or alphas, LoRA biases): an adapter
    /// with them would silently compute something else. Not written (PEFT's defaults).
    var useDora = false
    var rankPatternCount = 0
    var alphaPatternCount = 0
    var loraBias = false

    enum CodingKeys: String, CodingKey {
        case peftType = "peft_type", taskType = "task_type", r, loraAlpha = "lora_alpha", loraDropout = "lora_dropout"
        case targetModules = "target_modules", baseModelNameOrPath = "base_model_name_or_path", bias
        case fanInFanOut = "fan_in_fan_out", inferenceMode = "inference_mode", useRslora = "use_rslora"
        case initLoraWeights = "init_lora_weights"
        case useDora = "use_dora", rankPattern = "rank_pattern", alphaPattern = "alpha_pattern", loraBias = "lora_bias"
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
        targetModules = try c.decode(TargetModules.self, forKey: .targetModules)
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

    /// What Exemplar can apply; anything else is refused rather than silently applied differently.
    public func validate(path: String) throws {
        guard peftType == "LORA" else { throw EncoderError.invalidFile(path: path, reason: "peft_type \(peftType) (only LORA)") }
        guard r > 0 else { throw EncoderError.invalidFile(path: path, reason: "r must be positive") }
        guard bias == "none" else { throw EncoderError.invalidFile(path: path, reason: "bias \(bias) (only none)") }
        guard !useRslora, !fanInFanOut else { throw EncoderError.invalidFile(path: path, reason: "use_rslora / fan_in_fan_out not supported") }
        guard !useDora, !loraBias else { throw EncoderError.invalidFile(path: path, reason: "use_dora / lora_bias not supported") }
        guard rankPatternCount == 0, alphaPatternCount == 0 else {
            throw EncoderError.invalidFile(path: path, reason: "rank_pattern / alpha_pattern not supported (one r and lora_alpha for every module)")
        }
    }
}
