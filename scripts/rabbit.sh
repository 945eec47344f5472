#!/usr/bin/env bash
# A private RabbitMQ for the conformance tests: Debian's rabbitmq-server 3.10 on loopback only,
# its own node name, ports and data under target/rabbit/, stopped at the end.
#   bash scripts/rabbit.sh start   # starts it (wiping its data) and waits until it answers
#   bash scripts/rabbit.sh stop    # stops it (also when it is half started)
#   bash scripts/rabbit.sh ctl ... # rabbitmqctl against it
#   bash scripts/rabbit.sh kill    # kill -9 of the node, keeping its data (a crash)
#   bash scripts/rabbit.sh resume  # starts it again on its data and waits until it answers
# Ports: AMQP 5701, management HTTP 15701 (for rabbitmqadmin), distribution 25701. A second
# private broker on the same machine (another checkout) sets QP_RABBIT_PORT=5702: its node is
# qp-test-5702@localhost and its other ports move with it (15702, 25702).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
BASE="$QP_ROOT/target/rabbit"
PORT="${QP_RABBIT_PORT:-5701}"
if [[ "$PORT" != 5701 ]]; then BASE="$BASE-$PORT"; fi
if [[ "$PORT" == 5701 ]]; then NODE=qp-test@localhost; else NODE="qp-test-$PORT@localhost"; fi
export RABBITMQ_NODENAME="$NODE"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$PORT"
export RABBITMQ_DIST_PORT=$((PORT + 20000))
export RABBITMQ_MNESIA_BASE="$BASE/mnesia"
export RABBITMQ_LOG_BASE="$BASE/log"
export RABBITMQ_PID_FILE="$BASE/rabbit.pid"
export RABBITMQ_ENABLED_PLUGINS_FILE="$BASE/enabled_plugins"
export RABBITMQ_CONFIG_FILE="$BASE/rabbitmq"
export RABBITMQ_ADVANCED_CONFIG_FILE="$BASE/advanced.config"
export RABBITMQ_CONF_ENV_FILE="$BASE/rabbitmq-env.conf"
# The scripts themselves, not Debian's /usr/sbin wrappers (which switch to the rabbitmq user,
# who cannot write under target/): the node runs as whoever runs the tests.
RABBIT_BIN=/usr/lib/rabbitmq/bin
ctl() { "$RABBIT_BIN/rabbitmqctl" -n "$RABBITMQ_NODENAME" "$@"; }

case "${1:-}" in
  start)
    bash "$0" stop >/dev/null 2>&1 || true
    rm -rf "$BASE"
    mkdir -p "$BASE/log" "$BASE/mnesia"
    echo '[rabbitmq_management].' > "$BASE/enabled_plugins"
    printf 'listeners.tcp.1 = 127.0.0.1:%s\nmanagement.tcp.port = %s\nmanagement.tcp.ip = 127.0.0.1\nloopback_users = none\n' "$PORT" $((PORT + 10000)) > "$BASE/rabbitmq.conf"
    echo '[].' > "$BASE/advanced.config"
    : > "$BASE/rabbitmq-env.conf"
    "$RABBIT_BIN/rabbitmq-server" > "$BASE/log/stdout.log" 2>&1 &
    server=$!
    # `await_startup` waits for the node to boot; a first start takes 5-15 s.
    for _ in $(seq 1 60); do
      if ! kill -0 "$server" 2>/dev/null; then
        break
      fi
      if ctl await_startup --timeout 5 >/dev/null 2>&1; then
        echo "[rabbit] $NODE up: amqp 127.0.0.1:$PORT, management 127.0.0.1:$((PORT + 10000))"
        exit 0
      fi
      sleep 1
    done
    echo "[rabbit] the private broker did not start; its log:" >&2
    tail -n 40 "$BASE/log/stdout.log" >&2
    exit 1
    ;;
  kill)
    # A hard kill of the node (kill -9 of its Erlang VM), keeping its data: `resume` restarts it.
    if [[ -f "$BASE/rabbit.pid" ]]; then
      kill -9 "$(cat "$BASE/rabbit.pid")" 2>/dev/null || true
    fi
    pkill -9 -f "beam.*-sname $NODE" 2>/dev/null || pkill -9 -f "beam.*$NODE" 2>/dev/null || true
    ;;
  resume)
    # Starts the node again on the data it has (after `kill`), and waits until it answers.
    "$RABBIT_BIN/rabbitmq-server" >> "$BASE/log/stdout.log" 2>&1 &
    for _ in $(seq 1 60); do
      if ctl await_startup --timeout 5 >/dev/null 2>&1; then
        exit 0
      fi
      sleep 1
    done
    echo "[rabbit] the private broker did not come back" >&2
    exit 1
    ;;
  stop)
    ctl stop >/dev/null 2>&1 || true
    if [[ -f "$BASE/rabbit.pid" ]]; then
      kill -9 "$(cat "$BASE/rabbit.pid")" 2>/dev/null || true
    fi
    # A node that never wrote its pid file: find it by its node name.
    pkill -9 -f "beam.*-sname $NODE" 2>/dev/null || pkill -9 -f "beam.*$NODE" 2>/dev/null || true
    ;;
  ctl)
    shift
    ctl "$@"
    ;;
  *)
    echo "usage: $0 start|stop|kill|resume|ctl ARGS" >&2
    exit 2
    ;;
esac
