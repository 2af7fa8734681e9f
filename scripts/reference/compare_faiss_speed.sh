#!/usr/bin/env bash
# FAISS speed through Exemplar vs Python faiss-cpu on the same vectors, alternating the two ROUNDS times (default 5)
# so that load from other processes hits both alike; prints one JSON line per run (side, load average, results).
# Needs runs/interop/{train,test}-questions.npy (`exemplar embed` of the GSM8K train and test questions).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-$HOME/.cache/exemplar-peers/venv/bin/python}
B=.build/release/exemplar
XB=runs/interop/train-questions.npy XQ=runs/interop/test-questions.npy
for _ in $(seq "${ROUNDS:-5}"); do
  echo "{\"side\": \"python\", \"load\": \"$(cut -d' ' -f1 /proc/loadavg)\", \"result\": $("$PYTHON" scripts/reference/bench_faiss_npy.py "$XB" "$XQ")}"
  echo "{\"side\": \"exemplar\", \"load\": \"$(cut -d' ' -f1 /proc/loadavg)\", \"result\": $($B bench search --corpus-vectors "$XB" --query-vectors "$XQ" --latency-queries 10 2>/dev/null | tr -d '\n')}"
done
