#!/usr/bin/env bash
# Runs the FAISS interop check (scripts/reference/faiss_interop.py) on a built index, default gsm8k-train, with the
# GSM8K test questions as queries. Needs a Python with faiss-cpu and numpy: PYTHON (default: the peers' venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
NAME=${1:-gsm8k-train}
PYTHON=${PYTHON:-$HOME/.cache/exemplar-peers/venv/bin/python}
B=.build/release/exemplar
OUT=runs/interop
mkdir -p "$OUT"
[ -f "$OUT/test-questions.npy" ] || $B embed --input data/gsm8k/test.jsonl --field question --output "$OUT/test-questions.npy"
$B search --index "$NAME" --query-vectors "$OUT/test-questions.npy" -k 10 > "$OUT/$NAME.exemplar.json"
"$PYTHON" scripts/reference/faiss_interop.py "indexes/$NAME.faiss" "$OUT/test-questions.npy" "$OUT/$NAME.exemplar.json"
