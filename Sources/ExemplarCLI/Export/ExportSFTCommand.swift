import ArgumentParser
import Decoder
import Foundation
import MathTasks
import ModelFormats

/// `exemplar export sft --format trl`: the exact SFT recipe of a train-decoder config, for TRL's SFTTrainer + PEFT
/// under `accelerate launch` (multi-GPU DDP or DeepSpeed ZeRO-2).
struct ExportSFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Export a train-decoder config as a TRL + PEFT + accelerate job.",
        discussion: """
            Writes into --out: train.jsonl and validation.jsonl (the rendered prompt and completion text of every \
            example and their token ids with the completion mask, train.jsonl in the order train-decoder visits them, \
            epoch after epoch), sft_config.json (TRL SFTConfig arguments), lora_config.json (PEFT LoraConfig \
            arguments), accelerate_ddp.yaml, accelerate_zero2.yaml + deepspeed_zero2.json, train_sft.py and launch.sh. \
            `./launch.sh MODEL` runs it (MODEL: a Hugging Face model directory or hub id, e.g. Qwen/Qwen2.5-Math-1.5B); \
            the adapter it writes to output/adapter loads back with --adapter.
            """)

    @Option(help: "Run config (YAML), the one train-decoder takes.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config key, as for train-decoder. Repeatable.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Target stack (trl).")
    var format = "trl"

    @Option(help: "Output directory (created; existing files of the export are replaced).")
    var out: String

    func run() throws {
        try reportingErrors {
            guard format == "trl" else { throw ValidationError("--format \(format): only trl is supported") }
            let cfg = try DecoderSFTConfig.load(path: config, overrides: overrides)
            let settings = try cfg.settings()
            let language = try LanguageModel.load(path: cfg.model, weights: .f32)
            let data = try SFTData(cfg, model: language)
            let job = TRLJob(config: cfg, settings: settings, data: data)
            let directory = URL(fileURLWithPath: out)
            try job.write(to: directory)
            log("wrote \(directory.path): \(job.order.count) training rows in train-decoder's order "
                + "(\(job.totalSteps) steps of \(settings.batchSize) × \(settings.gradientAccumulationSteps)), "
                + "\(data.validation.count) validation rows; run ./launch.sh MODEL there")
        }
    }
}
