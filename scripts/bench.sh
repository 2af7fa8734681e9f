#!/usr/bin/env bash
# Runs Exemplar's benchmarks and, when the Python peer venv exists (../shared/peers/encoder/setup.sh), the peer's
# scripts on the same machine in the same sitting, then prints the ratios. Results: runs/bench/<timestamp>/.
#
#   scripts/bench.sh [encode] [search] [train] [decode] [sft] [serve]  (default: encode)
# train: LoRA and QLoRA fine-tuning of MiniLM on GSM8K pairs (configs/encoder-gsm8k.yaml) for TRAIN_STEPS steps
# (default 30), and the peer's train_lora.py for as many; steady pairs/s over the steps after the first five, as the
# peer counts them.
# decode: per model in $DECODE_MODELS (default: both proxies), $DECODE_ROUNDS (3) rounds of the peer
# ../shared/peers/decoder/bench_decode.py on the converted HF directory (transformers fp32, 2 threads), llama.cpp
# (../shared/peers/decoder/bench_llamacpp.py: llama-cpp-python in the peer venv, 2 threads, the same GGUF file), then
# `exemplar bench decode` per format in $DECODE_WEIGHTS (default: f32 int8 q4 gguf), one timed run each; prints each
# JSON and the median over rounds of each ratio to the peers' runs of the same round (llama.cpp: batch 1 and prefill).
# sft: per model in $SFT_MODELS (default: both proxies), the peer's ../shared/peers/decoder/lora_step.py (transformers
# + PEFT fp32, r 16 on the seven projections, batch 4, each example padded/truncated to 256 tokens) for $SFT_STEPS
# steps (default 5), then `exemplar train-decoder` with the same recipe (r 16 / alpha 32 / dropout 0, batch 4 without
# accumulation, max_length 256, the first examples of GSM8K train) for as many steps: LoRA and QLoRA with gradient
# checkpointing (the default), and LoRA keeping every block's activations (lora-stored, as the peer runs);
# prints examples/s (the same 4 examples a step on both sides), the ratio, peak RSS, GFLOP/s and fraction of the
# sgemm peak. EXEMPLAR=path skips the release build.
# serve: `exemplar serve` (MiniLM + the Qwen GGUF with --decoder-weights gguf) on a free loopback port, loaded by
# scripts/serve-load.py: $SERVE_EMBED_COUNT (400) single GSM8K test questions to /v1/embeddings at concurrency 1, 8,
# 32, 64, and $SERVE_CHAT_COUNT (16) chat completions (max_tokens $SERVE_MAX_TOKENS, 64, greedy) at concurrency 1, 4,
# 8; beside `bench encode` (offline sentences/s) and `bench decode --weights gguf` at batch 1, 4, 8. In the same
# sitting, the chat load against llama-cpp-python's server (the peer venv, same GGUF, 2 threads) when it is installed.
# Prints the ratios.
# Run nothing else heavy meanwhile: the machines are shared and noisy; quote ratios, not absolute figures.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/peers}
PY=${PYTHON:-${PEER_HOME:-$HOME/.cache/exemplar-peers}/venv/bin/python}
OUT=runs/bench/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
if [ -n "${EXEMPLAR:-}" ]; then B=$EXEMPLAR; else swift build -c release --product exemplar >&2; B=.build/release/exemplar; fi
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
          --set training.max_steps=$steps --set training.checkpoint_every=1000 --set training.eval_every=null \
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
for mode in ("lora", "lora-stored", "qlora"):
    o = json.load(open(f"{out}/train-{mode}.json"))
    path = f"{out}/peer-train-{mode}.json"
    p = json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) > 0 else {}
    ratio = f"{o['pairs_per_s'] / p['pairs_per_s']:.2f}x the peer ({p['pairs_per_s']} pairs/s, peak RSS {p['peak_rss_mib']} MiB)" if p else "no peer run"
    print(f"{mode}: {o['pairs_per_s']:.2f} pairs/s, {o['gflops']:.1f} GFLOP/s ({o['fraction_of_sgemm_peak']:.0%} of the "
          f"sgemm peak, {o['fraction_of_sgemm_peak_per_core']:.0%} per busy core), peak RSS {o['peak_rss_mib']:.0f} MiB — {ratio}")
PY
      ;;
    decode)
      # Rounds of (peer, then each format), one timed run each: every ratio compares runs a minute or two apart, and
      # the table gives the median over the rounds of each ratio (the machine's load changes from minute to minute).
      PEER_MODELS=${PEER_MODELS:-${PEER_HOME:-$HOME/.cache/exemplar-peers}/models}
      for m in ${DECODE_MODELS:-SmolLM2-135M-Instruct Qwen2.5-Coder-0.5B-Instruct}; do
        case "$m" in
          SmolLM2-135M-Instruct) peer_dir=$PEER_MODELS/smollm2-135m-instruct-hf ;;
          Qwen2.5-Coder-0.5B-Instruct) peer_dir=$PEER_MODELS/qwen2.5-coder-0.5b-instruct-hf ;;
          *) peer_dir=$PEER_MODELS/$m ;;
        esac
        for r in $(seq 1 "${DECODE_ROUNDS:-3}"); do
          if [ -x "$PY" ] && [ -d "$peer_dir" ]; then
            echo "round $r, peer decode $m: $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)" >&2
            (cd "$PEERS/decoder" && GSM8K_DIR="$OLDPWD/data/gsm8k" "$PY" bench_decode.py "$peer_dir" --runs 1 \
               --out "$OLDPWD/$OUT/peer-decode-$m-r$r.json") > /dev/null 2>&1
            cat "$OUT/peer-decode-$m-r$r.json"
          fi
          gguf=$(ls models/$m/*.gguf 2> /dev/null | head -1)
          if [ -x "$PY" ] && [ -n "$gguf" ] && "$PY" -c 'import llama_cpp' 2> /dev/null; then
            echo "round $r, llama.cpp decode $m: $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)" >&2
            (cd "$PEERS/decoder" && GSM8K_DIR="$OLDPWD/data/gsm8k" "$PY" bench_llamacpp.py "$OLDPWD/$gguf" --runs 1) \
              > "$OUT/llamacpp-$m-r$r.json" 2> "$OUT/llamacpp-$m-r$r.log" || echo "bench_llamacpp.py failed: $OUT/llamacpp-$m-r$r.log" >&2
            cat "$OUT/llamacpp-$m-r$r.json"
          fi
          for wf in ${DECODE_WEIGHTS:-f32 int8 q4 gguf}; do
            echo "round $r, exemplar decode $m $wf: $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)" >&2
            $B bench decode --model "models/$m" --weights "$wf" --runs 1 > "$OUT/decode-$m-$wf-r$r.json" 2> /dev/null
            cat "$OUT/decode-$m-$wf-r$r.json"
          done
        done
      done
      python3 - "$OUT" <<'PY'
import glob, json, os, re, statistics, sys
out = sys.argv[1]
metrics = [("bs1 decode", "bs1_decode_tok_s", lambda o: o["bs1"]["decode_tok_s"]),
           ("bs8 decode", "bs8_decode_tok_s", lambda o: o["bs8"]["decode_tok_s"]),
           ("prefill", "prefill_tok_s", lambda o: o["prefill"]["tok_s"])]
runs = {}
for path in glob.glob(f"{out}/*decode-*-r*.json") + glob.glob(f"{out}/llamacpp-*-r*.json"):
    name = os.path.basename(path)[:-5]
    if os.path.getsize(path) == 0:
        continue
    if m := re.match(r"peer-decode-(.+)-r(\d+)$", name):
        model, fmt, r = m.group(1), "peer", m.group(2)
    elif m := re.match(r"llamacpp-(.+)-r(\d+)$", name):
        model, fmt, r = m.group(1), "llama.cpp", m.group(2)
    else:
        model, fmt, r = re.match(r"decode-(.+)-(\w+)-r(\d+)$", name).groups()
    runs.setdefault(model, {}).setdefault(fmt, {})[int(r)] = json.load(open(path))

def value(fmt, o, metric):
    if fmt == "peer":
        return o.get({"bs1": "bs1_decode_tok_s", "bs8": "bs8_decode_tok_s", "prefill": "prefill_tok_s"}[metric])
    if fmt == "llama.cpp":
        return o.get({"bs1": "decode_bs1_tok_s", "prefill": "prefill_tok_s"}.get(metric, ""))
    return o["prefill"]["tok_s"] if metric == "prefill" else o[metric]["decode_tok_s"]

print("tok/s: median over rounds; (×T) and (×L): median over rounds of ours / transformers' and / llama.cpp's run of the same round")
print(f"{'model':28} {'weights':9} " + " ".join(f"{m + ' tok/s':>30}" for m in ("bs1 decode", "bs8 decode", "prefill"))
      + f" {'peak RSS MiB':>13}")
for model, formats in sorted(runs.items()):
    for fmt in [f for f in ("peer", "llama.cpp", "f32", "int8", "q4", "gguf") if f in formats]:
        cells = []
        for metric in ("bs1", "bs8", "prefill"):
            values = {r: value(fmt, o, metric) for r, o in formats[fmt].items()}
            values = {r: v for r, v in values.items() if v is not None}
            if not values:
                cells.append("—")
                continue
            text = f"{statistics.median(values.values()):8.1f}"
            for peer, tag in (("peer", "T"), ("llama.cpp", "L")):
                if fmt in ("peer", "llama.cpp"):
                    continue
                ratios = [values[r] / value(peer, formats[peer][r], metric) for r in values
                          if r in formats.get(peer, {}) and value(peer, formats[peer][r], metric)]
                if ratios:
                    text += f" ({statistics.median(ratios):4.2f}x{tag})"
            cells.append(text)
        rss = statistics.median(o.get("peak_rss_MiB", 0) for o in formats[fmt].values())
        print(f"{model:28} {fmt:9} " + " ".join(f"{c:>30}" for c in cells) + f" {rss:13.0f}")
PY
      ;;
    sft)
      steps=${SFT_STEPS:-5}
      for m in ${SFT_MODELS:-SmolLM2-135M-Instruct Qwen2.5-Coder-0.5B-Instruct}; do
        case "$m" in
          SmolLM2-135M-Instruct) hf=smollm2-135m-instruct-hf ;;
          Qwen2.5-Coder-0.5B-Instruct) hf=qwen2.5-coder-0.5b-instruct-hf ;;
          *) echo "bench.sh sft: no peer model directory for $m" >&2; exit 2 ;;
        esac
        peer_dir=${PEER_HOME:-$HOME/.cache/exemplar-peers}/models/$hf
        if [ -x "$PY" ] && [ -d "$peer_dir" ]; then
          (cd "$PEERS/decoder" && GSM8K_DIR="$OLDPWD/data/gsm8k" "$PY" lora_step.py "$peer_dir" --steps $((steps + 1)) \
            --out "$OLDPWD/$OUT/peer-sft-$m.json") > "$OUT/peer-sft-$m.log" 2>&1 || echo "peer lora_step.py failed: $OUT/peer-sft-$m.log" >&2
        fi
        for mode in lora lora-stored qlora; do
          # lora_step.py takes train[0:4], train[4:8], …: with no validation split and batch 4 these are the
          # examples of train-decoder's steps too (in a seeded order within the first steps·4). lora-stored keeps
          # every block's activations (no gradient checkpointing, as the peer runs).
          $B train-decoder --config configs/sft-gsm8k.yaml --set model=models/$m --set output_dir="$OUT" \
            --set name=sft-$m-$mode --set lora.qlora=$([ $mode = qlora ] && echo true || echo false) --set lora.dropout=0 \
            --set training.gradient_checkpointing=$([ $mode = lora-stored ] && echo false || echo true) \
            --set data.validation_size=0 --set data.limit=$(((steps + 1) * 4)) --set training.batch_size=4 \
            --set training.gradient_accumulation_steps=1 --set training.max_length=256 --set training.max_steps=$((steps + 1)) \
            --set training.eval_every=null --set training.checkpoint_every=1000 > "$OUT/sft-$m-$mode.json" 2> "$OUT/sft-$m-$mode.log"
        done
        python3 - "$OUT" "$m" <<'PY'
import json, os, sys
out, m = sys.argv[1], sys.argv[2]
peer_path = f"{out}/peer-sft-{m}.json"
peer = json.load(open(peer_path)) if os.path.exists(peer_path) else None
if peer:
    p_eps = peer["batch"] / peer["step_s_median_after_warmup"]
    print(f"{m} peer (transformers + PEFT): {peer['step_s_median_after_warmup']} s/step, {p_eps:.3f} examples/s, "
          f"peak RSS {peer['peak_rss_MiB'] / 1024:.1f} GiB")
for mode in ("lora", "lora-stored", "qlora"):
    o = json.load(open(f"{out}/sft-{m}-{mode}.json"))
    ratio = f", {o['examples_per_s'] / p_eps:.2f}x the peer" if peer else ""
    print(f"{m} exemplar {mode}: {o['examples_per_s']:.3f} examples/s{ratio}, {o['tokens_per_s']:.0f} tokens/s, "
          f"peak RSS {o['peak_rss_mib'] / 1024:.2f} GiB, {o['gflops']:.1f} GFLOP/s "
          f"({o['fraction_of_sgemm_peak']:.0%} of the sgemm peak, {o['fraction_of_sgemm_peak_per_core']:.0%} per busy core)")
PY
      done
      ;;
    serve)
      gguf=$(ls models/Qwen2.5-Coder-0.5B-Instruct/*.gguf | head -1)
      free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
      wait_health() { for _ in $(seq 600); do curl -sf "http://127.0.0.1:$1/$2" > /dev/null && return 0; sleep 0.5; done; return 1; }
      port=$(free_port)
      $B serve --port "$port" --decoder "$gguf" --decoder-weights gguf --set 'indexes=[]' 2> "$OUT/serve.log" &
      server=$!
      trap 'kill $server 2> /dev/null || true' EXIT
      wait_health "$port" health
      python3 scripts/serve-load.py embeddings 127.0.0.1 "$port" all-MiniLM-L6-v2 "${SERVE_EMBED_COUNT:-400}" 1,8,32,64 > "$OUT/serve-embeddings.json"
      python3 scripts/serve-load.py chat 127.0.0.1 "$port" "$(basename "$gguf" .gguf)" "${SERVE_CHAT_COUNT:-16}" 1,4,8 \
        "${SERVE_MAX_TOKENS:-64}" > "$OUT/serve-chat.json"
      kill $server; wait $server 2> /dev/null || true
      $B bench encode > "$OUT/encode.json"
      $B bench decode --model "$gguf" --weights gguf --batch 1,4,8 --new-tokens "${SERVE_MAX_TOKENS:-64}" --prefill-tokens 0 --runs 1 \
        > "$OUT/decode.json"
      if [ -x "$PY" ] && "$PY" -c 'import llama_cpp.server.app' 2> /dev/null; then
        port=$(free_port)
        "$PY" -m llama_cpp.server --model "$gguf" --n_threads 2 --n_ctx 4096 --port "$port" --host 127.0.0.1 2> "$OUT/llamacpp-server.log" &
        peer=$!
        trap 'kill $peer 2> /dev/null || true' EXIT
        wait_health "$port" v1/models
        python3 scripts/serve-load.py chat 127.0.0.1 "$port" "$gguf" "${SERVE_CHAT_COUNT:-16}" 1,4,8 "${SERVE_MAX_TOKENS:-64}" \
          > "$OUT/peer-llamacpp-chat.json"
        kill $peer; wait $peer 2> /dev/null || true
      fi
      python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
load = lambda name: json.load(open(f"{out}/{name}")) if os.path.exists(f"{out}/{name}") else None
offline = load("encode.json")["results"]["train questions"]["sent_per_s"]
decode = load("decode.json")
for level in load("serve-embeddings.json")["levels"]:
    print(f"embeddings c={level['concurrency']}: {level['requests_per_s']} req/s, p50 {level['p50_ms']} ms, p99 {level['p99_ms']} ms, "
          f"{level['errors']} errors — {level['requests_per_s'] / offline:.2f}x bench encode's {offline} sentences/s")
peer = load("peer-llamacpp-chat.json")
peer_levels = {l["concurrency"]: l for l in peer["levels"]} if peer else {}
for level in load("serve-chat.json")["levels"]:
    c = level["concurrency"]
    rate = decode.get(f"bs{c}", {}).get("e2e_tok_s")
    line = (f"chat c={c}: {level['tokens_per_s']} tokens/s, {level['requests_per_s']} req/s, p99 {level['p99_ms']} ms, {level['errors']} errors"
            + (f" — {level['tokens_per_s'] / rate:.2f}x bench decode bs{c} end to end ({rate} tokens/s)" if rate else ""))
    if c in peer_levels:
        p = peer_levels[c]
        line += (f"; llama-cpp-python server {p['tokens_per_s']} tokens/s, p99 {p['p99_ms']} ms, {p['errors']} errors "
                 f"({level['tokens_per_s'] / p['tokens_per_s']:.2f}x)")
    print(line)
PY
      ;;
    *) echo "bench.sh: unknown benchmark $w (encode, search, train, decode, sft, serve)" >&2; exit 2 ;;
  esac
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt" >&2
echo "results in $OUT" >&2
