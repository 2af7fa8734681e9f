"""Reference gradients of in-batch InfoNCE (sentence-transformers MultipleNegativesRankingLoss, scale 20) through
all-MiniLM-L6-v2 with PEFT LoRA adapters (r=8, alpha=16, dropout 0) on every encoder projection, for one fixed batch
of 4 GSM8K (question, answer) pairs at max_seq_length 256. The encoder's dense weights (not the embeddings) are
trainable too, so the fixture checks the full backward, not only the adapters.

LoRA A/B are set from a closed-form pattern both sides can compute (no 1 MB of weights in the fixture):
  A[i, j] = 0.05 * sin(0.37 * i + 0.011 * j + 0.5 * m + 1),  B[i, j] = 0.05 * cos(0.13 * i + 0.7 * j + 0.3 * m)
computed in float64 and rounded to float32, m = the module's index in encoder order (layer-major, then query, key,
value, attention.output.dense, intermediate.dense, output.dense).

Writes Tests/Fixtures/minilm_infonce_gradients.json. Run from the repo root with the peer venv:
  ~/.cache/exemplar-peers/venv/bin/python scripts/reference/infonce_gradient_fixtures.py
"""
import json, math, os, sys
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np, torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
from peft import LoraConfig
from reference_inputs import FETCH_DATA, FETCH_MINILM, require

torch.set_num_threads(2)
MODEL = sys.argv[1] if len(sys.argv) > 1 else "models/all-MiniLM-L6-v2"
DATA = "data/gsm8k/train.jsonl"
OUT = "Tests/Fixtures/minilm_infonce_gradients.json"
require(os.path.join(MODEL, "model.safetensors"), FETCH_MINILM)
require(DATA, FETCH_DATA)
PROJECTIONS = ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
               "intermediate.dense", "output.dense"]

rows = [json.loads(l) for l in open(DATA)][:4]
anchors, positives = [r["question"] for r in rows], [r["answer"] for r in rows]

model = SentenceTransformer(MODEL, device="cpu")
model.max_seq_length = 256
model.add_adapter(LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0,
                             target_modules=r".*encoder\.layer\.\d+\..*(query|key|value|dense)$", bias="none"))
bert = model[0].auto_model
modules = {}
for name, module in bert.named_modules():
    if hasattr(module, "lora_A") and "default" in getattr(module, "lora_A", {}):
        modules[name] = module
order = [f"encoder.layer.{i}.{p}" for i in range(6) for p in PROJECTIONS]
assert sorted(order) == sorted(modules), (sorted(modules)[:3], len(modules))
with torch.no_grad():
    for m, name in enumerate(order):
        A = modules[name].lora_A["default"].weight
        B = modules[name].lora_B["default"].weight
        ai, aj = np.meshgrid(np.arange(A.shape[0]), np.arange(A.shape[1]), indexing="ij")
        bi, bj = np.meshgrid(np.arange(B.shape[0]), np.arange(B.shape[1]), indexing="ij")
        A.copy_(torch.from_numpy((0.05 * np.sin(0.37 * ai + 0.011 * aj + 0.5 * m + 1)).astype(np.float32)))
        B.copy_(torch.from_numpy((0.05 * np.cos(0.13 * bi + 0.7 * bj + 0.3 * m)).astype(np.float32)))
for name, p in bert.named_parameters():
    p.requires_grad = not name.startswith("embeddings.")
model.eval()  # dropout off: a deterministic reference

loss_fn = MultipleNegativesRankingLoss(model, scale=20.0)
features = [model.tokenize(anchors), model.tokenize(positives)]
loss = loss_fn(features, labels=None)
loss.backward()

def summary(t):
    g = t.detach().double().numpy().ravel()
    return {"shape": list(t.shape), "norm": float(np.linalg.norm(g)), "sum": float(g.sum()),
            "head": [float(x) for x in g[:16]], "tail": [float(x) for x in g[-8:]]}

grads = {}
for name, p in bert.named_parameters():
    if p.grad is None:
        continue
    key = name.replace(".default", "").replace("base_layer.", "")
    grads[key] = summary(p.grad)

import sentence_transformers, transformers, peft
json.dump({
    "description": __doc__.strip().splitlines()[0],
    "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                 "sentence_transformers": sentence_transformers.__version__, "peft": peft.__version__},
    "anchors": anchors, "positives": positives, "scale": 20.0, "lora": {"r": 8, "alpha": 16},
    "module_order": order, "loss": float(loss), "gradients": grads,
}, open(OUT, "w"), indent=0)
print(f"wrote {OUT}: loss {float(loss):.6f}, {len(grads)} gradients")
