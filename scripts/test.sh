#!/usr/bin/env bash
# The one test command: bash scripts/test.sh
# Layers, in order, stopping at the first failure:
#   1. native   cargo test --locked                     (engine, scenarios, CLI: every native test)
#   2. build    trunk build --release                   (dist/: wasm + JS + CSS, wasm-opt -Oz)
#   3. wasm     cargo test --target wasm32 --test web   (wasm-bindgen-test in headless Chromium)
#   4. e2e      node --test tests/e2e/                  (dist/ in Chromium via playwright-core)
#   5. real     tests/conformance/compare.py            (the engine vs a private RabbitMQ 3.10 +
#                                                        pika 1.3.2, scripts/rabbit.sh, loopback;
#                                                        the cluster scenarios on a private
#                                                        3-node cluster, started for them)
#   6. zeromq   tests/zmq_conformance/compare.py        (the engine vs real pyzmq 27.3.0 / libzmq
#                                                        4.3.5 programs as processes on loopback,
#                                                        with the scenarios' kills and restarts)
# Works with CI=true and no standard input. Artifacts (screenshots): target/e2e-artifacts/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$QP_ROOT"
exec </dev/null

T0=$SECONDS
LAYER="setup"
LAYER_T0=$SECONDS
banner() {
  LAYER="$1"
  LAYER_T0=$SECONDS
  printf '\n==================== %s ====================\n' "$1"
}
done_layer() { printf -- '---- %s: ok (%ss)\n' "$LAYER" "$((SECONDS - LAYER_T0))"; }
trap 'rc=$?; if [[ $rc -ne 0 ]]; then printf "\n[test] FAILED in layer: %s (exit %s, after %ss)\n" "$LAYER" "$rc" "$((SECONDS - T0))" >&2; fi' EXIT

banner "setup: scripts/setup.sh"
bash scripts/setup.sh
done_layer

banner "1/6 native tests: cargo test --locked"
cargo test --locked
done_layer

banner "2/6 web build: trunk build --release"
trunk build --release
ls -l dist/
done_layer

banner "3/6 wasm tests in headless Chromium: cargo test --target wasm32-unknown-unknown --test web"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
CHROMEDRIVER="$CHROMEDRIVER" \
WASM_BINDGEN_TEST_WEBDRIVER_JSON="$QP_ROOT/webdriver.json" \
WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}" \
  cargo test --locked --target wasm32-unknown-unknown --test web
done_layer

banner "4/6 end-to-end in Chromium: node --test tests/e2e/"
printf '[test] layers 1-3 ok after %ss; e2e summary follows\n' "$((SECONDS - T0))"
node --test tests/e2e/
done_layer

banner "5/6 conformance: every catalog scenario on the engine and on a real RabbitMQ"
cargo build --locked --release --bin qp
# The private broker (and the cluster, if a cluster scenario started it) is stopped however
# this layer ends.
trap 'rc=$?; bash scripts/rabbit.sh stop || true; bash scripts/rabbit.sh cluster-stop || true; if [[ $rc -ne 0 ]]; then printf "\n[test] FAILED in layer: %s (exit %s, after %ss)\n" "$LAYER" "$rc" "$((SECONDS - T0))" >&2; fi' EXIT
bash scripts/rabbit.sh start
PORT="${QP_RABBIT_PORT:-5701}"
if [[ "$PORT" == 5701 ]]; then NODE=qp-test@localhost; else NODE="qp-test-$PORT@localhost"; fi
# The cluster's nodes: AMQP ports QP_CLUSTER_PORT (5711) + 0, 1, 2; management + 10000.
C="${QP_CLUSTER_PORT:-5711}"
# The real broker's calibration script (issue 11), in its quick mode: it still runs and its
# figures keep their shape (scripts/calibrate.py; tests/calibration/real-rabbitmq.json).
QP_CALIBRATE_PORT="$PORT" QP_CALIBRATE_REQUIRED=1 target/conformance-venv/bin/python -m unittest tests/calibration/test_calibrate.py
target/conformance-venv/bin/python tests/conformance/compare.py --qp target/release/qp \
  --python target/conformance-venv/bin/python --out target/conformance \
  --port "$PORT" --admin-port $((PORT + 10000)) --rabbitmqctl "/usr/lib/rabbitmq/bin/rabbitmqctl -n $NODE" \
  --kill-broker "bash scripts/rabbit.sh kill" --resume-broker "bash scripts/rabbit.sh resume" \
  --cluster-start "bash scripts/rabbit.sh cluster-start {nodes}" --node-ports "$C,$((C + 1)),$((C + 2))" \
  --node-admin-ports "$((C + 10000)),$((C + 10001)),$((C + 10002))" --node-rabbitmqctl "bash scripts/rabbit.sh cluster-ctl {node}" \
  --kill-node "bash scripts/rabbit.sh cluster-kill {node}" --resume-node "bash scripts/rabbit.sh cluster-resume {node}" \
  $(target/release/qp list | awk '$2 == "rabbitmq" {print $1}') target/ground-truth/*.json tests/conformance/scenarios/*.json
done_layer

banner "6/6 ZeroMQ conformance: every ZeroMQ catalog scenario and ground-truth row on the engine and as real pyzmq programs"
# The engine's report (qp run) against the generated programs (qp code) run as processes on
# 127.0.0.1 with free ports, killed and restarted as the scenario says; a few minutes.
target/zmq-venv/bin/python tests/zmq_conformance/compare.py --qp target/release/qp \
  --python target/zmq-venv/bin/python --out target/zmq-conformance \
  $(target/release/qp list | awk '$2 == "zeromq" {print $1}') tests/zmq_conformance/scenarios/*.json
done_layer
printf '[test] all layers ok in %ss\n' "$((SECONDS - T0))"
