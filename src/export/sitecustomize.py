"""Queue Playground's instrumentation for exported programs (loaded by Python at start-up
because run.py puts this folder on PYTHONPATH). It changes no line of the program:

- QP_AMQP_PORT: the port `pika.ConnectionParameters('localhost')` connects to (a private test
  broker listens on its own port; without the variable, pika's default 5672).
- QP_LOG: a JSON-lines file where each delivery the client receives is recorded when pika
  reads it (`{"event": "delivered", "body": ..., "redelivered": ...}`: the broker sent it, as
  the engine's deliveries count, even if the program dies before its callback runs), then
  when its callback starts (`"dispatched"`) and whether it returned (`"returned"`) or raised
  (`"raised"`); each publish that returned (`"published"`).
- QP_KILL_AFTER: `<prefix>|<n>|<signal>`: right after the program prints its n-th line starting
  with <prefix> (" [x] Received", " [x] Sent", " [*] Waiting"), it sends itself <signal>
  (KILL or TERM): a crash at an exact protocol point, as the engine's `after` triggers are.
"""
import builtins
import json
import os
import signal
import sys

_log_path = os.environ.get("QP_LOG")
_log = open(_log_path, "a", buffering=1, encoding="utf-8") if _log_path else None


def _record(**event):
    if _log is not None:
        _log.write(json.dumps(event) + "\n")


_kill = os.environ.get("QP_KILL_AFTER")
if _kill:
    _prefix, _n, _signal = _kill.rsplit("|", 2)
    _n = int(_n)
    _seen = [0]
    _print = builtins.print

    def print(*args, **kwargs):  # noqa: A001 - the point is to wrap print
        _print(*args, **kwargs)
        text = " ".join(str(a) for a in args)
        if text.startswith(_prefix):
            _seen[0] += 1
            if _seen[0] == _n:
                sys.stdout.flush()
                os.kill(os.getpid(), getattr(signal, "SIG" + _signal))

    builtins.print = print

try:
    import pika
    import pika.adapters.blocking_connection as _blocking
except ImportError:  # rabbitmqadmin's shell commands do not import pika
    pika = None

if pika is not None:
    _port = os.environ.get("QP_AMQP_PORT")
    if _port:
        _parameters_init = pika.ConnectionParameters.__init__

        def _init(self, host=pika.ConnectionParameters._DEFAULT, port=pika.ConnectionParameters._DEFAULT, *args, **kwargs):
            if port is pika.ConnectionParameters._DEFAULT:
                port = int(_port)
            _parameters_init(self, host, port, *args, **kwargs)

        pika.ConnectionParameters.__init__ = _init

    _consume = _blocking.BlockingChannel.basic_consume

    def basic_consume(self, queue, on_message_callback, *args, **kwargs):
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
        _record(event="delivered", body=body.decode("utf-8", "replace"), redelivered=bool(method.redelivered), tag=method.delivery_tag)
        return _received(self, channel, method, properties, body)

    _blocking.BlockingChannel._on_consumer_message_delivery = _on_consumer_message_delivery

    _publish = _blocking.BlockingChannel.basic_publish

    def basic_publish(self, exchange, routing_key, body, *args, **kwargs):
        result = _publish(self, exchange, routing_key, body, *args, **kwargs)
        _record(event="published", body=body if isinstance(body, str) else body.decode("utf-8", "replace"))
        return result

    _blocking.BlockingChannel.basic_publish = basic_publish
