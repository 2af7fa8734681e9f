#!/usr/bin/env bash
# Regenerates the reference fixtures under Tests/Fixtures/ by running every generator in scripts/reference/
# (each `*_fixtures.py`, and `*_fixture.py`) one after the other, from the repository root, with no arguments:
# every generator defaults its paths relative to the repository root.
#
#   scripts/gen-fixtures.sh                 # uses ~/.cache/exemplar-peers/venv/bin/python
#   PYTHON=/path/to/python scripts/gen-fixtures.sh
#
# The Python environment is the peer venv (CPU torch, transformers, sentence-transformers, ...): build it once per
# machine with ../shared/peers/encoder/setup.sh. Generators need models/ and data/ (scripts/fetch-models.sh,
# scripts/fetch-data.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-${PEER_HOME:-$HOME/.cache/exemplar-peers}/venv/bin/python}

if [ ! -x "$PY" ]; then
  cat >&2 <<MSG
gen-fixtures: no Python at $PY
Build the reference venv (outside the repo, once per machine; it installs the CPU torch wheel, transformers,
sentence-transformers, peft, faiss-cpu into ~/.cache/exemplar-peers/venv, or under \$PEER_HOME):
    ../shared/peers/encoder/setup.sh
or point PYTHON at an interpreter that has them:  PYTHON=/path/to/python scripts/gen-fixtures.sh
MSG
  exit 1
fi

shopt -s nullglob
gens=(scripts/reference/*_fixtures.py scripts/reference/*_fixture.py)
[ ${#gens[@]} -gt 0 ] || { echo "gen-fixtures: no generators in scripts/reference/" >&2; exit 1; }
for g in "${gens[@]}"; do
  echo "gen-fixtures: $g" >&2
  "$PY" "$g"
done
echo "gen-fixtures: done (${#gens[@]} generators)" >&2
