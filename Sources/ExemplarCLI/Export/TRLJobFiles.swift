/// The scripts and configs an exported TRL job carries (written verbatim by `TRLJob.write`).
enum TRLJobFiles {
    static let all: [(name: String, text: String, executable: Bool)] = [
        ("train_sft.py", trainScript, true), ("launch.sh", launchScript, true),
        ("accelerate_ddp.yaml", accelerateDDP, false), ("accelerate_zero2.yaml", accelerateZero2, false),
        ("deepspeed_zero2.json", deepspeedZero2, false), ("README.md", readme, false),
    ]

    static let trainScript = #"""
    #!/usr/bin/env python3
    """LoRA / QLoRA SFT with TRL + PEFT on the data and settings `exemplar export sft` wrote beside this file.

    train.jsonl is already tokenised (input_ids + completion_mask: TRL's processed format, loss on completion tokens
    only) and in the order `exemplar train-decoder` visits it, so the trainer reads it front to back. Run it through
    launch.sh (accelerate launch: one process, multi-GPU DDP or DeepSpeed ZeRO-2).
      python train_sft.py --model MODEL_DIR_OR_HUB_ID [--max-steps N] [--bf16] [--output-dir DIR]
    """
    import argparse, json, os
    import torch
    from datasets import load_dataset
    from peft import LoraConfig, PeftModel
    from torch.utils.data import SequentialSampler
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import SFTConfig, SFTTrainer

    HERE = os.path.dirname(os.path.abspath(__file__))


    class InOrderSFTTrainer(SFTTrainer):
        """Reads train.jsonl in file order: its rows are train-decoder's seeded epochs already."""
        def _get_train_sampler(self, *args, **kwargs):
            return SequentialSampler(self.train_dataset)


    class LogToFile(TrainerCallback):
        """Every log record (loss, learning rate, grad norm, eval loss) as a JSON line, to compare with metrics.jsonl."""
        def __init__(self, path):
            self.path = path
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w").close()

        def on_log(self, args, state, control, logs=None, **kwargs):
            if state.is_world_process_zero and logs:
                with open(self.path, "a") as f:
                    f.write(json.dumps({"step": state.global_step, **logs}) + "\n")


    def main():
        ap = argparse.ArgumentParser()
        ap.add_argument("--model", required=True, help="Hugging Face model directory or hub id")
        ap.add_argument("--output-dir", default=os.path.join(HERE, "output"))
        ap.add_argument("--max-steps", type=int, help="stop earlier than the exported recipe")
        ap.add_argument("--bf16", action="store_true", help="train in bfloat16 (GPUs); default float32")
        ap.add_argument("--init-adapter", help="start from this PEFT adapter (e.g. one exemplar trained) instead of a fresh one")
        a = ap.parse_args()
        config = json.load(open(os.path.join(HERE, "sft_config.json")))
        exported = json.load(open(os.path.join(HERE, "exemplar.json")))
        config["output_dir"] = a.output_dir
        if a.max_steps:
            config["max_steps"] = a.max_steps
        if a.bf16:
            config["bf16"] = True
        dtype = torch.bfloat16 if a.bf16 else torch.float32
        quantization = None
        if exported.get("qlora"):
            from transformers import BitsAndBytesConfig
            quantization = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                              bnb_4bit_compute_dtype=dtype)
        model = AutoModelForCausalLM.from_pretrained(a.model, dtype=dtype, quantization_config=quantization)
        tokenizer = AutoTokenizer.from_pretrained(a.model)
        files = {"train": os.path.join(HERE, "train.jsonl")}
        if exported.get("validation_rows", 0) > 0:
            files["validation"] = os.path.join(HERE, "validation.jsonl")
        else:
            config["eval_strategy"] = "no"
        data = load_dataset("json", data_files=files)
        data = data.remove_columns([c for c in data["train"].column_names if c not in ("input_ids", "completion_mask")])
        lora = json.load(open(os.path.join(HERE, "lora_config.json")))
        if a.init_adapter:
            model = PeftModel.from_pretrained(model, a.init_adapter, is_trainable=True)
            p = lora["lora_dropout"]  # the exported recipe's dropout, not the one the adapter was saved with
            for module in model.modules():
                if hasattr(module, "lora_dropout") and "default" in module.lora_dropout:
                    module.lora_dropout["default"] = torch.nn.Dropout(p) if p > 0 else torch.nn.Identity()
        trainer = InOrderSFTTrainer(model=model, args=SFTConfig(**config), train_dataset=data["train"],
                                    eval_dataset=data.get("validation"), processing_class=tokenizer,
                                    peft_config=None if a.init_adapter else LoraConfig(**lora),
                                    callbacks=[LogToFile(os.path.join(a.output_dir, "log.jsonl"))])
        trainer.train()
        if trainer.is_world_process_zero():
            trainer.model.save_pretrained(os.path.join(a.output_dir, "adapter"))
            print("adapter:", os.path.join(a.output_dir, "adapter"), "(exemplar ... --adapter DIR loads it)")


    if __name__ == "__main__":
        main()
    """#

    static let launchScript = #"""
    #!/usr/bin/env bash
    # Runs the exported SFT job with accelerate.
    #   ./launch.sh MODEL [ddp|zero2|single] [train_sft.py options]
    # ddp (default): one process per GPU (accelerate_ddp.yaml; set num_processes there or with ACCELERATE_NUM_PROCESSES);
    # zero2: DeepSpeed ZeRO-2 (accelerate_zero2.yaml + deepspeed_zero2.json); single: one process (CPU or one GPU).
    # With N processes the global batch is N times per_device_train_batch_size x gradient_accumulation_steps: keep
    # N x per-device batch equal to train-decoder's batch_size (edit sft_config.json) for the same recipe.
    set -euo pipefail
    cd "$(dirname "$0")"
    model=${1:?usage: ./launch.sh MODEL [ddp|zero2|single] [options]}; shift
    mode=${1:-ddp}; [ $# -gt 0 ] && shift
    case "$mode" in
      ddp) exec accelerate launch --config_file accelerate_ddp.yaml ${ACCELERATE_NUM_PROCESSES:+--num_processes $ACCELERATE_NUM_PROCESSES} train_sft.py --model "$model" "$@" ;;
      zero2) exec accelerate launch --config_file accelerate_zero2.yaml ${ACCELERATE_NUM_PROCESSES:+--num_processes $ACCELERATE_NUM_PROCESSES} train_sft.py --model "$model" "$@" ;;
      single) exec accelerate launch --num_processes 1 train_sft.py --model "$model" "$@" ;;
      *) echo "launch.sh: mode $mode: use ddp, zero2 or single" >&2; exit 2 ;;
    esac
    """#

    static let accelerateDDP = """
    compute_environment: LOCAL_MACHINE
    distributed_type: MULTI_GPU
    num_machines: 1
    machine_rank: 0
    num_processes: 8
    mixed_precision: 'no'
    main_training_function: main
    rdzv_backend: static
    same_network: true
    use_cpu: false

    """

    static let accelerateZero2 = """
    compute_environment: LOCAL_MACHINE
    distributed_type: DEEPSPEED
    deepspeed_config:
      deepspeed_config_file: deepspeed_zero2.json
      zero3_init_flag: false
    num_machines: 1
    machine_rank: 0
    num_processes: 8
    main_training_function: main
    rdzv_backend: static
    same_network: true
    use_cpu: false

    """

    static let deepspeedZero2 = """
    {
      "zero_optimization": {"stage": 2, "overlap_comm": true, "contiguous_gradients": true,
                            "reduce_bucket_size": "auto", "allgather_bucket_size": 5e8},
      "bf16": {"enabled": "auto"},
      "gradient_accumulation_steps": "auto",
      "gradient_clipping": "auto",
      "train_batch_size": "auto",
      "train_micro_batch_size_per_gpu": "auto"
    }

    """

    static let readme = """
    # SFT job exported by `exemplar export sft`

    The recipe of an `exemplar train-decoder` config, for TRL's SFTTrainer + PEFT under accelerate:

    - `train.jsonl`, `validation.jsonl`: each row the rendered `prompt` and `completion` text and their token ids
      (`input_ids`, `completion_mask`: TRL's processed format, loss on completion tokens only). train.jsonl is in
      train-decoder's visiting order, epoch after epoch; `train_sft.py` reads it in file order.
    - `sft_config.json` (TRL `SFTConfig`), `lora_config.json` (PEFT `LoraConfig`), `exemplar.json` (model, QLoRA).
    - `accelerate_ddp.yaml` (multi-GPU DDP), `accelerate_zero2.yaml` + `deepspeed_zero2.json` (DeepSpeed ZeRO-2).

    Run: `pip install trl peft accelerate datasets` (and `deepspeed` for ZeRO-2), then
    `./launch.sh MODEL [ddp|zero2|single] [--bf16] [--max-steps N]`, MODEL a Hugging Face directory or hub id (for the
    target model: Qwen/Qwen2.5-Math-1.5B). The adapter lands in `output/adapter/`;
    `exemplar eval gsm8k --model MODEL --adapter output/adapter` and `exemplar generate --adapter …` load it.
    With N GPUs the global batch is N × per_device_train_batch_size × gradient_accumulation_steps: divide
    per_device_train_batch_size by N for train-decoder's recipe.

    """
}
