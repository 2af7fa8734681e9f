"""Reference retrieval metrics of the base all-MiniLM-L6-v2 on the built-in tasks gsm8k-qa and gsm-symbolic-similar.

Writes Tests/Fixtures/retrieval_minilm_gsm8k.json with, for each task,
  - every metric of sentence-transformers' InformationRetrievalEvaluator (its defaults: accuracy@1/3/5/10,
    precision@ and recall@1/3/5/10, ndcg@10, mrr@10, map@100; cosine similarity; the model's own encode), and
  - the peer's numbers (R@1, R@5, R@10, MRR@10 from ../shared/peers/encoder/common.py: encode with batch 64,
    FAISS IndexFlatIP), when the peer directory is there.
The Swift test runs Exemplar's evaluator with the same model on the same tasks and compares within 0.002.

Tasks (ids are 0-based lines; Exemplar's RetrievalTask / BuiltinTask build the same):
  gsm8k-qa              queries: the 1319 GSM8K test questions; corpus: the 1319 test solutions (`answer` field as
                        stored); relevant: the question's own solution.
  gsm-symbolic-similar  queries: the 1250 GSM-Symbolic P2 dev questions; corpus: the 1319 test questions;
                        relevant: the test question on line `original_id`.

Run from the repository root with no arguments (about 3 minutes on 2 cores; scripts/gen-fixtures.sh runs it too):

    ~/.cache/exemplar-peers/venv/bin/python scripts/reference/retrieval_minilm_fixtures.py

Python environment: the peer venv of ../shared/peers/encoder/setup.sh. Needs models/all-MiniLM-L6-v2
(scripts/fetch-models.sh; SHA-256 checked) and data/ (scripts/fetch-data.sh). Torch runs with 2 threads.
"""
import hashlib, json, os, sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODEL_DIR = os.path.join(REPO, "models", "all-MiniLM-L6-v2")
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
GSM8K_TEST = os.path.join(REPO, "data", "gsm8k", "test.jsonl")
P2_DEV = os.path.join(REPO, "data", "gsm-symbolic", "p2-dev.jsonl")
PEER_DIR = os.path.abspath(os.path.join(REPO, "..", "shared", "peers", "encoder"))
OUT = os.path.join(REPO, "Tests", "Fixtures", "retrieval_minilm_gsm8k.json")
MAX_SEQ_LENGTH = 256
THREADS = 2


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    for path, fix in ((os.path.join(MODEL_DIR, "model.safetensors"), "scripts/fetch-models.sh all-MiniLM-L6-v2"),
                      (GSM8K_TEST, "scripts/fetch-data.sh"), (P2_DEV, "scripts/fetch-data.sh")):
        if not os.path.isfile(path):
            sys.exit(f"retrieval_minilm_fixtures: no {path}; run {fix}")
    digest = sha256(os.path.join(MODEL_DIR, "model.safetensors"))
    if digest != MODEL_SHA256:
        sys.exit(f"retrieval_minilm_fixtures: model.safetensors has SHA-256 {digest}, expected {MODEL_SHA256}")

    import numpy as np, torch, sentence_transformers
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator
    torch.set_num_threads(THREADS)

    model = SentenceTransformer(MODEL_DIR, device="cpu")
    model.max_seq_length = MAX_SEQ_LENGTH

    test, p2 = jsonl(GSM8K_TEST), jsonl(P2_DEV)
    # Integer ids: the evaluator breaks score ties by ascending corpus id, numerically here (line order).
    tasks = {
        "gsm8k-qa": ({i: r["question"] for i, r in enumerate(test)}, {i: r["answer"] for i, r in enumerate(test)},
                     {i: {i} for i in range(len(test))}),
        "gsm-symbolic-similar": ({i: r["question"] for i, r in enumerate(p2)},
                                 {i: r["question"] for i, r in enumerate(test)},
                                 {i: {int(r["original_id"])} for i, r in enumerate(p2)}),
    }
    out = {"model": "sentence-transformers/all-MiniLM-L6-v2", "sha256": digest, "max_seq_length": MAX_SEQ_LENGTH,
           "torch_num_threads": THREADS,
           "versions": {"sentence_transformers": sentence_transformers.__version__, "torch": torch.__version__,
                        "numpy": np.__version__},
           "evaluator": "InformationRetrievalEvaluator defaults (batch_size 32, cosine)", "tasks": {}}
    for name, (queries, corpus, relevant) in tasks.items():
        ev = InformationRetrievalEvaluator(queries=queries, corpus=corpus, relevant_docs=relevant, name=name,
                                           write_csv=False)
        result = ev(model)
        prefix = f"{name}_{model.similarity_fn_name}_"
        metrics = {k[len(prefix):]: float(v) for k, v in result.items() if k.startswith(prefix)}
        out["tasks"][name] = {"queries": len(queries), "corpus": len(corpus), "metrics": metrics}
        print(f"retrieval_minilm_fixtures: {name}: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()),
              file=sys.stderr)

    if os.path.isfile(os.path.join(PEER_DIR, "common.py")):
        os.environ["PEER_MODEL"] = MODEL_DIR
        os.environ["GSM8K_DIR"] = os.path.dirname(GSM8K_TEST)
        os.environ["GSM_SYMBOLIC_DEV"] = P2_DEV
        sys.path.insert(0, PEER_DIR)
        import common  # the peer's eval_retrieval.py is `eval_tasks(load_model(...))`
        peer = common.eval_tasks(common.load_model(MODEL_DIR))
        out["peer"] = {"script": "../shared/peers/encoder/eval_retrieval.py (common.eval_tasks)", "tasks": peer}
        print(f"retrieval_minilm_fixtures: peer: {json.dumps(peer)}", file=sys.stderr)
    else:
        print(f"retrieval_minilm_fixtures: no peer at {PEER_DIR}; peer values left out", file=sys.stderr)

    with open(OUT + ".tmp", "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.replace(OUT + ".tmp", OUT)


if __name__ == "__main__":
    main()
