"""Decoder SFT against transformers + PEFT: rendered token ids, completion-only loss, every LoRA gradient, and the
losses of 10 optimiser steps, for SmolLM2-135M-Instruct and Qwen2.5-Coder-0.5B-Instruct.

Data: the first 40 GSM8K train problems, each the zero-shot chat prompt (the peer's USER_TEMPLATE user turn,
apply_chat_template with the generation prompt) and the completion the whole conversation adds after it (solution +
end-of-turn), token ids split at the prompt's length as TRL does. Adapter: r 2, lora_alpha 4, dropout 0, on
q/k/v/o/gate/up/down of the first and last layer (a target_modules regex), A and B ~ N(0, 0.02²) with torch seed 0
(B non-zero so A has a gradient), saved by PEFT into Tests/Fixtures/sft_<model>/ (tensors as adapter_tensors.json).

Gradient fixture: examples 0-3 in two micro-batches of 2, each example forwarded alone (no padding), the loss the sum
of -log p over all completion tokens of the four / their count (the step-level normalisation), backward: the loss and
every lora_A / lora_B gradient in full (base64 float32).
Step fixture (SmolLM2 only): 10 steps of torch.optim.AdamW (lr 1e-3, constant, no weight decay, eps 1e-8) with
clip_grad_norm_(1.0); micro-batch g holds examples randperm(40, seed 42)[2g:2g+2] (Exemplar's data order), two per
step: each step's loss before its update. The model directories are those ../shared/peers/decoder/setup.sh
dequantises from the GGUF files Exemplar loads. From the repo root with the peer venv:
  ~/.cache/exemplar-peers/venv/bin/python scripts/reference/sft_fixtures.py
"""
import base64, json, os, shutil, sys
import numpy as np, torch
import peft, transformers
from peft import LoraConfig, get_peft_model
import adapter_tensors_json
from reference_inputs import FETCH_DATA, PEER_DECODERS, require
from transformers import AutoModelForCausalLM, AutoTokenizer

torch.set_num_threads(2)
MODELS = os.environ.get("PEER_MODELS", os.path.expanduser("~/.cache/exemplar-peers/models"))
USER_TEMPLATE = ("Solve the following math problem step by step. "
                 "At the end, write the final numeric answer after '####', for example: #### 42\n\nProblem: {question}")
require("data/gsm8k/train.jsonl", FETCH_DATA)
problems = [json.loads(l) for l in open("data/gsm8k/train.jsonl")][:40]


def b64(t):
    return base64.b64encode(np.ascontiguousarray(t.detach().numpy(), dtype="<f4").tobytes()).decode()


def examples(tok):
    out = []
    for p in problems:
        user = [{"role": "user", "content": USER_TEMPLATE.format(question=p["question"])}]
        prompt = tok.apply_chat_template(user, tokenize=False, add_generation_prompt=True)
        whole = tok.apply_chat_template(user + [{"role": "assistant", "content": p["answer"]}], tokenize=False)
        assert whole.startswith(prompt)
        prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
        whole_ids = tok(whole, add_special_tokens=False)["input_ids"]
        assert whole_ids[:len(prompt_ids)] == prompt_ids
        out.append({"prompt": prompt_ids, "completion": whole_ids[len(prompt_ids):], "completion_text": whole[len(prompt):]})
    return out


def step_loss(model, batch):
    """Σ -log p over the completion tokens of `batch` (lists of examples), each example alone; and the count."""
    total, count = 0.0, 0
    for e in batch:
        ids = torch.tensor([e["prompt"] + e["completion"]])
        logits = model(input_ids=ids).logits[0]
        p = len(e["prompt"])
        rows = logits[p - 1:p - 1 + len(e["completion"])]
        total = total + torch.nn.functional.cross_entropy(rows, torch.tensor(e["completion"]), reduction="sum")
        count += len(e["completion"])
    return total, count


def run(name, hf_dir, steps):
    path = os.path.join(MODELS, hf_dir)
    require(os.path.join(path, "config.json"), PEER_DECODERS)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    last = model.config.num_hidden_layers - 1
    pattern = rf"model\.layers\.(0|{last})\.(self_attn\.(q|k|v|o)_proj|mlp\.(gate|up|down)_proj)"
    config = LoraConfig(r=2, lora_alpha=4, lora_dropout=0.0, target_modules=pattern, task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, config)
    torch.manual_seed(0)
    for pname, p in peft_model.named_parameters():
        if "lora_A" in pname or "lora_B" in pname:
            p.data.normal_(0, 0.02)
    out_dir = f"Tests/Fixtures/sft_{name}"
    shutil.rmtree(out_dir, ignore_errors=True)
    peft_model.save_pretrained(out_dir)
    adapter_tensors_json.convert(out_dir)
    if os.path.exists(os.path.join(out_dir, "README.md")):
        os.remove(os.path.join(out_dir, "README.md"))
    data = examples(tok)
    peft_model.train()  # dropout is 0: train mode changes nothing but is how TRL runs

    total, count = step_loss(peft_model, data[:4])
    (total / count).backward()
    grads = {n.replace(".default", ""): p.grad for n, p in peft_model.named_parameters() if p.grad is not None}
    fixture = {"model": hf_dir, "transformers": transformers.__version__, "peft": peft.__version__,
               "torch": torch.__version__, "adapter": f"sft_{name}", "target_modules": pattern,
               "examples": [{"prompt": e["prompt"], "completion": e["completion"]} for e in data],
               "completion_text_0": data[0]["completion_text"],
               "loss": (total / count).item(), "completion_tokens": count,
               "gradients": [{"name": "base_model.model." + n[len("base_model.model."):] if n.startswith("base_model.model.") else n,
                              "shape": list(g.shape), "base64": b64(g)} for n, g in sorted(grads.items())]}
    peft_model.zero_grad(set_to_none=True)

    if steps:
        trainable = [p for p in peft_model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(trainable, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
        order = torch.randperm(len(data), generator=torch.Generator().manual_seed(42)).tolist()
        losses = []
        for s in range(steps):
            micro = [[data[i] for i in order[2 * g:2 * g + 2]] for g in (2 * s, 2 * s + 1)]
            n = sum(len(e["completion"]) for b in micro for e in b)
            step_total = 0.0
            for b in micro:
                t, _ = step_loss(peft_model, b)
                (t / n).backward()
                step_total += t.item()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            losses.append(step_total / n)
            print(f"{name} step {s + 1}: loss {losses[-1]:.5f}", flush=True)
        fixture["step_losses"] = losses
        fixture["steps"] = {"batch_size": 2, "gradient_accumulation_steps": 2, "learning_rate": 1e-3, "schedule": "constant",
                            "max_grad_norm": 1.0, "seed": 42}
    with open(f"Tests/Fixtures/sft_{name}.json", "w") as f:
        json.dump(fixture, f)
    print(f"{name}: loss {fixture['loss']:.6f} over {count} completion tokens; {len(grads)} gradient tensors")


run("smollm2", "smollm2-135m-instruct-hf", steps=10)
run("qwen2.5-coder", "qwen2.5-coder-0.5b-instruct-hf", steps=0)
