"""PEFT LoRA adapters both ways between Exemplar and Python (sentence-transformers 6 + PEFT) on all-MiniLM-L6-v2.

(a) Exemplar → Python: `--exemplar-adapter DIR` is an adapter written by `exemplar train-encoder` (DIR/adapter or a
    checkpoint). PEFT loads it into the sentence-transformers model (SentenceTransformer.load_adapter), both embed the
    same 50 GSM8K texts (`exemplar embed --adapter DIR`), and the worst cosine similarity between the two embeddings of
    a text is printed (it must be ≥ 0.9999). The base model's worst cosine is printed beside it, and how far the
    adapter moved the embeddings, so a no-op adapter cannot pass unnoticed.
(b) Python → Exemplar: `--make-fixture` creates a PEFT adapter in Python — target_modules ["query", "key", "value",
    "dense"] (so PEFT also wraps the pooler, as a user's adapter would), r 2, alpha 5, B random (non-zero) — saves it
    with sentence-transformers' save_pretrained into Tests/Fixtures/peft_minilm_adapter/ (only adapter_config.json and
    adapter_model.safetensors are kept, the weights as adapter_tensors.json), and writes the Python embeddings of the 50 texts with it to
    Tests/Fixtures/peft_minilm_adapter.json (EncoderTests/PEFTInteropTests checks Exemplar against them). Without
    --make-fixture, (b) runs in a temporary directory and Exemplar's embeddings are compared here.

Run from the repository root after `swift build -c release`:
    ~/.cache/exemplar-peers/venv/bin/python scripts/reference/peft_interop.py --exemplar-adapter runs/NAME/adapter
    ~/.cache/exemplar-peers/venv/bin/python scripts/reference/peft_interop.py --make-fixture
"""
import argparse, base64, json, os, shutil, subprocess, sys, tempfile
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
import numpy as np, torch
import adapter_tensors_json
from reference_inputs import FETCH_DATA, FETCH_MINILM, require

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
FIXTURE_DIR = os.path.join(ROOT, "Tests", "Fixtures", "peft_minilm_adapter")
FIXTURE_JSON = os.path.join(ROOT, "Tests", "Fixtures", "peft_minilm_adapter.json")
TARGETS = ["query", "key", "value", "dense"]

ap = argparse.ArgumentParser()
ap.add_argument("--exemplar", default=os.path.join(ROOT, ".build", "release", "exemplar"))
ap.add_argument("--exemplar-adapter", help="(a): an adapter directory written by exemplar train-encoder")
ap.add_argument("--make-fixture", action="store_true", help="(b): write the fixture under Tests/Fixtures/")
args = ap.parse_args()
torch.set_num_threads(2)
require(os.path.join(MODEL, "model.safetensors"), FETCH_MINILM)
require(os.path.join(ROOT, "data", "gsm8k", "test.jsonl"), FETCH_DATA)
require(args.exemplar, "build it with `swift build -c release`, or pass --exemplar")

from sentence_transformers import SentenceTransformer
from peft import LoraConfig


def texts():
    """25 GSM8K test questions and 25 solutions (every 50th line): short and long inputs."""
    rows = [json.loads(l) for l in open(os.path.join(ROOT, "data", "gsm8k", "test.jsonl")) if l.strip()]
    picked = rows[::50][:25]
    return [r["question"] for r in picked] + [r["answer"] for r in picked]


def python_embeddings(adapter_dir, items):
    model = SentenceTransformer(MODEL, device="cpu")
    if adapter_dir:
        model.load_adapter(adapter_dir)
    model.eval()
    return model.encode(items, batch_size=16, normalize_embeddings=False, convert_to_numpy=True).astype(np.float32)


def exemplar_embeddings(adapter_dir, items):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "texts.jsonl")
        with open(src, "w") as f:
            for t in items:
                f.write(json.dumps({"text": t}) + "\n")
        out = os.path.join(tmp, "emb.npy")
        cmd = [args.exemplar, "embed", "--model", MODEL, "--input", src, "--field", "text", "--output", out]
        if adapter_dir:
            cmd += ["--adapter", adapter_dir]
        subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
        return np.load(out)


def worst_cosine(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float((a * b).sum(1).min())


items = texts()
report = {"texts": len(items)}
base_py = python_embeddings(None, items)
report["base_worst_cosine"] = worst_cosine(base_py, exemplar_embeddings(None, items))

if args.exemplar_adapter:
    py = python_embeddings(args.exemplar_adapter, items)
    ex = exemplar_embeddings(args.exemplar_adapter, items)
    report["a_exemplar_adapter_in_python"] = {
        "adapter": os.path.relpath(os.path.abspath(args.exemplar_adapter), ROOT),
        "worst_cosine": worst_cosine(py, ex),
        "max_abs_difference": float(np.abs(py - ex).max()),
        "adapter_moved_embeddings_min_cosine_to_base": worst_cosine(py, base_py)}

# (b): a PEFT adapter made in Python.
workdir = tempfile.mkdtemp()
try:
    torch.manual_seed(0)
    model = SentenceTransformer(MODEL, device="cpu")
    model.add_adapter(LoraConfig(r=2, lora_alpha=5, lora_dropout=0.0, target_modules=TARGETS, bias="none"))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn_like(p) * 0.05)
    saved = os.path.join(workdir, "st")
    model.save_pretrained(saved)
    adapter = os.path.join(workdir, "adapter")
    os.makedirs(adapter)
    for name in ["adapter_config.json", "adapter_model.safetensors"]:
        shutil.copy(os.path.join(saved, name), os.path.join(adapter, name))
    py = python_embeddings(adapter, items)
    ex = exemplar_embeddings(adapter, items)
    report["b_python_adapter_in_exemplar"] = {"worst_cosine": worst_cosine(py, ex),
                                              "max_abs_difference": float(np.abs(py - ex).max()),
                                              "adapter_moved_embeddings_min_cosine_to_base": worst_cosine(py, base_py)}
    if args.make_fixture:
        shutil.rmtree(FIXTURE_DIR, ignore_errors=True)
        shutil.copytree(adapter, FIXTURE_DIR)
        adapter_tensors_json.convert(FIXTURE_DIR)  # no weight files in the repository
        with open(FIXTURE_JSON, "w") as f:
            json.dump({"model": "all-MiniLM-L6-v2", "adapter": "peft_minilm_adapter", "lora": {"r": 2, "lora_alpha": 5,
                       "target_modules": TARGETS}, "texts": items, "dim": int(py.shape[1]),
                       "embeddings": base64.b64encode(py.astype("<f4").tobytes()).decode()}, f)
        report["fixture"] = [os.path.relpath(FIXTURE_DIR, ROOT), os.path.relpath(FIXTURE_JSON, ROOT)]
finally:
    shutil.rmtree(workdir, ignore_errors=True)

print(json.dumps(report, indent=1))
ok = all(v["worst_cosine"] >= 0.9999 for k, v in report.items() if isinstance(v, dict))
sys.exit(0 if ok else 1)
