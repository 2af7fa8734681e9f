"""A tiny PEFT LoRA adapter for SmolLM2-135M-Instruct and the logits it gives, for the decoder's LoRA merge.

The adapter: r 2, lora_alpha 4 (scaling 2), on q/k/v/o/gate/up/down of layers 0 and 29 (layers_to_transform), A and
B drawn from N(0, 0.05²) with torch seed 0 (PEFT would start B at zero, which would change nothing). Saved with PEFT's
own `save_pretrained` into Tests/Fixtures/decoder_lora_smollm2/ (adapter_config.json, and the tensors of
adapter_model.safetensors as adapter_tensors.json: the repository keeps no weight files; tests write the .safetensors
back with `Repository.adapterFixture`), so the Swift side reads PEFT's config and tensor names.

Tests/Fixtures/decoder_lora_smollm2.json: for a 16-token prompt, the logits at every position with the adapter
(PeftModel forward, not merged) and without it: top 32 (id, logit), and the logits at 64 fixed ids (a seeded sample).
The model is the HF directory that ../shared/peers/decoder/setup.sh dequantises from the same GGUF file Exemplar
loads. Run from the repo root with the peer venv:
  ~/.cache/exemplar-peers/venv/bin/python scripts/reference/decoder_lora_fixtures.py
"""
import json, os, shutil
import numpy as np, torch
import peft, transformers
from peft import LoraConfig, get_peft_model
import adapter_tensors_json
from reference_inputs import FETCH_DATA, PEER_DECODERS, require
from transformers import AutoModelForCausalLM, AutoTokenizer

torch.set_num_threads(2)
MODELS = os.environ.get("PEER_MODELS", os.path.expanduser("~/.cache/exemplar-peers/models"))
path = os.path.join(MODELS, "smollm2-135m-instruct-hf")
out_dir = "Tests/Fixtures/decoder_lora_smollm2"
require(os.path.join(path, "config.json"), PEER_DECODERS)
require("data/gsm8k/test.jsonl", FETCH_DATA)

tok = AutoTokenizer.from_pretrained(path)
model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
question = json.loads(open("data/gsm8k/test.jsonl").readline())["question"]
ids = tok(question, add_special_tokens=False)["input_ids"][:16]
vocab = model.config.vocab_size
sample_ids = sorted(np.random.default_rng(0).choice(vocab, 64, replace=False).tolist())


def summary(logits):
    rows = []
    for row in logits[0].double():
        top = torch.topk(row, 32)
        rows.append({"top_ids": top.indices.tolist(), "top_values": top.values.tolist(),
                     "sample_values": row[sample_ids].tolist()})
    return rows


with torch.no_grad():
    base = summary(model(input_ids=torch.tensor([ids])).logits)

config = LoraConfig(r=2, lora_alpha=4, lora_dropout=0.0, layers_to_transform=[0, 29],
                    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
peft_model = get_peft_model(model, config).eval()
torch.manual_seed(0)
for name, p in peft_model.named_parameters():
    if "lora_A" in name or "lora_B" in name:
        p.data.normal_(0, 0.05)
with torch.no_grad():
    adapted = summary(peft_model(input_ids=torch.tensor([ids])).logits)

shutil.rmtree(out_dir, ignore_errors=True)
peft_model.save_pretrained(out_dir)
adapter_tensors_json.convert(out_dir)  # no weight files in the repository
# The local path PEFT records says nothing to others: name the hub model the GGUF was made from.
config_path = os.path.join(out_dir, "adapter_config.json")
saved = json.load(open(config_path))
saved["base_model_name_or_path"] = "HuggingFaceTB/SmolLM2-135M-Instruct"
json.dump(saved, open(config_path, "w"), indent=2, sort_keys=True)
readme = os.path.join(out_dir, "README.md")
if os.path.exists(readme):
    os.remove(readme)

change = max(abs(a - b) for pa, pb in zip(adapted, base) for a, b in zip(pa["sample_values"], pb["sample_values"]))
print(f"{len(ids)} prompt tokens; largest logit change from the adapter at the sampled ids: {change:.3f}")
json.dump({"model": "smollm2-135m-instruct-hf", "transformers": transformers.__version__, "peft": peft.__version__,
           "torch": torch.__version__, "adapter": "decoder_lora_smollm2", "prompt": ids, "sample_ids": sample_ids,
           "adapted": adapted, "base": base},
          open("Tests/Fixtures/decoder_lora_smollm2.json", "w"))
print("wrote", out_dir, "and Tests/Fixtures/decoder_lora_smollm2.json")
