"""Queue Playground's instrumentation for exported programs (loaded by Python at start-up
because run.py puts this folder on PYTHONPATH). It changes no line of the program:

- QP_AMQP_PORT: the port `pika.ConnectionParameters('localhost')` connects to (a private test
  broker listens on its own port; without the variable, pika's default 5672).
- QP_HOSTS: on a cluster, {host: port} for the node hosts the programs name
  (`pika.ConnectionParameters('rabbit1')`): such a host is reached at 127.0.0.1 on that port.
- QP_LOG: a JSON-lines file where each delivery the client receives is recorded when pika
  reads it (`{"event": "delivered", "body": ..., "redelivered": ..., "headers": ...}`, the
  headers being those RabbitMQ sets, see `_headers`; "at" is the wall clock, so that the
  driver orders one message's deliveries to several programs: the broker sent it, as
  the engine's deliveries count, even if the program dies before its callback runs), then
  when its callback starts (`"dispatched"`) and whether it returned (`"returned"`) or raised
  (`"raised"`); each publish that returned, or that the broker returned or nacked
  (`"published"`).
- QP_HOOKS: a JSON list of {"op", "when": "before"|"after", "n", "do", ...}: right before or
  after the program's n-th <op> (the engine's op names: print_received, print_sent,
  print_waiting, basic_ack, basic_publish, on_failure (basic_nack / basic_reject),
  queue_declare, basic_qos, confirm_delivery, basic_consume, start_consuming, channel, close,
  and an order service's or relay's db_commit, outbox_delete, print_saved),
  counted over all its runs as the engine counts (a restarted program goes on from its last
  count, kept in QP_LOG + ".counts"): "do": "kill" sends itself "signal" (KILL or TERM), a
  crash at an exact protocol point, as the engine's triggers are; "do": "arm" tells the driver's proxy on 127.0.0.1:"port" to perform
  fault "fault" (lose the next frame) and waits for its answer before going on.
"""
import builtins
import json
import os
import signal
import socket
import sys
import time

_log_path = os.environ.get("QP_LOG")
_log = open(_log_path, "a", buffering=1, encoding="utf-8") if _log_path else None


def _record(**event):
    if _log is not None:
        _log.write(json.dumps(event) + "\n")


# The headers RabbitMQ sets on a delivery, in the engine report's shape: x-death tables
# without "time" (wall clock), x-first-death-*, x-delivery-count. Absent ones are left out.
_HEADER_KEYS = ("x-first-death-reason", "x-first-death-queue", "x-first-death-exchange", "x-delivery-count")
_DEATH_KEYS = ("count", "reason", "queue", "exchange", "routing-keys")


def _headers(properties):
    headers = getattr(properties, "headers", None) or {}
    out = {}
    if isinstance(headers.get("x-death"), list):
        out["x-death"] = [{k: (int(d[k]) if k == "count" else d[k]) for k in _DEATH_KEYS if k in d} for d in headers["x-death"]]
    for key in _HEADER_KEYS:
        if key in headers:
            out[key] = int(headers[key]) if key == "x-delivery-count" else headers[key]
    return out


PRINTS = {"print_received": " [x] Received", "print_sent": " [x] Sent", "print_waiting": " [*] Waiting", "print_saved": " [x] Saved"}
_hooks = json.loads(os.environ.get("QP_HOOKS", "[]"))
_hooked = {h["op"] for h in _hooks}
# How many times each hooked op ran, over every run of this program in this scenario (kept
# beside the log, so a restarted program goes on counting, as the engine's triggers do).
_counts_path = _log_path + ".counts" if _log_path else None
try:
    with open(_counts_path, encoding="utf-8") as _f:
        _counts = json.load(_f)
except (TypeError, OSError, ValueError):
    _counts = {}


def _op(name, when):
    """Called right before (when="before") and after ("after") each hooked op of the program."""
    if when == "before":
        _counts[name] = _counts.get(name, 0) + 1
        if _counts_path:
            with open(_counts_path, "w", encoding="utf-8") as f:
                json.dump(_counts, f)
    for hook in _hooks:
        if hook["op"] != name or hook["when"] != when or _counts.get(name) != hook["n"]:
            continue
        if hook["do"] == "arm":
            with socket.create_connection(("127.0.0.1", hook["port"])) as control:
                control.sendall(("%d\n" % hook["fault"]).encode())
                control.recv(16)
        else:
            sys.stdout.flush()
            os.kill(os.getpid(), getattr(signal, "SIG" + hook["signal"]))


def _wrap(owner, attribute, name):
    original = getattr(owner, attribute)

    def wrapper(*args, **kwargs):
        _op(name, "before")
        result = original(*args, **kwargs)
        _op(name, "after")
        return result

    setattr(owner, attribute, wrapper)


if _hooked & set(PRINTS):
    _print = builtins.print

    def print(*args, **kwargs):  # noqa: A001 - the point is to wrap print
        text = " ".join(str(a) for a in args)
        name = next((op for op, prefix in PRINTS.items() if text.startswith(prefix)), None)
        if name:
            _op(name, "before")
        _print(*args, **kwargs)
        if name:
            _op(name, "after")

    builtins.print = print

# An order service's and its relay's transactions, as the engine names them: a db.commit() of
# an order (the transaction's last statement inserted into orders or the outbox) is
# db_commit, one of a delete of an outbox row is outbox_delete. "before" is right before the
# commit (killed there, SQLite rolls the transaction back, as if it never ran), "after" right
# after it.
if _hooked & {"db_commit", "outbox_delete"}:
    import sqlite3

    class _Connection(sqlite3.Connection):
        _last = ""

        def execute(self, sql, *args, **kwargs):
            self._last = sql
            return super().execute(sql, *args, **kwargs)

        def commit(self):
            name = None
            if "INSERT INTO orders" in self._last or "INSERT INTO outbox" in self._last:
                name = "db_commit"
            elif "DELETE FROM outbox" in self._last:
                name = "outbox_delete"
            if name:
                _op(name, "before")
            result = super().commit()
            if name:
                _op(name, "after")
            return result

    _sqlite_connect = sqlite3.connect

    def _connect(*args, **kwargs):
        kwargs.setdefault("factory", _Connection)
        return _sqlite_connect(*args, **kwargs)

    sqlite3.connect = _connect

try:
    import pika
    import pika.adapters.blocking_connection as _blocking
except ImportError:  # rabbitmqadmin's shell commands do not import pika
    pika = None

if pika is not None:
    _port = os.environ.get("QP_AMQP_PORT")
    # The scenario's heartbeat timeout (`broker.heartbeat_ms`), asked for by the client as a
    # broker configured with it would propose it.
    _heartbeat = os.environ.get("QP_HEARTBEAT")
    _hosts = json.loads(os.environ.get("QP_HOSTS") or "{}")
    if _port or _heartbeat or _hosts:
        _parameters_init = pika.ConnectionParameters.__init__

        def _init(self, host=pika.ConnectionParameters._DEFAULT, port=pika.ConnectionParameters._DEFAULT, *args, **kwargs):
            if host in _hosts:
                host, port = "127.0.0.1", (_hosts[host] if port is pika.ConnectionParameters._DEFAULT else port)
            elif port is pika.ConnectionParameters._DEFAULT and _port:
                port = int(_port)
            if _heartbeat and "heartbeat" not in kwargs:
                kwargs["heartbeat"] = int(_heartbeat)
            _parameters_init(self, host, port, *args, **kwargs)

        pika.ConnectionParameters.__init__ = _init

    _consume = _blocking.BlockingChannel.basic_consume
    _consuming = []  # the channels with consumers, for a cancel

    def _cancel(signum, frame):
        # The driver's `cancel` fault (SIGUSR1): the program calls basic_cancel on each of
        # its consumers, wherever it is (in a callback's work, the handler runs between two
        # bytecodes, and the sleep then goes on).
        _record(event="cancel")
        for channel in _consuming:
            if channel.is_open:
                for tag in list(channel.consumer_tags):
                    channel.basic_cancel(tag)

    signal.signal(signal.SIGUSR1, _cancel)

    def basic_consume(self, queue, on_message_callback, *args, **kwargs):
        _consuming.append(self)
        def callback(ch, method, properties, body):
            _record(event="dispatched", body=body.decode("utf-8", "replace"), tag=method.delivery_tag)
            try:
                result = on_message_callback(ch, method, properties, body)
            except BaseException as e:
                _record(event="raised", body=body.decode("utf-8", "replace"), error=type(e).__name__)
                raise
            _record(event="returned", body=body.decode("utf-8", "replace"))
            return result

        return _consume(self, queue, callback, *args, **kwargs)

    _blocking.BlockingChannel.basic_consume = basic_consume

    _received = _blocking.BlockingChannel._on_consumer_message_delivery

    def _on_consumer_message_delivery(self, channel, method, properties, body):
        _record(event="delivered", body=body.decode("utf-8", "replace"), redelivered=bool(method.redelivered), tag=method.delivery_tag,
                headers=_headers(properties), at=time.time())
        return _received(self, channel, method, properties, body)

    _blocking.BlockingChannel._on_consumer_message_delivery = _on_consumer_message_delivery

    _get = _blocking.BlockingChannel.basic_get

    def basic_get(self, *args, **kwargs):
        method, properties, body = _get(self, *args, **kwargs)
        if method is not None:
            _record(event="delivered", body=body.decode("utf-8", "replace"), redelivered=bool(method.redelivered), tag=method.delivery_tag)
        return method, properties, body

    _blocking.BlockingChannel.basic_get = basic_get

    # The ops a fault may be tied to (after the recording wrappers, so a crash "before" an op
    # happens before it is recorded, and one "after" it after).
    for _attribute, _name in [("basic_ack", "basic_ack"), ("basic_publish", "basic_publish"), ("basic_nack", "on_failure"),
                              ("basic_reject", "on_failure"), ("queue_declare", "queue_declare"), ("basic_qos", "basic_qos"),
                              ("confirm_delivery", "confirm_delivery"), ("basic_consume", "basic_consume"),
                              ("start_consuming", "start_consuming")]:
        if _name in _hooked:
            _wrap(_blocking.BlockingChannel, _attribute, _name)
    for _name in ("channel", "close"):
        if _name in _hooked:
            _wrap(_blocking.BlockingConnection, _name, _name)

    _publish = _blocking.BlockingChannel.basic_publish
    _blocking_publishes = [0]  # BlockingChannel.basic_publish calls going on (they call the channel's)

    def basic_publish(self, exchange, routing_key, body, *args, **kwargs):
        text = body if isinstance(body, str) else body.decode("utf-8", "replace")
        waits = self.is_open and self._delivery_confirmation
        _blocking_publishes[0] += 1
        try:
            result = _publish(self, exchange, routing_key, body, *args, **kwargs)
        except (pika.exceptions.UnroutableError, pika.exceptions.NackError):
            # Sent, then returned or nacked by the broker: it was published all the same.
            _record(event="published", body=text)
            raise
        except pika.exceptions.ChannelClosedByBroker:
            # Waiting for its confirm, the channel closed because of it (a missing exchange):
            # sent. (Without confirms the error is an earlier publish's, at this one's call.)
            if waits:
                _record(event="published", body=text)
            raise
        finally:
            _blocking_publishes[0] -= 1
        _record(event="published", body=text)
        return result

    _blocking.BlockingChannel.basic_publish = basic_publish

    # A SelectConnection program (a batch producer, `confirm_batch`) publishes on pika's
    # asynchronous channel: each basic_publish that returned was written to the socket.
    _channel_publish = pika.channel.Channel.basic_publish

    def channel_publish(self, exchange, routing_key, body, *args, **kwargs):
        result = _channel_publish(self, exchange, routing_key, body, *args, **kwargs)
        if not _blocking_publishes[0]:
            _record(event="published", body=body if isinstance(body, str) else body.decode("utf-8", "replace"))
        return result

    pika.channel.Channel.basic_publish = channel_publish
