#!/usr/bin/env bash
# Makes (once) a Python venv with the official `openai` client, outside the repository, for the tests that talk to
# `exemplar serve` with it; prints the venv's python. Reused while its marker matches the pinned version.
#   EXEMPLAR_OPENAI_VENV  venv directory (default: ${XDG_CACHE_HOME:-~/.cache}/exemplar/openai-venv)
set -euo pipefail
version="2.8.1"
venv="${EXEMPLAR_OPENAI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/exemplar/openai-venv}"
marker="$venv/.exemplar-openai-$version"
if [[ ! -f "$marker" ]]; then
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "openai==$version" >&2
    touch "$marker"
fi
echo "$venv/bin/python"
