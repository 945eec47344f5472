#!/usr/bin/env python3
"""Run an exported Queue Playground scenario on a real RabbitMQ and print what happened.

    python3 run.py [--port 5672] [--rabbitmqctl "rabbitmqctl"] [--fresh] [--settle-ms 1500]
    python3 run.py --node-ports 5711,5712,5713 --node-admin-ports 15711,15712,15713 \
        --rabbitmqctl "rabbitmqctl -n node{node}" --kill-broker "..." --resume-broker "..." --fresh

A scenario on several broker nodes (broker.nodes > 1) runs on a cluster: --node-ports gives the
AMQP port of each node (node 0 first), and --node-admin-ports their management ports; the
commands --rabbitmqctl, --kill-broker and --resume-broker name the node as {node} (its index).
Each program connects to its node's host as the page shows it ('rabbit1'): the
instrumentation maps that host to 127.0.0.1 and the node's port (QP_HOSTS), and rabbitmqadmin's
`-H rabbit0` likewise (a wrapper first on PATH); queues are declared on their node (a classic
queue lives there, a quorum queue's leader starts there); a node fault acts on that node; the
final queues are read from a node that is up, and a queue whose node is down at the end is read
after that node is started again on its data (what it kept), marked "home_down".

Reads scenario.json next to it; declares the scenario's exchanges, queues and bindings (with
--fresh it deletes them first, so the run starts empty as the simulation does); starts each
program (<name>.py with this folder's qp_site/ on PYTHONPATH, which records deliveries and
performs exact-point crashes without changing the program; <name>.sh for rabbitmqadmin) at
its start_ms; performs the faults; waits until nothing moves for --settle-ms after the last
scheduled thing; reads every queue; stops what still runs; and prints a JSON report:

    {"scenario": ..., "messages": [{"producer", "data", "published", "deliveries":
     [{"to", "redelivered", "headers"?}], "returned"}], "queues": [{"name", "exists", "depth",
     "unacked", "ready", "ready_headers"?}], "actors": [{"name", "role", "terminal", "exit_error", "status"}],
     "database"?: {"orders", "outbox", "effects"}}   (with an order service: orders.db, effects.db)

Needs Python 3.8+ and pika (pip install pika==1.3.2). Faults it cannot perform make it exit 3
before anything runs.
"""
import argparse
import json
import os
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The ops the instrumentation can crash a program before or after (see qp_site/sitecustomize.py).
OPS = {"print_received", "print_sent", "print_waiting", "basic_ack", "basic_publish", "on_failure", "queue_declare",
       "basic_qos", "confirm_delivery", "basic_consume", "start_consuming", "channel", "close",
       "db_commit", "outbox_delete", "print_saved"}


def stem(name):
    """The actor's file name (file_stem in src/export/mod.rs): one per name."""
    out = "".join(c if (c.isascii() and c.isalnum()) or c == "-" else "_%x_" % ord(c) for c in name)
    return out or "_"


def arguments(queue):
    args = {}
    if queue.get("type") == "quorum":
        args["x-queue-type"] = "quorum"
    for field, key in [("message_ttl_ms", "x-message-ttl"), ("dead_letter_exchange", "x-dead-letter-exchange"),
                       ("dead_letter_routing_key", "x-dead-letter-routing-key"), ("max_length", "x-max-length"),
                       ("delivery_limit", "x-delivery-limit")]:
        if queue.get(field) is not None:
            args[key] = queue[field]
    if queue.get("max_length") is not None and queue.get("overflow") == "reject-publish":
        args["x-overflow"] = "reject-publish"
    return args


def topology(scenario, port, fresh, node_ports=None):
    import pika
    connection = pika.BlockingConnection(pika.ConnectionParameters("localhost", port))
    channel = connection.channel()
    # On a cluster, each queue is declared through a connection to its own node.
    channels = {}

    def on_node(q):
        if not node_ports:
            return channel
        node = q.get("node") or 0
        if node not in channels:
            c = pika.BlockingConnection(pika.ConnectionParameters("localhost", node_ports[node]))
            channels[node] = (c, c.channel())
        return channels[node][1]

    if fresh:
        for q in scenario["queues"]:
            channel.queue_delete(queue=q["name"])
        for e in scenario.get("exchanges", []):
            channel.exchange_delete(exchange=e["name"])
    # A queue or an exchange that does not exist at the start is declared by the programs (or
    # not at all), and so are its bindings.
    exchanges = [e["name"] for e in scenario.get("exchanges", []) if e.get("exists_at_start", True)]
    for e in scenario.get("exchanges", []):
        if e["name"] in exchanges:
            channel.exchange_declare(exchange=e["name"], exchange_type=e["type"], durable=True)
    present = [q["name"] for q in scenario["queues"] if q.get("exists_at_start", True)]
    for q in scenario["queues"]:
        if q["name"] in present:
            on_node(q).queue_declare(queue=q["name"], durable=q.get("durable", False), arguments=arguments(q) or None)
    for b in scenario.get("bindings", []):
        if b["queue"] in present and b["exchange"] in exchanges:
            channel.queue_bind(queue=b["queue"], exchange=b["exchange"], routing_key=b.get("routing_key", ""))
    for c, _ in channels.values():
        c.close()
    connection.close()


class Proxy:
    """A loopback TCP proxy between one program and the broker that can lose the next frame.

    "Frame" as the engine counts them: the next AMQP method frame in one direction (never a
    heartbeat), with its content header and body frames when it carries content (basic.publish,
    basic.deliver). After a loss the connection is reset (both sockets closed with RST) after
    the scenario's network.reset_after_drop_ms, as the engine does.
    """

    def __init__(self, broker_port, reset_ms):
        self.broker_port = broker_port
        self.reset_ms = reset_ms
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.armed = {"up": False, "down": False}  # up: program to broker
        self.lock = threading.Lock()
        self.lost = []
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, direction):
        with self.lock:
            self.armed[direction] = True

    def _accept(self):
        while True:
            client, _ = self.listener.accept()
            broker = socket.create_connection(("127.0.0.1", self.broker_port))
            for s in (client, broker):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pair = (client, broker)
            threading.Thread(target=self._pump, args=(client, broker, "up", pair), daemon=True).start()
            threading.Thread(target=self._pump, args=(broker, client, "down", pair), daemon=True).start()

    def _reset(self, pair):
        # SO_LINGER 0 makes close() send a RST. A pump thread blocked in recv() would keep the
        # socket alive past close() (and the RST unsent until more data came): shutdown(SHUT_RD)
        # wakes it first, without sending anything.
        for s in pair:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.shutdown(socket.SHUT_RD)
            except OSError:
                pass
        for s in pair:
            try:
                s.close()
            except OSError:
                pass

    def _pump(self, source, target, direction, pair):
        buffer = b""
        header_done = direction == "down"
        dropping = 0  # content frames still to drop after a dropped method frame
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    try:
                        target.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                buffer += data
                out = b""
                if not header_done:
                    if len(buffer) < 8:
                        continue
                    out, buffer, header_done = buffer[:8], buffer[8:], True
                while len(buffer) >= 7:
                    kind, _channel, size = struct.unpack(">BHI", buffer[:7])
                    if len(buffer) < 7 + size + 1:
                        break
                    frame, buffer = buffer[:8 + size], buffer[8 + size:]
                    drop = False
                    if dropping and kind in (2, 3):
                        drop = True
                        if kind == 2:
                            dropping = 2 if struct.unpack(">Q", frame[11:19])[0] > 0 else 0
                        else:
                            dropping = 0
                    elif kind == 1:
                        with self.lock:
                            if self.armed[direction]:
                                self.armed[direction] = False
                                drop = True
                        if drop:
                            class_id, method_id = struct.unpack(">HH", frame[7:11])
                            dropping = 1 if (class_id, method_id) in ((60, 40), (60, 60), (60, 71), (60, 50)) else 0
                            self.lost.append((direction, class_id, method_id))
                            threading.Timer(self.reset_ms / 1000, self._reset, args=(pair,)).start()
                    if not drop:
                        out += frame
                if out:
                    target.sendall(out)
        except OSError:
            self._reset(pair)


class Actor:
    def __init__(self, spec, port, logdir, admin_port, hosts=None):
        self.admin_port = admin_port
        # On a cluster: {host the program names ('rabbit1'): (AMQP port, management port)}.
        self.hosts = hosts or {}
        self.logdir = logdir
        self.spec = spec
        self.name = spec["name"]
        self.role = spec["role"]
        self.port = port
        self.log = os.path.join(logdir, stem(self.name) + ".jsonl")
        self.hooks = []
        self.port_override = None
        self.process = None
        self.terminal = []
        self.stderr = []
        self.last_activity = time.monotonic()
        self.status = "not_started"
        self.heartbeat_s = None

    def start(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.path.join(HERE, "qp_site") + os.pathsep + env.get("PYTHONPATH", "")
        env["PYTHONUNBUFFERED"] = "1"
        env["QP_AMQP_PORT"] = str(self.port_override or self.port)
        if self.heartbeat_s is not None:
            env["QP_HEARTBEAT"] = str(self.heartbeat_s)
        if self.hosts:
            # Its own node's host through its proxy, if it has one (a lost frame).
            own = "rabbit%d" % (self.spec.get("node") or 0)
            env["QP_HOSTS"] = json.dumps({host: (self.port_override if host == own and self.port_override else ports[0])
                                          for host, ports in self.hosts.items()})
        env["QP_LOG"] = self.log
        env["QP_HOOKS"] = json.dumps(self.hooks)
        if self.role == "admin":
            if self.admin_port:
                # rabbitmqadmin reads ~/.rabbitmqadmin.conf: point it at the management port.
                home = os.path.join(self.logdir, "home")
                os.makedirs(home, exist_ok=True)
                with open(os.path.join(home, ".rabbitmqadmin.conf"), "w") as f:
                    f.write("[default]\nhostname = localhost\nport = %d\n" % self.admin_port)
                env["HOME"] = home
            if self.hosts:
                # `rabbitmqadmin -H rabbit0`: a wrapper first on PATH points it at that node's
                # management port on 127.0.0.1.
                bin_dir = os.path.join(self.logdir, "bin")
                os.makedirs(bin_dir, exist_ok=True)
                wrapper = os.path.join(bin_dir, "rabbitmqadmin")
                real = shutil.which("rabbitmqadmin") or "rabbitmqadmin"
                cases = "".join('      %s) set -- "$@" -H 127.0.0.1 -P %d ;;\n' % (host, ports[1]) for host, ports in self.hosts.items())
                with open(wrapper, "w") as f:
                    f.write('#!/bin/sh\n# run.py: a cluster node\'s host name to 127.0.0.1 and its management port.\n'
                            'n=$#; host=""\nwhile [ "$n" -gt 0 ]; do\n  a=$1; shift; n=$((n - 1))\n'
                            '  if [ "$a" = "-H" ] && [ "$n" -gt 0 ]; then\n    host=$1; shift; n=$((n - 1))\n    case "$host" in\n'
                            + cases + '      *) set -- "$@" -H "$host" ;;\n    esac\n  else\n    set -- "$@" "$a"\n  fi\ndone\n'
                            'exec %s "$@"\n' % shlex.quote(real))
                os.chmod(wrapper, 0o755)
                env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
            path = os.path.join(HERE, stem(self.name) + ".sh")
            command = ["sh", "-c", "; ".join(line[2:] for line in open(path) if line.startswith("$ "))]
        else:
            command = [sys.executable, os.path.join(HERE, stem(self.name) + ".py")]
        self.process = subprocess.Popen(command, cwd=HERE, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.status = "running"
        threading.Thread(target=self._read, args=(self.process.stdout, self.terminal), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.stderr), daemon=True).start()

    def _read(self, stream, into):
        for line in stream:
            into.append(line.rstrip("\n"))
            self.last_activity = time.monotonic()

    def signal(self, sig):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait()

    def finish(self):
        if self.process is None:
            return {"name": self.name, "role": self.role, "terminal": [], "exit_error": None, "status": "not_started"}
        code = self.process.poll()
        time.sleep(0.05)
        error = None
        if code is None:
            status = "running"
        elif code == 0:
            status = "finished"
        elif code < 0:
            status = "crashed" if code == -signal.SIGKILL else "stopped"
        else:
            status = "failed"
            lines = [l for l in self.stderr if l.strip()]
            error = lines[-1].strip() if lines else "exit status %d" % code
        # A terminal shows the traceback's last line after the output, as the engine's does.
        terminal = list(self.terminal) + ([error] if error else [])
        return {"name": self.name, "role": self.role, "terminal": terminal, "exit_error": error, "status": status}


def unsupported(scenario, can_crash_broker=False, cluster_nodes=0):
    problems = []
    nodes = scenario.get("broker", {}).get("nodes", 1)
    if nodes > 1 and cluster_nodes < nodes:
        problems.append("broker.nodes: this scenario has %d nodes: run it on a cluster of as many, given by --node-ports (%d given)" % (nodes, cluster_nodes))
    if scenario.get("broker", {}).get("heartbeat_ms", 60000) % 1000:
        problems.append("broker.heartbeat_ms: pika takes whole seconds")
    for i, fault in enumerate(scenario.get("faults", [])):
        when, action = fault["when"], fault["do"]
        (verb, target), = action.items() if isinstance(action, dict) else [(action, None)]
        actor_names = {a["name"] for a in scenario["actors"]}
        if verb == "drop_next":
            ends = {target["from"], target["to"]}
            program = ends & actor_names
            if len(program) != 1 or not (ends - actor_names) or not next(iter(ends - actor_names)).startswith("rabbit@"):
                problems.append("faults[%d]: drop_next between a program and a broker node only" % i)
                continue
            at = when.get("after") or when.get("before")
            if at is not None and (at["op"] not in OPS or at["actor"] not in program):
                problems.append("faults[%d]: drop_next at an op of that same program only" % i)
            continue
        if "at_ms" in when:
            if verb not in ("crash", "stop", "restart", "cancel", "stop_node", "start_node", "crash_node"):
                problems.append("faults[%d]: %s is not performed on a real broker yet" % (i, verb))
            elif verb == "crash_node" and not can_crash_broker:
                problems.append("faults[%d]: crash_node needs --kill-broker and --resume-broker (commands for your broker)" % i)
        elif "after" in when or "before" in when:
            at = when.get("after") or when.get("before")
            if at["op"] not in OPS or verb not in ("crash", "stop") or target != at["actor"]:
                problems.append("faults[%d]: at %s, only a crash or stop of that same actor" % (i, at["op"]))
        else:
            problems.append("faults[%d]: %s triggers are not performed on a real broker yet" % (i, next(iter(when))))
    return problems


# The headers RabbitMQ sets, in the engine report's shape (as qp_site/sitecustomize.py's).
HEADER_KEYS = ("x-first-death-reason", "x-first-death-queue", "x-first-death-exchange", "x-delivery-count")
DEATH_KEYS = ("count", "reason", "queue", "exchange", "routing-keys")


def broker_headers(properties):
    headers = getattr(properties, "headers", None) or {}
    out = {}
    if isinstance(headers.get("x-death"), list):
        out["x-death"] = [{k: (int(d[k]) if k == "count" else d[k]) for k in DEATH_KEYS if k in d} for d in headers["x-death"]]
    for key in HEADER_KEYS:
        if key in headers:
            out[key] = int(headers[key]) if key == "x-delivery-count" else headers[key]
    return out


# RabbitMQ 3.10's defaults (rabbit.app), as the engine's scenario defaults.
CONSUMER_TIMEOUT_MS, CHANNEL_TICK_MS = 1800000, 60000


def set_timeouts(ctl, consumer_timeout_ms, channel_tick_ms):
    """The broker's consumer_timeout (0: off) and channel_tick_interval; channels opened from
    now on read them."""
    subprocess.run(ctl + ["eval", "application:set_env(rabbit, consumer_timeout, %d), application:set_env(rabbit, channel_tick_interval, %d)."
                          % (consumer_timeout_ms, channel_tick_ms)], capture_output=True, timeout=120)


def read_queues(scenario, port, rabbitmqctl, only=None):
    """The queues' final state, read through the node at `port` (only the queues named in
    `only`, if given); a queue whose home node is down is reported as {"home_down": True}."""
    import pika
    unacked = {}
    if rabbitmqctl:
        out = subprocess.run(shlex.split(rabbitmqctl) + ["list_queues", "-q", "--no-table-headers", "name", "messages_unacknowledged"],
                             capture_output=True, text=True, timeout=60)
        for line in out.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                unacked[parts[0]] = int(parts[1])
    report = []
    connection = pika.BlockingConnection(pika.ConnectionParameters("localhost", port))
    for q in scenario["queues"]:
        if only is not None and q["name"] not in only:
            continue
        channel = connection.channel()
        try:
            channel.queue_declare(queue=q["name"], passive=True)
        except pika.exceptions.ChannelClosedByBroker as e:
            # RabbitMQ: "NOT_FOUND - home node '...' of durable queue '...' in vhost '/' is down
            # or inaccessible": the queue exists, on a node that is down.
            if "is down or inaccessible" in str(e):
                report.append({"name": q["name"], "exists": True, "home_down": True, "depth": None, "unacked": None, "ready": None})
                continue
            report.append({"name": q["name"], "exists": False, "depth": 0, "unacked": 0, "ready": []})
            continue
        ready, ready_headers = [], []
        while True:
            method, properties, body = channel.basic_get(queue=q["name"], auto_ack=False)
            if method is None:
                break
            ready.append(json.loads(body).get("data"))
            ready_headers.append(broker_headers(properties))
        channel.close()  # the gets were not acked: closing the channel requeues them in order
        entry = {"name": q["name"], "exists": True, "depth": len(ready), "unacked": unacked.get(q["name"]), "ready": ready}
        if any(ready_headers):
            entry["ready_headers"] = ready_headers
        report.append(entry)
    connection.close()
    return report


def messages(actors):
    by_key = {}
    order = []

    def entry(producer, data):
        key = (producer, data)
        if key not in by_key:
            by_key[key] = {"producer": producer, "data": data, "published": 0, "deliveries": [], "returned": 0}
            order.append(key)
        return by_key[key]

    # The producers that published each data: a delivery's is the one among them that
    # publishes to the consumer's queue when several published the same data (ground truth f
    # fills five queues with 0-4 each), else the first.
    producers_of = {}
    # A relay publishes the order service's messages: they are the service's, as the engine
    # reports them.
    service = next((a for a in actors if a.role == "producer" and a.spec.get("orders")), None)
    for actor in actors:
        if actor.role not in ("producer", "relay") or not os.path.exists(actor.log):
            continue
        owner = service if actor.role == "relay" and service is not None else actor
        for line in open(actor.log):
            event = json.loads(line)
            if event["event"] == "published":
                data = json.loads(event["body"]).get("data")
                entry(owner.name, data)["published"] += 1
                if owner not in producers_of.setdefault(data, []):
                    producers_of[data].append(owner)

    def producer_of(data, consumer):
        candidates = producers_of.get(data, [])
        same_queue = [p for p in candidates if not p.spec.get("exchange") and p.spec.get("queue") == consumer.spec.get("queue")]
        chosen = (same_queue or candidates or [None])[0]
        return chosen.name if chosen else "?"

    for actor in actors:
        if actor.role != "consumer" or not os.path.exists(actor.log):
            continue
        for line in open(actor.log):
            event = json.loads(line)
            if "body" not in event:  # not about a message (a cancel)
                continue
            data = json.loads(event["body"]).get("data")
            m = entry(producer_of(data, actor), data)
            if event["event"] == "delivered":
                delivery = {"to": actor.name, "redelivered": event["redelivered"], "at": event.get("at", 0)}
                if event.get("headers"):
                    delivery["headers"] = event["headers"]
                m["deliveries"].append(delivery)
            elif event["event"] == "returned":
                m["returned"] += 1
    # One message's deliveries to several programs, in the order they reached them (the
    # logs are read program by program); the clock itself is not reported.
    for m in by_key.values():
        m["deliveries"].sort(key=lambda d: d["at"])
        for d in m["deliveries"]:
            del d["at"]
    return [by_key[k] for k in sorted(order, key=lambda k: (k[0], k[1] if k[1] is not None else -1))]


def database():
    """What orders.db and effects.db hold at the end, by payload (the engine report's
    "database"): the orders, the outbox rows not deleted, the effects applied."""
    import sqlite3

    def rows(path, query):
        if not os.path.exists(os.path.join(HERE, path)):
            return []
        db = sqlite3.connect(os.path.join(HERE, path))
        try:
            return sorted(json.loads(r[0])["data"] if isinstance(r[0], str) else r[0] for r in db.execute(query))
        except sqlite3.OperationalError:  # no such table: nothing was written
            return []
        finally:
            db.close()

    return {"orders": rows("orders.db", "SELECT data FROM orders"), "outbox": rows("orders.db", "SELECT body FROM outbox"),
            "effects": rows("effects.db", "SELECT data FROM effects")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=5672)
    parser.add_argument("--rabbitmqctl", default="rabbitmqctl", help="command prefix for rabbitmqctl ('' to skip)")
    parser.add_argument("--fresh", action="store_true", help="delete the scenario's queues and exchanges first")
    parser.add_argument("--admin-port", type=int, default=None, help="the management API's port for rabbitmqadmin (default: its own, 15672)")
    parser.add_argument("--settle-ms", type=int, default=1500)
    parser.add_argument("--kill-broker", default="", help="shell command that kills the broker hard (kill -9), for crash_node")
    parser.add_argument("--resume-broker", default="", help="shell command that starts it again on its data and returns when it answers")
    parser.add_argument("--max-ms", type=int, default=600000)
    parser.add_argument("--min-ms", type=int, default=0, help="run at least this long (e.g. until the simulated run's last event)")
    parser.add_argument("--node-ports", default="", help="a cluster: the AMQP port of each node, node 0 first (5711,5712,5713)")
    parser.add_argument("--node-admin-ports", default="", help="and their management ports, in the same order")
    options = parser.parse_args()
    scenario = json.load(open(os.path.join(HERE, "scenario.json")))
    node_ports = [int(p) for p in options.node_ports.split(",") if p]
    admin_ports = [int(p) for p in options.node_admin_ports.split(",") if p]
    cluster = scenario.get("broker", {}).get("nodes", 1) > 1
    problems = unsupported(scenario, bool(options.kill_broker and options.resume_broker), len(node_ports))
    if cluster and len(admin_ports) < len(node_ports) and any(a["role"] == "admin" for a in scenario["actors"]):
        problems.append("rabbitmqadmin on a cluster: give each node's management port (--node-admin-ports)")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 3
    logdir = os.path.join(HERE, "logs")
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    if options.fresh:
        # An idempotent consumer's store is part of the state a fresh run starts without.
        # So is an order service's database (orders and outbox).
        for leftover in ("effects.db", "orders.db"):
            if os.path.exists(os.path.join(HERE, leftover)):
                os.remove(os.path.join(HERE, leftover))
    # The commands, for node `node` of a cluster ({node} in them) or for the one broker.
    command_for = lambda template, node: template.replace("{node}", str(node)) if cluster else template
    ctl_for = lambda node: shlex.split(command_for(options.rabbitmqctl, node)) if options.rabbitmqctl else None
    if cluster:
        nodes = list(range(scenario["broker"]["nodes"]))
        hosts = {"rabbit%d" % n: (node_ports[n], admin_ports[n] if n < len(admin_ports) else 0) for n in nodes}
        port_of = lambda node: node_ports[node]
    else:
        nodes, hosts = [0], None
        port_of = lambda node: options.port
    down = {}  # the nodes down now: {node: "crashed" or "stopped"}
    topology(scenario, port_of(0), options.fresh, node_ports if cluster else None)
    actors = {spec["name"]: Actor(spec, port_of(spec.get("node") or 0), logdir, options.admin_port, hosts) for spec in scenario["actors"]}
    # A consumer timeout or channel tick other than RabbitMQ's defaults is set on the broker
    # for this run (new channels read them), and put back at the end.
    broker = scenario.get("broker", {})
    timeout_ms, tick_ms = broker.get("consumer_timeout_ms", CONSUMER_TIMEOUT_MS), broker.get("channel_tick_ms", CHANNEL_TICK_MS)
    ctl = ctl_for(0)
    timeouts_set = (timeout_ms, tick_ms) != (CONSUMER_TIMEOUT_MS, CHANNEL_TICK_MS) and ctl is not None
    if timeouts_set:
        for node in nodes:
            set_timeouts(ctl_for(node), timeout_ms, tick_ms)
    # A heartbeat other than RabbitMQ's default (60 s) is asked for by each program.
    heartbeat_ms = scenario.get("broker", {}).get("heartbeat_ms", 60000)
    if heartbeat_ms != 60000:
        for actor in actors.values():
            actor.heartbeat_s = heartbeat_ms // 1000
    # Timeline: (ms, order, what, argument).
    timeline = []
    for i, spec in enumerate(scenario["actors"]):
        timeline.append((spec.get("start_ms", 0), i, "start", spec["name"]))
    restart_delay = scenario.get("broker", {}).get("restart_delay_ms", 9000)
    reset_ms = scenario.get("network", {}).get("reset_after_drop_ms", 20)
    # Lost frames: a proxy in front of each program a drop_next names, and a control port the
    # program's instrumentation calls at the fault's op (it waits for the answer).
    proxies, arms = {}, {}
    control = socket.socket()
    control.bind(("127.0.0.1", 0))
    control.listen(16)

    def serve_control():
        while True:
            connection, _ = control.accept()
            with connection:
                index = int(connection.recv(64).decode().strip())
                proxy, direction = arms[index]
                proxy.arm(direction)
                connection.sendall(b"ok\n")

    threading.Thread(target=serve_control, daemon=True).start()
    for i, fault in enumerate(scenario.get("faults", [])):
        when, action = fault["when"], fault["do"]
        (verb, target), = action.items() if isinstance(action, dict) else [(action, None)]
        if verb == "drop_next":
            program = target["from"] if target["from"] in actors else target["to"]
            if program not in proxies:
                proxies[program] = Proxy(port_of(actors[program].spec.get("node") or 0), reset_ms)
                actors[program].port_override = proxies[program].port
            arms[i] = (proxies[program], "up" if target["from"] == program else "down")
            if "at_ms" in when:
                timeline.append((when["at_ms"], 1000 + i, "arm", i))
                continue
            side = "after" if "after" in when else "before"
            at = when[side]
            actors[at["actor"]].hooks.append({"op": at["op"], "when": side, "n": at["occurrence"], "do": "arm",
                                              "port": control.getsockname()[1], "fault": i})
            continue
        if "after" in when or "before" in when:
            side = "after" if "after" in when else "before"
            at = when[side]
            actors[at["actor"]].hooks.append({"op": at["op"], "when": side, "n": at["occurrence"], "do": "kill",
                                              "signal": "KILL" if verb == "crash" else "TERM"})
            continue
        at = when["at_ms"]
        timeline.append((at, 1000 + i, verb, target))
        if verb in ("stop_node", "crash_node") and target.get("restart"):
            timeline.append((at + restart_delay, 1000 + i, "start_node" if verb == "stop_node" else "resume_node", target.get("node", 0)))
    # rabbitmqctl takes a while to start (an Erlang VM): node commands are issued that much
    # early, so that they act at the scenario's time.
    ctl_lead = 0.0
    if ctl and any(verb in ("stop_node", "start_node") for _, _, verb, _ in timeline):
        started = time.monotonic()
        subprocess.run(ctl + ["eval", "ok."], capture_output=True, timeout=120)
        ctl_lead = time.monotonic() - started
    # But never before the programs that start at or before that time have been started: a
    # lead measured on a loaded machine (2 s and more) would stop the node before they connect.
    starts = [spec.get("start_ms", 0) / 1000 for spec in scenario["actors"]]

    def issued(at, verb):
        if verb not in ("stop_node", "start_node"):
            return at / 1000
        return max([at / 1000 - ctl_lead] + [s for s in starts if s <= at / 1000])

    timeline.sort(key=lambda t: (issued(t[0], t[2]), t[1]))
    node_of = lambda target: (target.get("node", 0) if isinstance(target, dict) else (target or 0))
    t0 = time.monotonic()
    for at, _order, verb, target in timeline:
        delay = issued(at, verb) - (time.monotonic() - t0)
        if delay > 0:
            time.sleep(delay)
        if verb in ("start", "restart"):
            actors[target].start()
        elif verb == "arm":
            proxy, direction = arms[target]
            proxy.arm(direction)
        elif verb == "crash":
            actors[target].signal(signal.SIGKILL)
        elif verb == "stop":
            actors[target].signal(signal.SIGTERM)
        elif verb == "cancel":
            # The instrumentation's SIGUSR1 handler calls basic_cancel on its consumers.
            actors[target].signal(signal.SIGUSR1)
        elif verb == "stop_node" and ctl:
            subprocess.run(ctl_for(node_of(target)) + ["stop_app"], capture_output=True, timeout=120)
            down[node_of(target)] = "stopped"
        elif verb == "start_node" and ctl:
            subprocess.run(ctl_for(node_of(target)) + ["start_app"], capture_output=True, timeout=120)
            down.pop(node_of(target), None)
        elif verb == "crash_node":
            subprocess.run(command_for(options.kill_broker, node_of(target)), shell=True, capture_output=True, timeout=120)
            down[node_of(target)] = "crashed"
        elif verb == "resume_node":
            # The node boots on its data (seconds: later events wait for it).
            subprocess.run(command_for(options.resume_broker, node_of(target)), shell=True, capture_output=True, timeout=300)
            down.pop(node_of(target), None)
    # Settle: nothing printed for settle_ms, and every producer has exited.
    while time.monotonic() - t0 < options.max_ms / 1000:
        quiet = all(time.monotonic() - a.last_activity > options.settle_ms / 1000 for a in actors.values())
        # (A relay, like a consumer, never ends by itself.)
        producers_done = all(a.process is None or a.process.poll() is not None for a in actors.values() if a.role not in ("consumer", "relay"))
        if quiet and producers_done and time.monotonic() - t0 >= options.min_ms / 1000:
            break
        time.sleep(0.1)
    # Read through a node that is up; a queue whose home node is down is read after that node
    # is started again on its data (a crashed one: with --resume-broker).
    live = next(n for n in nodes if n not in down) if len(down) < len(nodes) else 0
    queues = read_queues(scenario, port_of(live), command_for(options.rabbitmqctl, live))
    # A cluster is left as it was found: every node down now is started again (a crashed one
    # on its data); then the queues on them are read (what they kept).
    stranded = [q["name"] for q in queues if q.get("home_down")]
    if cluster:
        for node, how in sorted(down.items()):
            if how == "crashed":
                subprocess.run(command_for(options.resume_broker, node), shell=True, capture_output=True, timeout=300)
            elif ctl:
                subprocess.run(ctl_for(node) + ["start_app"], capture_output=True, timeout=120)
    if stranded and cluster:
        later = {q["name"]: q for q in read_queues(scenario, port_of(live), command_for(options.rabbitmqctl, live), stranded)}
        queues = [dict(later.get(q["name"], q), home_down=True) if q.get("home_down") else q for q in queues]
    if timeouts_set:
        for node in nodes:
            set_timeouts(ctl_for(node), CONSUMER_TIMEOUT_MS, CHANNEL_TICK_MS)
    reports = [a.finish() for a in actors.values()]
    for a in actors.values():
        a.signal(signal.SIGTERM)
    report = {"scenario": scenario["name"], "messages": messages(list(actors.values())), "queues": queues, "actors": reports}
    if any(a["role"] == "producer" and a.get("orders") for a in scenario["actors"]):
        report["database"] = database()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
