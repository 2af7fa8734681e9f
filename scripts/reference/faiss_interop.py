"""Interop check: an index file written by Exemplar opens in Python's faiss.read_index with the same ntotal, and
searching the same query vectors gives the same top-k ids as Exemplar.

Inputs are Exemplar's own outputs, so both sides search identical float32 vectors:
  exemplar embed --input data/gsm8k/test.jsonl --field question --output runs/interop/test-questions.npy
  exemplar search --index gsm8k-train --query-vectors runs/interop/test-questions.npy -k 10 > runs/interop/exemplar.json
  python scripts/reference/faiss_interop.py indexes/gsm8k-train.faiss runs/interop/test-questions.npy runs/interop/exemplar.json
(scripts/reference/faiss_interop.sh runs all three.) Prints one JSON object; exits 1 if ntotal or any id list differs.
"""
import json, sys
import numpy as np, faiss

index_path, queries_path, exemplar_path = sys.argv[1:4]
index = faiss.read_index(index_path)
queries = np.load(queries_path).astype(np.float32)
ours = json.load(open(exemplar_path))
k = ours["k"]
D, I = index.search(queries, k)
their_ids = np.array([[hit["id"] for hit in row] for row in ours["results"]], dtype=np.int64)
their_scores = np.array([[hit["score"] for hit in row] for row in ours["results"]], dtype=np.float32)
same_rows = int((I == their_ids).all(axis=1).sum())
report = {
    "faiss_python_version": faiss.__version__,
    "index": index_path,
    "index_type": type(index).__name__,
    "inner_index_type": type(faiss.downcast_index(index.index)).__name__ if hasattr(index, "index") else None,
    "ntotal_python": int(index.ntotal), "ntotal_exemplar": ours["vectors"], "d": int(index.d),
    "queries": int(len(queries)), "k": k,
    "queries_with_identical_top_k_ids": same_rows,
    "queries_with_identical_top_1_id": int((I[:, 0] == their_ids[:, 0]).sum()),
    "max_abs_score_difference": float(np.abs(D - their_scores).max()),
}
print(json.dumps(report, indent=1))
sys.exit(0 if report["ntotal_python"] == report["ntotal_exemplar"] and same_rows == len(queries) else 1)
