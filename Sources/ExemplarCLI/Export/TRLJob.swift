import Decoder
import Foundation
import MathTasks
import ModelFormats

/// The files of a TRL + PEFT + accelerate job that runs the SFT recipe of a `DecoderSFTConfig` on a GPU cluster.
///
/// The data goes over as TRL's "processed" format (an `input_ids` column with a `completion_mask`), so TRL trains on
/// exactly Exemplar's tokens; the text stays beside it for people. train.jsonl holds the micro-batches in the order
/// train-decoder visits them and train_sft.py reads it sequentially (a `SequentialSampler` in place of the Trainer's
/// random one): on one process with the same batch size and accumulation, step s of TRL is step s of Exemplar.
struct TRLJob {
    let config: DecoderSFTConfig
    let settings: SFTTrainingSettings
    let data: SFTData
    /// Training example indices in visiting order (every micro-batch of every step, concatenated).
    let order: [Int]
    let totalSteps: Int

    init(config: DecoderSFTConfig, settings: SFTTrainingSettings, data: SFTData) {
        self.config = config
        self.settings = settings
        self.data = data
        var batches = SFTBatchOrder(exampleCount: data.train.count, settings: settings)
        totalSteps = batches.totalSteps
        order = (0..<totalSteps).flatMap { batches.microBatches(ofStep: $0).flatMap(\.1) }
    }

    /// TRL SFTConfig arguments. Warm-up is given in steps (⌈ratio · total⌉, as train-decoder computes it) and the run
    /// in max_steps, so schedules agree exactly.
    var sftConfig: [String: Any] {
        var c: [String: Any] = [
            "output_dir": "output",
            "per_device_train_batch_size": settings.batchSize,
            "per_device_eval_batch_size": settings.batchSize,
            "gradient_accumulation_steps": settings.gradientAccumulationSteps,
            "max_steps": totalSteps,
            "learning_rate": decimal(settings.learningRate),
            "lr_scheduler_type": settings.schedule == .constant ? "constant_with_warmup" : settings.schedule.rawValue,
            "warmup_steps": Int((Double(totalSteps) * settings.warmupRatio).rounded(.up)),
            "weight_decay": decimal(settings.weightDecay),
            "adam_beta1": 0.9, "adam_beta2": 0.999, "adam_epsilon": 1e-8,
            "optim": "adamw_torch",
            "max_grad_norm": settings.maxGradNorm.map(decimal) ?? 0.0,
            "seed": Int(settings.seed),
            "max_length": settings.maxLength,
            "gradient_checkpointing": settings.gradientCheckpointing,
            "completion_only_loss": true,
            "packing": false,
            "padding_free": false,
            "logging_steps": settings.logEvery,
            "save_steps": settings.checkpointEvery,
            "save_total_limit": 2,
            "report_to": "none",
            "dataloader_drop_last": false,
            "bf16": false,  // train_sft.py --bf16 turns it on (TRL defaults to bf16, which CPUs refuse)
        ]
        if let every = settings.evalEvery, !data.validation.isEmpty {
            c["eval_strategy"] = "steps"
            c["eval_steps"] = every
        } else {
            c["eval_strategy"] = "no"
        }
        return c
    }

    /// PEFT LoraConfig arguments.
    var loraConfig: [String: Any] {
        var c: [String: Any] = ["r": config.lora.r, "lora_alpha": decimal(config.lora.alpha),
                                "lora_dropout": decimal(config.lora.dropout), "bias": "none", "task_type": "CAUSAL_LM"]
        switch config.lora.targetModules {
        case .names(let names): c["target_modules"] = names
        case .pattern(let pattern): c["target_modules"] = pattern
        }
        return c
    }

    /// The Float as the decimal it was written as (2e-4, not 0.000199999995), for Python.
    private func decimal(_ x: Float) -> Double { Double(String(x))! }

    func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try writeRows(order.map { (data.renderedTrain[$0], data.train[$0]) }, to: directory.appendingPathComponent("train.jsonl"))
        try writeRows(Array(zip(data.renderedValidation, data.validation)), to: directory.appendingPathComponent("validation.jsonl"))
        try writeObject(sftConfig, to: directory.appendingPathComponent("sft_config.json"))
        try writeObject(loraConfig, to: directory.appendingPathComponent("lora_config.json"))
        var exemplar: [String: Any] = ["model": config.model, "qlora": config.lora.qlora, "train_rows": order.count,
                                       "validation_rows": data.validation.count, "total_steps": totalSteps]
        exemplar["note"] = "Exported by exemplar export sft from a train-decoder config; train.jsonl is in train-decoder's order."
        try writeObject(exemplar, to: directory.appendingPathComponent("exemplar.json"))
        for (name, text, executable) in TRLJobFiles.all {
            let url = directory.appendingPathComponent(name)
            let out = try AtomicFileOutput(path: url.path)
            try out.write(Array(text.utf8))
            try out.commit()
            if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
        }
    }

    private func writeRows(_ rows: [(GSM8KSFTData.Rendered, SFTExample)], to url: URL) throws {
        let out = try AtomicFileOutput(path: url.path)
        for (text, example) in rows {
            let row: [String: Any] = [
                "prompt": text.prompt, "completion": text.completion,
                "input_ids": example.ids.map(Int.init),
                "completion_mask": [Int](repeating: 0, count: example.prompt.count) + [Int](repeating: 1, count: example.completion.count),
            ]
            try out.write(Array(try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys])) + [UInt8(ascii: "\n")])
        }
        try out.commit()
    }

    private func writeObject(_ object: [String: Any], to url: URL) throws {
        let out = try AtomicFileOutput(path: url.path)
        try out.write(Array(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) + [UInt8(ascii: "\n")])
        try out.commit()
    }
}
