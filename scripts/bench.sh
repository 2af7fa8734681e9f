#!/usr/bin/env bash
# Runs Exemplar's benchmarks and, when the Python peer venv exists (../shared/peers/encoder/setup.sh), the peer's
# scripts on the same machine in the same sitting, then prints the ratios. Results: runs/bench/<timestamp>/.
#
#   scripts/bench.sh [encode] [search]        (default: encode)
# Run nothing else heavy meanwhile: the machines are shared and noisy; quote ratios, not absolute figures.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/peers}
PY=${PYTHON:-${PEER_HOME:-$HOME/.cache/exemplar-peers}/venv/bin/python}
OUT=runs/bench/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
swift build -c release --product exemplar >&2
B=.build/release/exemplar
what=("$@"); [ ${#what[@]} -gt 0 ] || what=(encode)
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/load.txt" >&2

for w in "${what[@]}"; do
  case "$w" in
    encode)
      $B bench gemm > "$OUT/gemm.json"
      if [ -x "$PY" ]; then
        (cd "$PEERS/encoder" && GSM8K_DIR="$OLDPWD/data/gsm8k" "$PY" bench_encode.py) | tail -1 > "$OUT/peer-encode.json"
      fi
      $B bench encode > "$OUT/encode.json"
      python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
ours = json.load(open(f"{out}/encode.json"))["results"]
peer = json.load(open(f"{out}/peer-encode.json")) if os.path.exists(f"{out}/peer-encode.json") else {}
for name in ("train questions", "train answers"):
    o = ours[name]["sent_per_s"]
    p = peer.get(name, {}).get("sent_per_s")
    ratio = f"{o / p:.2f}x the peer ({p} sentences/s)" if p else "no peer run"
    print(f"{name}: {o} sentences/s, {ours[name]['useful_gflops']} GFLOP/s "
          f"({ours[name]['fraction_of_sgemm_peak']:.0%} of sgemm peak) — {ratio}")
PY
      ;;
    search)
      $B index build --config configs/index-gsm8k.yaml >&2
      $B bench search > "$OUT/search.json"
      if [ -x "$PY" ]; then (cd "$PEERS/encoder" && GSM8K_DIR="$OLDPWD/data/gsm8k" "$PY" bench_faiss.py) > "$OUT/peer-faiss.txt" || true; fi
      cat "$OUT/search.json"
      ;;
    *) echo "bench.sh: unknown benchmark $w (encode, search)" >&2; exit 2 ;;
  esac
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt" >&2
echo "results in $OUT" >&2
