"""torch.randperm on the CPU with a seeded generator, and the order in which sentence-transformers' trainer visits
GSM8K train pairs, for the Swift MersenneTwister tests.

Writes Tests/Fixtures/torch_randperm.json:
  cases: for (seed, n), the first permutations drawn one after another from torch.Generator().manual_seed(seed)
         (as RandomSampler draws one per epoch).
  trainer_batches: the first 3 batches (indices) and the batch count of SentenceTransformerTrainer's train dataloader
         over the 7473 GSM8K train pairs with the peer's arguments (batch 32, seed 42): the order train_lora.py trains in.

Run from the repository root: ~/.cache/exemplar-peers/venv/bin/python scripts/reference/torch_randperm_fixtures.py
"""
import json, os, sys
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from reference_inputs import FETCH_DATA, FETCH_MINILM, require

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
require(os.path.join(ROOT, "models", "all-MiniLM-L6-v2", "model.safetensors"), FETCH_MINILM)
require(os.path.join(ROOT, "data", "gsm8k", "train.jsonl"), FETCH_DATA)
out = {"torch": torch.__version__, "cases": []}
for seed, n, perms in [(42, 7473, 2), (0, 10, 3), (1234567, 1000, 1), (2**32 + 5, 50, 1)]:
    g = torch.Generator(); g.manual_seed(seed)
    ps = [torch.randperm(n, generator=g).tolist() for _ in range(perms)]
    out["cases"].append({"seed": seed, "n": n, "permutations": ps})

from datasets import Dataset
from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
model = SentenceTransformer(os.path.join(ROOT, "models", "all-MiniLM-L6-v2"), device="cpu")
rows = [json.loads(l) for l in open(os.path.join(ROOT, "data", "gsm8k", "train.jsonl")) if l.strip()]
ds = Dataset.from_dict({"anchor": [r["question"] for r in rows], "positive": [r["answer"] for r in rows]})
args = SentenceTransformerTrainingArguments(
    output_dir="/tmp/torch-randperm-fixture", num_train_epochs=1, per_device_train_batch_size=32, learning_rate=2e-4,
    warmup_ratio=0.1, lr_scheduler_type="linear", save_strategy="no", report_to="none", use_cpu=True, seed=42,
    dataloader_num_workers=0, disable_tqdm=True)
trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=ds, loss=MultipleNegativesRankingLoss(model))
batches = list(iter(trainer.get_train_dataloader().batch_sampler))
out["trainer_batches"] = {"pairs": len(rows), "batch_size": 32, "seed": 42, "count": len(batches),
                          "first": batches[:3], "last": batches[-1],
                          "warmup_steps": trainer.args.get_warmup_steps(len(batches))}
path = os.path.join(ROOT, "Tests", "Fixtures", "torch_randperm.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(f"wrote {path} ({os.path.getsize(path)} bytes)", file=sys.stderr)
