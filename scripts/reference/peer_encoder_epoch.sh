#!/usr/bin/env bash
# The peer's side of issue 4's quality comparison: one epoch of ../shared/peers/encoder/train_lora.py (LoRA, then
# QLoRA) on GSM8K train pairs, the same recipe as configs/encoder-gsm8k.yaml, each followed by its gsm8k-qa and
# gsm-symbolic-similar evaluation. ~45-55 min of the whole machine per mode: run nothing else meanwhile.
# Writes runs/peer-encoder/<mode>.json (speed, peak RSS, losses and the retrieval metrics) and the adapters beside it;
# a mode whose JSON exists is skipped, so rerunning after an interruption continues with the next one.
#
#   scripts/reference/peer_encoder_epoch.sh [lora] [qlora]        (default: both)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-${PEER_HOME:-$HOME/.cache/exemplar-peers}/venv/bin/python}
PEERS=${PEERS:-../shared/peers}
OUT=runs/peer-encoder
mkdir -p "$OUT"
modes=("$@"); [ ${#modes[@]} -gt 0 ] || modes=(lora qlora)
for mode in "${modes[@]}"; do
  case "$mode" in lora) flag= ;; qlora) flag=--qlora ;; *) echo "unknown mode $mode (lora, qlora)" >&2; exit 2 ;; esac
  [ -s "$OUT/$mode.json" ] && { echo "$OUT/$mode.json exists, skipping $mode" >&2; continue; }
  echo "peer $mode epoch: start $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)" >&2
  (cd "$PEERS/encoder" && GSM8K_DIR="$OLDPWD/data/gsm8k" "$PY" train_lora.py $flag --out "$OLDPWD/$OUT/$mode-adapter") \
    > "$OUT/$mode.log" 2>&1
  # train_lora.py prints the training JSON, then the same JSON with the metrics added: keep the last one.
  python3 -c 'import json, sys; t = open(sys.argv[1]).read(); i = t.rindex("{\n \"mode\""); print(json.dumps(json.JSONDecoder().raw_decode(t[i:])[0], indent=1))' \
    "$OUT/$mode.log" > "$OUT/$mode.json.tmp" && mv "$OUT/$mode.json.tmp" "$OUT/$mode.json"
  echo "peer $mode epoch: end $(date +%T)" >&2
  cat "$OUT/$mode.json"
done
