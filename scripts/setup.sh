#!/usr/bin/env bash
# Installs what building and testing queue-playground needs. Idempotent: each step runs only
# when its tool is missing or at the wrong version, so a second run takes about a second.
#   - rust target wasm32-unknown-unknown
#   - trunk 0.21.14                      (cargo install --locked; ~8-10 min on 2 cores)
#   - wasm-bindgen-cli = Cargo.lock's wasm-bindgen version (cargo install, no --locked; ~5 min)
#   - wasm-split-cli 0.2.3 (crate wasm_split_cli_support; cargo install --locked; ~2 min): splits
#     the page's wasm after trunk's build (scripts/split-wasm.sh)
#   - Debian chromium + chromium-driver + fonts-noto-cjk  (apt-get)
#   - python3 (apt-get), which checks that the generated pika programs are valid Python
#   - rabbitmq-server 3.10 and python3-venv (apt-get), and a venv with pika pinned
#     (tests/conformance/requirements.txt) in target/conformance-venv: the conformance layer
#   - a venv with kafka-python pinned (tests/kafka/requirements.txt) in target/kafka-venv:
#     tests/kafka_code.rs builds the generated Kafka programs with the real package
#   - a venv with pyzmq pinned (tests/zmq_conformance/requirements.txt; its wheel bundles libzmq
#     4.3.5) in target/zmq-venv: the ZeroMQ conformance layer runs the generated programs with it
#   - node_modules from package-lock.json (npm ci): playwright-core, binaryen (wasm-opt 132), axe-core
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$QP_ROOT"

TRUNK_VERSION=0.21.14
log() { printf '[setup] %s\n' "$*"; }

# 1. wasm target
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. trunk
have_trunk="$(trunk --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$have_trunk" != "$TRUNK_VERSION" ]]; then
  log "installing trunk $TRUNK_VERSION (found: ${have_trunk:-none}); this takes several minutes"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# 3. wasm-bindgen-cli matching Cargo.lock (also provides wasm-bindgen-test-runner)
WBG_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"
if [[ -z "$WBG_VERSION" ]]; then
  echo "[setup] could not read the wasm-bindgen version from Cargo.lock" >&2
  exit 1
fi
have_wbg="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
have_runner="$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$have_wbg" != "$WBG_VERSION" || "$have_runner" != "$WBG_VERSION" ]]; then
  log "installing wasm-bindgen-cli $WBG_VERSION (found: ${have_wbg:-none}); this takes several minutes"
  # No --locked: one of its locked dependencies is newer than the registry here offers.
  cargo install wasm-bindgen-cli --version "$WBG_VERSION" --force
fi
if ! grep -q "wasm_bindgen = \"$WBG_VERSION\"" Trunk.toml; then
  echo "[setup] warning: Trunk.toml [tools] wasm_bindgen differs from Cargo.lock's $WBG_VERSION" >&2
fi

# 3b. wasm-split-cli (the post-build hook in Trunk.toml splits the page's wasm with it)
WSPLIT_VERSION=0.2.3
if ! cargo install --list 2>/dev/null | grep -qx "wasm_split_cli_support v$WSPLIT_VERSION:" || ! command -v wasm-split-cli >/dev/null; then
  log "installing wasm-split-cli $WSPLIT_VERSION (wasm_split_cli_support); about two minutes"
  cargo install --locked wasm_split_cli_support --version "$WSPLIT_VERSION" --features build-binary --force
fi

# 4. Debian chromium + chromedriver, and a CJK font so Chinese text renders in screenshots
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver || ! -d /usr/share/fonts/opentype/noto || ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] \
    || ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  log "installing chromium, chromium-driver, fonts-noto-cjk, python3, python3-venv and rabbitmq-server (apt-get)"
  SUDO=""
  if [[ "$(id -u)" != 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update </dev/null
  $SUDO apt-get install -y chromium chromium-driver fonts-noto-cjk python3 python3-venv rabbitmq-server </dev/null
fi

# 4b. pinned Python venvs: VENV MODULE VERSION REQUIREMENTS (re)made when MODULE is missing
#     or at another version
pinned_venv() {
  local venv="$QP_ROOT/$1" module="$2" version="$3" requirements="$4"
  if ! "$venv/bin/python" -c "import $module, sys; sys.exit($module.__version__ != '$version')" 2>/dev/null; then
    log "creating $venv with $(tr '\n' ' ' < "$requirements")"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" </dev/null
  fi
}
# the conformance layer's pika
pinned_venv target/conformance-venv pika 1.3.2 tests/conformance/requirements.txt
VENV="$QP_ROOT/target/conformance-venv"
# the Kafka code check's kafka-python (tests/kafka_code.rs builds every generated
# KafkaProducer/KafkaConsumer with the real package; no broker)
pinned_venv target/kafka-venv kafka 3.0.12 tests/kafka/requirements.txt
KAFKA_VENV="$QP_ROOT/target/kafka-venv"
# the ZeroMQ conformance layer's pyzmq (tests/zmq_conformance/compare.py runs the generated
# programs as real processes with it; the wheel bundles libzmq, so nothing else is installed)
pinned_venv target/zmq-venv zmq 27.3.0 tests/zmq_conformance/requirements.txt
ZMQ_VENV="$QP_ROOT/target/zmq-venv"

# 5. pinned node tools
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "npm ci (playwright-core, binaryen, axe-core)"
  npm ci --no-audit --no-fund </dev/null
fi

log "ok: $(trunk --version), wasm-bindgen $(wasm-bindgen --version | awk '{print $2}'), $(wasm-opt --version | head -n1), node $(node --version), rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo '?'), pika $("$VENV/bin/python" -c 'import pika; print(pika.__version__)'), kafka-python $("$KAFKA_VENV/bin/python" -c 'import kafka; print(kafka.__version__)'), pyzmq $("$ZMQ_VENV/bin/python" -c 'import zmq; print(zmq.__version__, "libzmq", zmq.zmq_version())')"
