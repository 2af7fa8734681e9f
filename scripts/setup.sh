#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine, idempotent: system libraries, then the data and the models named as
# arguments (default: the encoder). Used by quickstart.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES="libopenblas-dev libfaiss-dev libsqlite3-dev"
missing=$(for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  echo "setup: installing $missing" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6 toolchain required)" >&2; exit 1; }

scripts/fetch-data.sh
models=("$@"); [ ${#models[@]} -gt 0 ] || models=(all-MiniLM-L6-v2)
scripts/fetch-models.sh "${models[@]}"
