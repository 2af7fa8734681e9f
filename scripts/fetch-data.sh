#!/usr/bin/env bash
# Puts GSM8K (train, test, test_socratic) and the GSM-Symbolic P2 dev half under data/: copied from ../shared/data/ when
# present, else downloaded from their public sources. Verifies SHA-256 and is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${EXEMPLAR_DATA:-data}
SHARED=${EXEMPLAR_SHARED_DATA:-../shared/data}
GSM8K_URL=https://raw.githubusercontent.com/openai/grade-school-math/master/grade_school_math/data
P2_URL=https://raw.githubusercontent.com/apple/ml-gsm-symbolic/main/generated_data/GSM_p2.jsonl
# The dev half: the 25 GSM-Symbolic template ids kept for evaluation (the other 25 stay unseen).
P2_DEV_IDS="0 3 13 14 15 17 18 19 21 22 25 28 29 34 36 37 38 39 41 42 43 44 46 48 49"

die() { echo "fetch-data: $*" >&2; exit 1; }
check() {  # check FILE SHA
  [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}
get() {  # get DEST SHA SHARED_PATH URL
  local dest=$1 sum=$2 shared=$3 url=$4
  check "$dest" "$sum" && return 0
  mkdir -p "$(dirname "$dest")"
  if [ -f "$shared" ]; then cp "$shared" "$dest.partial"
  else
    echo "fetch-data: downloading $url" >&2
    curl -fsSL --connect-timeout 5 --max-time 120 -o "$dest.partial" "$url" || { rm -f "$dest.partial"; die "cannot download $url"; }
  fi
  mv "$dest.partial" "$dest"
  check "$dest" "$sum" || die "checksum mismatch for $dest"
}

get "$DATA/gsm8k/train.jsonl" 17f347dc51477c50d4efb83959dbb7c56297aba886e5544ee2aaed3024813465 "$SHARED/gsm8k/train.jsonl" "$GSM8K_URL/train.jsonl"
get "$DATA/gsm8k/test.jsonl" 3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14 "$SHARED/gsm8k/test.jsonl" "$GSM8K_URL/test.jsonl"
get "$DATA/gsm8k/test_socratic.jsonl" c96673362fa7a699f4836a9b6474a067448f95fe58064727501ee63ba4c3fdb6 "$SHARED/gsm8k/test_socratic.jsonl" "$GSM8K_URL/test_socratic.jsonl"

P2="$DATA/gsm-symbolic/p2-dev.jsonl"
P2_SUM=f64deb25fd4563c0a51c30afeeb591371177d7f10b497f1e657abc426f7db315
if ! check "$P2" "$P2_SUM"; then
  mkdir -p "$DATA/gsm-symbolic"
  if [ -f "$SHARED/gsm-symbolic/p2-dev.jsonl" ]; then cp "$SHARED/gsm-symbolic/p2-dev.jsonl" "$P2.partial"
  else
    echo "fetch-data: downloading $P2_URL" >&2
    curl -fsSL --connect-timeout 5 --max-time 120 -o "$P2.full" "$P2_URL" || { rm -f "$P2.full"; die "cannot download $P2_URL"; }
    python3 - "$P2.full" "$P2.partial" $P2_DEV_IDS <<'PY'
import json, sys
src, dst, keep = sys.argv[1], sys.argv[2], {int(x) for x in sys.argv[3:]}
with open(src) as f, open(dst, "w") as out:
    for line in f:
        if line.strip() and json.loads(line)["id"] in keep:
            out.write(line if line.endswith("\n") else line + "\n")
PY
    rm -f "$P2.full"
  fi
  mv "$P2.partial" "$P2"
  check "$P2" "$P2_SUM" || echo "fetch-data: note: $P2 differs from the reference copy (checksum); using it anyway" >&2
fi
echo "fetch-data: $DATA ready" >&2
