"""A few steps of the peer's trainer (../shared/peers/encoder/train_lora.py's recipe) without any dropout, started
from a given LoRA adapter, so that Exemplar's trainer can be compared with it step by step: the same batches, the same
initial weights, no random masks — losses, gradient norms and the final adapter should agree to float rounding.

  exemplar train-encoder --config configs/encoder-gsm8k.yaml --set name=cmp-init --set training.max_steps=1 \
      --set lora.dropout=0 --set training.hidden_dropout=0 --set training.attention_dropout=0
  (step 1 of the warm-up has learning rate 0, so that run's adapter is the initial one)
  exemplar train-encoder ... --set name=cmp-20 --set training.max_steps=20 (same dropout settings)
  python scripts/reference/peer_encoder_steps.py --init runs/cmp-init/adapter --steps 20 --out runs/cmp-peer
  python scripts/reference/peer_encoder_steps.py --compare runs/cmp-20 runs/cmp-peer
"""
import argparse, json, os, sys
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--init"); ap.add_argument("--steps", type=int, default=20); ap.add_argument("--out")
ap.add_argument("--compare", nargs=2, metavar=("EXEMPLAR_RUN", "PEER_RUN"))
a = ap.parse_args()


def load_adapter(path):
    from safetensors.numpy import load_file
    return load_file(os.path.join(path, "adapter_model.safetensors"))


if a.compare:
    ours, peer = a.compare
    ours_log = [json.loads(l) for l in open(os.path.join(ours, "metrics.jsonl")) if l.strip()]
    peer_log = json.load(open(os.path.join(peer, "log.json")))
    print("step  loss(exemplar)  loss(peer)   rel.diff   grad_norm(exemplar)  grad_norm(peer)  lr(exemplar)  lr(peer)")
    for o, p in zip(ours_log, peer_log):
        d = abs(o["loss"] - p["loss"]) / max(abs(p["loss"]), 1e-12)
        print(f"{o['step']:4d}  {o['loss']:.8f}   {p['loss']:.8f}  {d:9.2e}   {o['grad_norm']:.6f}          "
              f"{p['grad_norm']:.6f}        {o['lr']:.4e}    {p['learning_rate']:.4e}")
    A, B = load_adapter(os.path.join(ours, "adapter")), load_adapter(peer)
    worst = 0.0
    for name in sorted(A):
        x, y = A[name].astype(np.float64), B[name].astype(np.float64)
        rel = np.abs(x - y).max() / max(np.abs(y).max(), 1e-12)
        worst = max(worst, rel)
        if rel > 1e-3: print(f"{name}: max |diff| / max |peer| = {rel:.2e}")
    print(f"adapter tensors: {len(A)} vs {len(B)}, worst max|diff|/max|peer| {worst:.2e}")
    sys.exit(0)

sys.path.insert(0, os.environ.get("PEER_ENCODER", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "peers", "encoder")))
from common import *  # noqa: E402  (the peer's data paths, thread count and model directory)
import torch  # noqa: E402
from datasets import Dataset  # noqa: E402
from peft import LoraConfig  # noqa: E402
from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments  # noqa: E402
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss  # noqa: E402

# BERT's dropout layers (embeddings, attention output, FFN output, attention probabilities) all read these two.
model = SentenceTransformer(MODEL_DIR, device="cpu", config_kwargs={
    "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0})
model.max_seq_length = 256
TARGET = r".*encoder\.layer\.\d+\..*(query|key|value|dense)$"
model.add_adapter(LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=TARGET, bias="none"))
init = load_adapter(a.init)
params = dict(model.named_parameters())
loaded = 0
for name, value in init.items():
    # PEFT's file names (base_model.model.encoder.layer.0.attention.self.query.lora_A.weight) → the live module's
    # parameter (…encoder.layer.0.attention.self.query.lora_A.default.weight).
    key = name.removeprefix("base_model.model.").replace(".lora_A.", ".lora_A.default.").replace(".lora_B.", ".lora_B.default.")
    match = [p for n, p in params.items() if n.endswith(key)]
    assert len(match) == 1, f"{name}: {len(match)} parameters match"
    with torch.no_grad(): match[0].copy_(torch.from_numpy(value))
    loaded += 1
assert loaded == sum(1 for n in params if ".lora_" in n), "the initial adapter does not cover every LoRA parameter"

train = jsonl(f"{GSM}/train.jsonl")
ds = Dataset.from_dict({"anchor": [r["question"] for r in train], "positive": [r["answer"] for r in train]})
args = SentenceTransformerTrainingArguments(
    output_dir=os.path.join(a.out, "trainer"), num_train_epochs=1, max_steps=a.steps,
    per_device_train_batch_size=32, learning_rate=2e-4, warmup_ratio=0.1, lr_scheduler_type="linear", logging_steps=1,
    save_strategy="no", report_to="none", use_cpu=True, seed=42, dataloader_num_workers=0, disable_tqdm=True)
trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=ds,
                                     loss=MultipleNegativesRankingLoss(model, scale=20.0))
trainer.train()
os.makedirs(a.out, exist_ok=True)
model.save_pretrained(a.out)
log = [{k: float(v) for k, v in h.items()} for h in trainer.state.log_history if "loss" in h]
json.dump(log, open(os.path.join(a.out, "log.json"), "w"), indent=1)
print(json.dumps(log[:3], indent=1))
