import ModelFormats

/// The `lora:` section of a training run config (train-encoder, train-decoder): PEFT's LoRA settings under the names
/// the YAML files use, and QLoRA's switch. Each config gives its own defaults.
struct LoRASection: Codable, Equatable {
    var r: Int
    var alpha: Float
    var dropout: Float
    /// PEFT's target_modules: a list of module-name suffixes, or one regular expression the whole name must match.
    var targetModules: LoRAConfig.TargetModules
    /// QLoRA: frozen base projections in NF4 (bitsandbytes' format, block 64, double-quantised scales).
    var qlora = false

    enum CodingKeys: String, CodingKey { case r, alpha, dropout, targetModules = "target_modules", qlora }

    /// PEFT's adapter config for these settings.
    func config(baseModel: String, taskType: String) -> LoRAConfig {
        var config = LoRAConfig(r: r, loraAlpha: alpha, loraDropout: dropout, targetModules: targetModules,
                                baseModelNameOrPath: baseModel)
        config.taskType = taskType
        return config
    }
}
