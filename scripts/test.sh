#!/usr/bin/env bash
# Runs the whole test suite on a fresh clone: installs what is missing (system libraries, data, the model files the
# tests use), builds, then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all-MiniLM-L6-v2 SmolLM2-135M-Instruct Qwen2.5-Coder-0.5B-Instruct
swift build --build-tests
# The suite's log is long; on failure, repeat the failing assertions at the end where a truncated log still shows them.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! swift test --skip-build "$@" 2>&1 | tee "$log"; then
    echo "=== failing tests ==="
    grep -E "error: |: error|Test Case .* failed|Fatal error|Crash" "$log" || true
    exit 1
fi
