#!/usr/bin/env bash
# The exported TRL job against train-decoder: both start from the same adapter and train SmolLM2-135M-Instruct for
# 3 steps on the same 12 examples in the same order (dropout 0); prints each step's loss, gradient norm and learning
# rate side by side with the relative loss difference, and exits non-zero if one exceeds 1e-3.
# Needs (TRL venv pins: scripts/reference/requirements-trl.txt): a built exemplar (EXEMPLAR, default .build/release/exemplar), the peer's HF directory of SmolLM2
# (../shared/peers/decoder/setup.sh) and a TRL venv (TRL_PYTHON, default ~/.cache/exemplar/trl-venv/bin/python: torch
# CPU wheel + pip install trl peft accelerate datasets).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${EXEMPLAR:-.build/release/exemplar}
PY=${TRL_PYTHON:-$HOME/.cache/exemplar/trl-venv/bin/python}
HF=${SMOLLM2_HF:-${PEER_HOME:-$HOME/.cache/exemplar-peers}/models/smollm2-135m-instruct-hf}
OUT=${OUT:-runs/trl-check}
for need in "$B" "$PY" "$HF/config.json"; do [ -e "$need" ] || { echo "trl_export_check: $need is missing" >&2; exit 1; }; done
rm -rf "$OUT" && mkdir -p "$OUT"
S=(--config configs/sft-gsm8k.yaml --set model=models/SmolLM2-135M-Instruct --set data.limit=24 --set data.validation_size=0
   --set lora.dropout=0 --set training.batch_size=2 --set training.gradient_accumulation_steps=2 --set training.eval_every=null)
# One starting adapter for both sides (A as train-decoder draws it; one step at warm-up step 0 leaves B at zero).
"$B" train-decoder "${S[@]}" --set training.max_steps=1 --set training.seed=7 --set output_dir="$OUT" --set name=init >/dev/null
S+=(--set init_adapter="$OUT/init/adapter" --set training.max_steps=3)
"$B" train-decoder "${S[@]}" --set output_dir="$OUT" --set name=exemplar >/dev/null
"$B" export sft "${S[@]}" --format trl --out "$OUT/trl"
"$PY" "$OUT/trl/train_sft.py" --model "$HF" --init-adapter "$OUT/init/adapter" --output-dir "$OUT/trl/output" >/dev/null 2>&1
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
ours = [json.loads(l) for l in open(f"{out}/exemplar/metrics.jsonl")]
trl = [r for r in map(json.loads, open(f"{out}/trl/output/log.jsonl")) if "loss" in r and "train_loss" not in r]
worst = 0
print("step  exemplar loss  TRL loss   relative  | grad norm exemplar / TRL | lr exemplar / TRL")
for a, b in zip(ours, trl):
    rel = abs(a["loss"] - b["loss"]) / b["loss"]
    worst = max(worst, rel)
    print(f"{a['step']:4d}  {a['loss']:.6f}    {b['loss']:.6f}  {rel:.1e}  | {a['grad_norm']:.5f} / {b['grad_norm']:.5f} | {a['lr']:.2e} / {b['learning_rate']:.2e}")
assert len(ours) == len(trl) == 3, (len(ours), len(trl))
print(f"worst relative loss difference {worst:.1e} (bound 1e-3)")
sys.exit(0 if worst <= 1e-3 else 1)
PY
