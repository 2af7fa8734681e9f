#!/usr/bin/env bash
# Makes (once) a Python venv with a real client of OpenAI-compatible servers, outside the repository, for the tests
# that talk to `exemplar serve` with it; prints the venv's python. Reused while its marker matches the pinned version.
#   usage: scripts/client-venv.sh openai|lm-eval|schemathesis
#   openai        the official `openai` package
#   lm-eval       lm-evaluation-harness with its API extra (local-completions; no torch)
#   schemathesis  the OpenAPI fuzzer
#   EXEMPLAR_CLIENT_VENVS  where the venvs live (default: ${XDG_CACHE_HOME:-~/.cache}/exemplar)
set -euo pipefail
case "${1:-}" in
    openai) requirement="openai==2.8.1" ;;
    lm-eval) requirement="lm-eval[api]==0.4.13" ;;
    schemathesis) requirement="schemathesis==4.32.5" ;;
    *) echo "usage: $0 openai|lm-eval|schemathesis" >&2; exit 2 ;;
esac
venv="${EXEMPLAR_CLIENT_VENVS:-${XDG_CACHE_HOME:-$HOME/.cache}/exemplar}/$1-venv"
marker="$venv/.exemplar-${requirement//[^A-Za-z0-9.=-]/_}"
if [[ ! -f "$marker" ]]; then
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$requirement" >&2
    touch "$marker"
fi
echo "$venv/bin/python"
