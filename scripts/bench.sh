#!/usr/bin/env bash
# Runs Exemplar's benchmarks and, when the Python peer venv exists (../shared/peers/encoder/setup.sh), the peer's
# scripts on the same machine in the same sitting, then prints the ratios. Results: runs/bench/<timestamp>/.
#
#   scripts/bench.sh [encode] [search] [train]        (default: encode)
# train: LoRA and QLoRA fine-tuning of MiniLM on GSM8K pairs (configs/encoder-gsm8k.yaml) for TRAIN_STEPS steps
# (default 30), and the peer's train_lora.py for as many; steady pairs/s over the steps after the first five, as the
# peer counts them.
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
    train)
      steps=${TRAIN_STEPS:-30}
      for mode in lora qlora; do
        $B train-encoder --config configs/encoder-gsm8k.yaml --set output_dir="$OUT" --set name=train-$mode \
          --set training.max_steps=$steps --set training.checkpoint_every=1000 --set training.eval_every=0 \
          --set lora.qlora=$([ $mode = qlora ] && echo true || echo false) > "$OUT/train-$mode.json"
        if [ -x "$PY" ]; then
          (cd "$PEERS/encoder" && GSM8K_DIR="$OLDPWD/data/gsm8k" "$PY" train_lora.py --max-steps "$steps" --no-eval \
            --out "$OLDPWD/$OUT/peer-$mode-adapter" $([ $mode = qlora ] && echo --qlora)) 2>/dev/null \
            | python3 -c 'import sys, json; t = sys.stdin.read(); print(json.dumps(json.loads(t[t.index("{"):t.rindex("}") + 1])))' \
            > "$OUT/peer-train-$mode.json" || true
        fi
      done
      python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
for mode in ("lora", "qlora"):
    o = json.load(open(f"{out}/train-{mode}.json"))
    path = f"{out}/peer-train-{mode}.json"
    p = json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) > 0 else {}
    ratio = f"{o['pairs_per_s'] / p['pairs_per_s']:.2f}x the peer ({p['pairs_per_s']} pairs/s, peak RSS {p['peak_rss_mib']} MiB)" if p else "no peer run"
    print(f"{mode}: {o['pairs_per_s']:.2f} pairs/s, {o['gflops']:.1f} GFLOP/s ({o['fraction_of_sgemm_peak']:.0%} of the "
          f"sgemm peak, {o['fraction_of_sgemm_peak_per_core']:.0%} per busy core), peak RSS {o['peak_rss_mib']:.0f} MiB — {ratio}")
PY
      ;;
    *) echo "bench.sh: unknown benchmark $w (encode, search, train)" >&2; exit 2 ;;
  esac
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt" >&2
echo "results in $OUT" >&2
