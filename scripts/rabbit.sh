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
#
# A private 3-node cluster (for the scenarios with broker.nodes > 1), beside the single broker:
#   bash scripts/rabbit.sh cluster-start 3   # N fresh nodes, started in parallel, joined into one cluster
#   bash scripts/rabbit.sh cluster-stop      # stops every node of it (also half-started ones)
#   bash scripts/rabbit.sh cluster-kill I    # kill -9 of node I (0-based), keeping its data
#   bash scripts/rabbit.sh cluster-resume I  # starts node I again on its data, waits until it answers
#   bash scripts/rabbit.sh cluster-ctl I ... # rabbitmqctl against node I
# Node I is qp-cluster-<port>@localhost with AMQP port QP_CLUSTER_PORT+I (default 5711, 5712,
# 5713), management +10000 (15711...), distribution +20000 (25711..., on 127.0.0.1 only), its
# data under target/rabbit-cluster/<port>/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
BASE="$QP_ROOT/target/rabbit"
PORT="${QP_RABBIT_PORT:-5701}"
if [[ "$PORT" != 5701 ]]; then BASE="$BASE-$PORT"; fi
if [[ "$PORT" == 5701 ]]; then NODE=qp-test@localhost; else NODE="qp-test-$PORT@localhost"; fi
# The environment of a private node: its data under $1, AMQP port $2 (management +10000,
# distribution +20000), node name $3.
node_env() {
  BASE="$1"
  PORT="$2"
  NODE="$3"
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
}
node_env "$BASE" "$PORT" "$NODE"
# A fresh node's files under $BASE: loopback listeners, the management plugin, no guest limits.
node_files() {
  mkdir -p "$BASE/log" "$BASE/mnesia"
  echo '[rabbitmq_management].' > "$BASE/enabled_plugins"
  printf 'listeners.tcp.1 = 127.0.0.1:%s\nmanagement.tcp.port = %s\nmanagement.tcp.ip = 127.0.0.1\nloopback_users = none\n' "$PORT" $((PORT + 10000)) > "$BASE/rabbitmq.conf"
  echo '[].' > "$BASE/advanced.config"
  : > "$BASE/rabbitmq-env.conf"
}
# The scripts themselves, not Debian's /usr/sbin wrappers (which switch to the rabbitmq user,
# who cannot write under target/): the node runs as whoever runs the tests.
RABBIT_BIN=/usr/lib/rabbitmq/bin
ctl() { "$RABBIT_BIN/rabbitmqctl" -n "$RABBITMQ_NODENAME" "$@"; }

# The environment of cluster node $1 (0-based).
CLUSTER_BASE="$QP_ROOT/target/rabbit-cluster"
CLUSTER_PORT="${QP_CLUSTER_PORT:-5711}"
cluster_node() {
  local port=$((CLUSTER_PORT + $1))
  node_env "$CLUSTER_BASE/$port" "$port" "qp-cluster-$port@localhost"
  # Erlang distribution on loopback only.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}
# Waits until the node of the current environment answers (pid $1: its server, given up on if it exits).
await_node() {
  for _ in $(seq 1 90); do
    if [[ -n "${1:-}" ]] && ! kill -0 "$1" 2>/dev/null; then
      break
    fi
    if ctl await_startup --timeout 5 >/dev/null 2>&1; then
      return 0
    fi
    sleep 1
  done
  echo "[rabbit] $NODE did not start; its log:" >&2
  tail -n 40 "$BASE/log/stdout.log" >&2
  return 1
}
# The Erlang VMs of node $NODE (their environment names it: the command line does not).
node_pids() {
  local pid
  for pid in $(pgrep -u "$(id -u)" beam.smp 2>/dev/null); do
    if { tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null | grep -qx "RABBITMQ_NODENAME=$NODE"; then echo "$pid"; fi
  done
}
stop_node() {
  # Nothing runs under that name (a cluster of an earlier run): nothing to stop.
  if [[ -z "$(node_pids)" ]]; then return 0; fi
  ctl stop >/dev/null 2>&1 &
  local stopping=$!
  # A node that does not stop within 10 s (or never wrote its pid file) is killed.
  for _ in $(seq 1 20); do kill -0 "$stopping" 2>/dev/null || break; sleep 0.5; done
  kill "$stopping" 2>/dev/null || true
  if [[ -f "$BASE/rabbit.pid" ]]; then
    kill -9 "$(cat "$BASE/rabbit.pid")" 2>/dev/null || true
  fi
  for pid in $(node_pids); do kill -9 "$pid" 2>/dev/null || true; done
}

case "${1:-}" in
  cluster-start)
    size="${2:-3}"
    t0=$SECONDS
    bash "$0" cluster-stop >/dev/null 2>&1 || true
    rm -rf "$CLUSTER_BASE"
    pids=()
    for i in $(seq 0 $((size - 1))); do
      (
        cluster_node "$i"
        node_files
        "$RABBIT_BIN/rabbitmq-server" > "$BASE/log/stdout.log" 2>&1 &
        await_node $!
      ) &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    # Nodes 1.. join node 0's cluster (one at a time: a join changes the cluster's membership).
    cluster_node 0
    seed="$NODE"
    for i in $(seq 1 $((size - 1))); do
      cluster_node "$i"
      ctl stop_app >/dev/null
      ctl join_cluster "$seed" >/dev/null
      ctl start_app >/dev/null
    done
    cluster_node 0
    running=$(ctl eval 'length(rabbit_nodes:all_running()).' 2>/dev/null | tail -n 1)
    if [[ "$running" != "$size" ]]; then
      echo "[rabbit] the cluster has $running running nodes, not $size" >&2
      exit 1
    fi
    echo "[rabbit] cluster of $size nodes up in $((SECONDS - t0)) s: amqp 127.0.0.1:$CLUSTER_PORT..$((CLUSTER_PORT + size - 1)), management +10000"
    exit 0
    ;;
  cluster-stop)
    for dir in "$CLUSTER_BASE"/*/; do
      [[ -d "$dir" ]] || continue
      port=$(basename "$dir")
      ( cluster_node $((port - CLUSTER_PORT)); stop_node ) &
    done
    wait
    ;;
  cluster-kill)
    cluster_node "$2"
    if [[ -f "$BASE/rabbit.pid" ]]; then
      kill -9 "$(cat "$BASE/rabbit.pid")" 2>/dev/null || true
    fi
    for pid in $(node_pids); do kill -9 "$pid" 2>/dev/null || true; done
    ;;
  cluster-resume)
    cluster_node "$2"
    "$RABBIT_BIN/rabbitmq-server" >> "$BASE/log/stdout.log" 2>&1 &
    await_node $!
    ;;
  cluster-ctl)
    cluster_node "$2"
    shift 2
    ctl "$@"
    ;;
  start)
    bash "$0" stop >/dev/null 2>&1 || true
    rm -rf "$BASE"
    node_files
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
    echo "usage: $0 start|stop|kill|resume|ctl ARGS | cluster-start [N]|cluster-stop|cluster-kill I|cluster-resume I|cluster-ctl I ARGS" >&2
    exit 2
    ;;
esac
