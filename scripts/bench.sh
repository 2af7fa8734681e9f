#!/usr/bin/env bash
# Runs Exemplar's benchmarks and, when the Python peer venv exists (../shared/peers/encoder/setup.sh), the peer's
# scripts on the same machine in the same sitting, then prints the ratios. Results: runs/bench/<timestamp>/.
#
#   scripts/bench.sh [encode] [search] [train] [decode]        (default: encode)
# train: LoRA and QLoRA fine-tuning of MiniLM on GSM8K pairs (configs/encoder-gsm8k.yaml) for TRAIN_STEPS steps
# (default 30), and the peer's train_lora.py for as many; steady pairs/s over the steps after the first five, as the
# peer counts them.
# decode: per model in $DECODE_MODELS (default: both proxies), the peer ../shared/peers/decoder/bench_decode.py on the
# converted HF directory (transformers fp32, 2 threads), then `exemplar bench decode` per format in $DECODE_WEIGHTS
# (default: f32 int8 q4), back to back; prints each JSON and the ratios to the peer.
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
            | python3 -c 'import sys, json; t = sys.stdin.read(); print(json.dumps(json.JSONDecoder().raw_decode(t[t.rindex("{\n \"mode\""):])[0]))' \
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
    decode)
      PEER_MODELS=${PEER_MODELS:-${PEER_HOME:-$HOME/.cache/exemplar-peers}/models}
      for m in ${DECODE_MODELS:-SmolLM2-135M-Instruct Qwen2.5-Coder-0.5B-Instruct}; do
        case "$m" in
          SmolLM2-135M-Instruct) peer_dir=$PEER_MODELS/smollm2-135m-instruct-hf ;;
          Qwen2.5-Coder-0.5B-Instruct) peer_dir=$PEER_MODELS/qwen2.5-coder-0.5b-instruct-hf ;;
          *) peer_dir=$PEER_MODELS/$m ;;
        esac
        if [ -x "$PY" ] && [ -d "$peer_dir" ]; then
          echo "peer decode $m: $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)" >&2
          (cd "$PEERS/decoder" && GSM8K_DIR="$OLDPWD/data/gsm8k" "$PY" bench_decode.py "$peer_dir" --out "$OLDPWD/$OUT/peer-decode-$m.json") >&2
          cat "$OUT/peer-decode-$m.json"
        fi
        for wf in ${DECODE_WEIGHTS:-f32 int8 q4}; do
          echo "exemplar decode $m $wf: $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)" >&2
          $B bench decode --model "models/$m" --weights "$wf" > "$OUT/decode-$m-$wf.json"
          cat "$OUT/decode-$m-$wf.json"
        done
      done
      python3 - "$OUT" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
print(f"{'model':30} {'weights':7} {'bs1 decode tok/s':>22} {'bs8 decode tok/s':>22} {'prefill tok/s':>20} {'peak RSS MiB':>13}")
for path in sorted(glob.glob(f"{out}/decode-*.json")):
    o = json.load(open(path))
    model = os.path.basename(os.path.dirname(o["model"])) if o["model"].endswith(".gguf") else os.path.basename(o["model"])
    peer_path = f"{out}/peer-decode-{model}.json"
    p = json.load(open(peer_path)) if os.path.exists(peer_path) else {}
    def cell(ours, theirs):
        return f"{ours:8.1f} ({ours / theirs:4.1f}x)" if theirs else f"{ours:8.1f}        "
    if p and o["weights"] == "f32":
        print(f"{model:30} {'peer':7} {p['bs1_decode_tok_s']:15.1f}        {p['bs8_decode_tok_s']:15.1f}        "
              f"{p['prefill_tok_s']:13.1f}        {p.get('peak_rss_MiB', 0):13.0f}")
    print(f"{model:30} {o['weights']:7} {cell(o['bs1']['decode_tok_s'], p.get('bs1_decode_tok_s')):>22} "
          f"{cell(o['bs8']['decode_tok_s'], p.get('bs8_decode_tok_s')):>22} "
          f"{cell(o['prefill']['tok_s'], p.get('prefill_tok_s')):>20} {o['peak_rss_MiB']:13.0f}")
PY
      ;;
    *) echo "bench.sh: unknown benchmark $w (encode, search, train, decode)" >&2; exit 2 ;;
  esac
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt" >&2
echo "results in $OUT" >&2
