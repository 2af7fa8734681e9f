#!/usr/bin/env bash
# Regenerates the reference fixtures under Tests/Fixtures/ by running every generator in scripts/reference/ one after
# the other, from the repository root: each `*_fixtures.py` and `*_fixture.py` with no arguments (every generator
# defaults its paths relative to the repository root), then `peft_interop.py --make-fixture`, which also needs the
# release build of exemplar (`swift build -c release`; or EXEMPLAR=/path/to/exemplar).
#
#   scripts/gen-fixtures.sh                 # uses ~/.cache/exemplar-peers/venv/bin/python
#   PYTHON=/path/to/python scripts/gen-fixtures.sh
#
# Generators need models/ and data/ (scripts/fetch-models.sh, scripts/fetch-data.sh), and the decoder ones the proxy
# decoders as Hugging Face directories (../shared/peers/decoder/setup.sh). A generator whose inputs are missing
# fails, naming the missing file, and stops the run: no fixture is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${PEER_HOME:-$HOME/.cache/exemplar-peers}/venv
PY=${PYTHON:-$VENV/bin/python}
EXEMPLAR=${EXEMPLAR:-.build/release/exemplar}

if [ ! -x "$PY" ]; then
  torch_wheel=$(find / -maxdepth 3 -name 'torch-*+cpu*.whl' 2>/dev/null | head -1 || true)
  cat >&2 <<MSG
gen-fixtures: no Python at $PY
Build the reference venv once per machine, outside the repository, with the versions pinned in
scripts/reference/requirements.txt; torch comes from the CPU-only wheel on this machine
(${torch_wheel:-none found: look with  find / -maxdepth 3 -name 'torch-*+cpu*.whl'}):
    python3 -m venv $VENV
    $VENV/bin/pip install "${torch_wheel:-/path/to/torch-2.13.0+cpu-….whl}" -r scripts/reference/requirements.txt
The decoder generators also need the proxy decoders as Hugging Face directories: ../shared/peers/decoder/setup.sh.
Or point PYTHON at an interpreter that has those packages:  PYTHON=/path/to/python scripts/gen-fixtures.sh
MSG
  exit 1
fi
if [ ! -x "$EXEMPLAR" ]; then
  echo "gen-fixtures: no exemplar binary at $EXEMPLAR (peft_interop.py --make-fixture embeds with it):" \
       "run  swift build -c release  or set EXEMPLAR=/path/to/exemplar" >&2
  exit 1
fi

shopt -s nullglob
gens=(scripts/reference/*_fixtures.py scripts/reference/*_fixture.py)
[ ${#gens[@]} -gt 0 ] || { echo "gen-fixtures: no generators in scripts/reference/" >&2; exit 1; }
for g in "${gens[@]}"; do
  echo "gen-fixtures: $g" >&2
  "$PY" "$g"
done
echo "gen-fixtures: scripts/reference/peft_interop.py --make-fixture" >&2
"$PY" scripts/reference/peft_interop.py --make-fixture --exemplar "$EXEMPLAR"
echo "gen-fixtures: done ($(( ${#gens[@]} + 1 )) generators)" >&2
