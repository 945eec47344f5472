#!/usr/bin/env bash
# Dev server: installs what is missing, then serves the playground with live reload.
#   PORT=8080 (default)   RELEASE=1 for an optimised build (wasm-opt, LTO)
#   extra arguments are passed on to `trunk serve`
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$QP_ROOT/scripts/setup.sh"
cd "$QP_ROOT"
# Its own output folder: dist/ stays the release build that scripts/test.sh checks, and a
# dev server and a test run never overwrite each other's files.
args=(--address 127.0.0.1 --port "${PORT:-8080}" --dist "${SERVE_DIST:-target/serve-dist}")
case "${RELEASE:-0}" in 1|true|yes) args+=(--release) ;; esac
echo "[serve] http://127.0.0.1:${PORT:-8080}/"
exec trunk serve "${args[@]}" "$@"
