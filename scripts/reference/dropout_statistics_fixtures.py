"""How much BERT's train-mode dropout moves all-MiniLM-L6-v2's sentence embeddings in PyTorch: the mean over random
masks of 1 − cos(embedding in train mode, embedding in eval mode), averaged over 16 GSM8K texts (the first 8 train
questions and their solutions), for dropout on the hidden states only, on the attention probabilities only, and both.
Exemplar's masks cannot equal torch's, so its dropout is checked in distribution: same places, same scaling, same
effect on the output (EncoderTests/DropoutStatisticsTests).

Writes Tests/Fixtures/minilm_dropout_statistics.json. Run from the repo root with the peer venv:
  ~/.cache/exemplar-peers/venv/bin/python scripts/reference/dropout_statistics_fixtures.py
"""
import json, os, sys
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np, torch
from sentence_transformers import SentenceTransformer
from reference_inputs import FETCH_DATA, FETCH_MINILM, require

torch.set_num_threads(2)
MODEL = sys.argv[1] if len(sys.argv) > 1 else "models/all-MiniLM-L6-v2"
OUT = "Tests/Fixtures/minilm_dropout_statistics.json"
DRAWS = 256
require(os.path.join(MODEL, "model.safetensors"), FETCH_MINILM)
require("data/gsm8k/train.jsonl", FETCH_DATA)

rows = [json.loads(l) for l in open("data/gsm8k/train.jsonl")][:8]
texts = [t for r in rows for t in (r["question"], r["answer"])]
settings = []
for hidden, attention in [(0.1, 0.0), (0.0, 0.1), (0.1, 0.1)]:
    model = SentenceTransformer(MODEL, device="cpu", config_kwargs={
        "hidden_dropout_prob": hidden, "attention_probs_dropout_prob": attention})
    model.max_seq_length = 256
    features = dict(model.tokenize(texts))
    with torch.no_grad():
        model.eval()
        clean = model(dict(features))["sentence_embedding"]
        model.train()
        torch.manual_seed(0)
        draws = [1 - (model(dict(features))["sentence_embedding"] * clean).sum(1).mean().item() for _ in range(DRAWS)]
    settings.append({"hidden_dropout": hidden, "attention_dropout": attention, "draws": DRAWS,
                     "mean_one_minus_cosine": float(np.mean(draws)), "sd_one_minus_cosine": float(np.std(draws, ddof=1))})
    print(settings[-1], flush=True)
with open(OUT + ".tmp", "w") as f:
    json.dump({"texts": texts, "settings": settings}, f, indent=1)
os.replace(OUT + ".tmp", OUT)
