"""Measure a real RabbitMQ's throughput and end-to-end latency for the settings that issue 11's
cost model is calibrated on, so that the engine's RATIOS between settings can be fitted to the
real broker's (absolute figures depend on the machine; the ratios are what a learner takes away).

What runs (the article's workload): one producer publishes `{'data': i}` JSON bodies (plus the
publish time, see below) to a fresh durable classic queue on the default exchange; 1..4
consumers (pika BlockingConnection, `basic_qos(prefetch_count=P)`, `basic_consume`, manual
`basic_ack` after the work) process them. Each case below runs in its own fresh queue, the
consumers and the producer each in their own process (multiprocessing, "spawn"); the producer
starts once every consumer is subscribed, publishes as fast as it can (open loop, like the
tutorial's producer), and the case ends when the consumers have processed every message.

Cases (all: durable queue, manual ack; prefetch 10 and 1 consumer unless said otherwise):
- prefetch-1, prefetch-10, prefetch-100: transient messages, no confirms, work 0 ms;
- transient, persistent: delivery_mode 1 vs 2, no confirms (transient = prefetch-10's
  settings, run again: the two show the run-to-run noise);
- confirm-each-transient, confirm-each-persistent: `channel.confirm_delivery()` on a
  BlockingChannel, so every `basic_publish` waits for its Basic.Ack;
- confirm-batch-transient, confirm-batch-persistent: batched confirms. pika's BlockingChannel
  cannot leave confirms outstanding (with confirm_delivery each basic_publish waits), so this
  producer uses pika's asynchronous SelectConnection: `confirm_delivery(ack_nack_callback)`,
  then it publishes a batch of --confirm-batch messages and waits until the broker has
  confirmed all of them (Basic.Ack, usually `multiple=True`) before publishing the next batch.
  This is RabbitMQ's publisher-confirms tutorial's "publishing messages in batches" strategy:
  one round trip (and, for persistent messages, one disk sync) is shared by a batch, and a nack
  or a lost connection still tells the producer which batch to republish. Transactions
  (tx_select/tx_commit) are not confirms and are not used. The ratio to confirm-each is fair
  in that both producers wait until every message is confirmed before they finish, and the
  consumers are the same; the client library differs (SelectConnection publishes from its
  ioloop without a blocking flush per message), so confirm-batch-1-transient runs the same
  SelectConnection producer with batches of 1: against confirm-each-transient it shows what
  the client style alone changes.
  A persistent message is confirmed once it is on disk or once its consumer has acked it,
  whichever comes first: with an idle consumer confirms rarely wait for the disk, so
  confirm-each-persistent-busy (its consumer does 10 ms of work per message, so messages wait
  in the queue) shows, in its publish rate, what a confirm that waits for the disk costs;
- consumers-1, consumers-2, consumers-4: 1, 2 or 4 consumers, each with 10 ms of work per
  message (time.sleep(0.010)) before its ack, prefetch 10, transient, no confirms; these run
  --work-messages messages (10 ms each makes them slow).

Figures of a run (the definitions of the engine's `engine::timing`, src/engine/timing.rs):
- a message's latency is from the producer's publish (time.monotonic_ns() just before its
  basic_publish, carried in the body as "published_ns") to its processing (the consumer's
  clock after the work, just before the ack); on Linux time.monotonic_ns() is CLOCK_MONOTONIC,
  one clock for every process of the machine;
- p50 and p99 by the nearest-rank method (the smallest latency with at least that share of the
  latencies at or below it), and the max, in ms;
- throughput: messages processed per second over the span from the first publish to the last
  processing; also the producer's own publish rate (its first publish to its last publish
  returning).
Each case runs --repeat times; each figure reported is the median (statistics.median) of its
repeats, every repeat's figures are kept too (and the range of the throughputs). The
repeats run in rounds (every case once, then again), so a spell of load on the machine falls
on every case alike.
Because the producer is not throttled, a case whose consumers are slower than the producer
queues messages, and its latency grows with --messages (queueing delay, Little's law): compare
latencies only between runs of the same message count.

Run (against the private broker of scripts/rabbit.sh, on a port the test suite does not use):
    QP_RABBIT_PORT=5702 bash scripts/rabbit.sh start
    target/conformance-venv/bin/python scripts/calibrate.py --port 5702 \
        [--messages 3000 --work-messages 400 --repeat 3] [--quick] [--cases NAME,...] \
        [--out tests/calibration/real-rabbitmq.json] [--note TEXT]
    QP_RABBIT_PORT=5702 bash scripts/rabbit.sh stop
It writes the JSON (settings, figures, every repeat, ratios, the machine) and prints a
markdown table of the cases and of the ratios the lessons rest on. --quick is a smoke run
(200 and 40 messages, 1 repeat), not a measurement.
"""
import argparse
import dataclasses
import datetime
import json
import multiprocessing
import os
import platform
import shlex
import statistics
import sys
import time
import urllib.request

import pika

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "tests", "calibration", "real-rabbitmq.json")
# A case that has not finished after this long has hung (a broker gone, a lost message).
CASE_TIMEOUT_S = 120
# How long a consumer waits for frames before it looks whether the case is over.
POLL_S = 0.05


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    description: str
    prefetch: int = 10
    delivery_mode: int = 1  # 1 transient, 2 persistent
    confirms: str = "none"  # "none", "each" (BlockingChannel.confirm_delivery), "batch"
    confirm_batch: int = 0  # messages per batch when confirms == "batch" (0: --confirm-batch)
    consumers: int = 1
    work_ms: int = 0
    slow: bool = False  # runs --work-messages instead of --messages


CASES = [
    Case("prefetch-1", "prefetch_count=1", prefetch=1),
    Case("prefetch-10", "prefetch_count=10", prefetch=10),
    Case("prefetch-100", "prefetch_count=100", prefetch=100),
    Case("transient", "delivery_mode=1 (prefetch-10's settings, run again)"),
    Case("persistent", "delivery_mode=2", delivery_mode=2),
    Case("confirm-each-transient", "a confirm per message, delivery_mode=1", confirms="each"),
    Case("confirm-each-persistent", "a confirm per message, delivery_mode=2", confirms="each", delivery_mode=2),
    Case("confirm-each-persistent-busy", "a confirm per message, delivery_mode=2, consumer 10 ms/message",
         confirms="each", delivery_mode=2, work_ms=10, slow=True),
    Case("confirm-batch-transient", "batched confirms, delivery_mode=1", confirms="batch"),
    Case("confirm-batch-persistent", "batched confirms, delivery_mode=2", confirms="batch", delivery_mode=2),
    Case("confirm-batch-1-transient", "SelectConnection producer, batches of 1, delivery_mode=1", confirms="batch", confirm_batch=1),
    Case("consumers-1", "1 consumer, 10 ms of work", consumers=1, work_ms=10, slow=True),
    Case("consumers-2", "2 consumers, 10 ms of work each", consumers=2, work_ms=10, slow=True),
    Case("consumers-4", "4 consumers, 10 ms of work each", consumers=4, work_ms=10, slow=True),
]

# The ratios the lessons rest on: (name, numerator case, denominator case).
RATIOS = [
    ("prefetch 10 / prefetch 1", "prefetch-10", "prefetch-1"),
    ("prefetch 100 / prefetch 1", "prefetch-100", "prefetch-1"),
    ("persistent / transient", "persistent", "transient"),
    ("confirm each / no confirms (transient)", "confirm-each-transient", "transient"),
    ("confirm each / no confirms (persistent)", "confirm-each-persistent", "persistent"),
    ("confirm each, consumer busy / idle (persistent)", "confirm-each-persistent-busy", "confirm-each-persistent"),
    ("batched / each confirm (transient)", "confirm-batch-transient", "confirm-each-transient"),
    ("batched / each confirm (persistent)", "confirm-batch-persistent", "confirm-each-persistent"),
    ("batches of 1 (SelectConnection) / each confirm (BlockingChannel)", "confirm-batch-1-transient", "confirm-each-transient"),
    ("2 consumers / 1 (10 ms work)", "consumers-2", "consumers-1"),
    ("4 consumers / 1 (10 ms work)", "consumers-4", "consumers-1"),
]


def connection_parameters(port):
    return pika.ConnectionParameters(host="127.0.0.1", port=port, heartbeat=0)


def consume(port, queue, case, total, ready, done, processed, results, index):
    """A consumer process: process messages until `total` have been processed by all of them,
    then put its (published_ns, processed_ns) pairs on `results`."""
    connection = pika.BlockingConnection(connection_parameters(port))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=case.prefetch)
    records = []
    work_s = case.work_ms / 1000

    def on_message(ch, method, properties, body):
        message = json.loads(body)
        if work_s:
            time.sleep(work_s)
        records.append((message["published_ns"], time.monotonic_ns()))
        ch.basic_ack(delivery_tag=method.delivery_tag)
        with processed.get_lock():
            processed.value += 1
            if processed.value >= total:
                done.set()

    channel.basic_consume(queue=queue, on_message_callback=on_message)
    ready.wait()
    while not done.is_set():
        connection.process_data_events(time_limit=POLL_S)
    results.put(("consumer", index, records))
    connection.close()


def publish(port, queue, case, total, batch, results):
    """The producer process: publish `total` messages, then put its first and last publish
    times on `results`."""
    properties = pika.BasicProperties(delivery_mode=case.delivery_mode)
    if case.confirms == "batch":
        start_ns, end_ns = BatchedConfirmPublisher(port, queue, total, batch, properties).run()
    else:
        connection = pika.BlockingConnection(connection_parameters(port))
        channel = connection.channel()
        if case.confirms == "each":
            channel.confirm_delivery()  # every basic_publish now waits for its Basic.Ack
        start_ns = time.monotonic_ns()
        for i in range(total):
            body = json.dumps({"data": i, "published_ns": time.monotonic_ns()})
            channel.basic_publish(exchange="", routing_key=queue, body=body, properties=properties)
        end_ns = time.monotonic_ns()
        connection.close()
    results.put(("producer", start_ns, end_ns))


class BatchedConfirmPublisher:
    """Publishes `total` messages in batches of `batch` on a SelectConnection channel in confirm
    mode; each batch is published at once, and the next one only once the broker has confirmed
    every message of it (a Basic.Nack is an error)."""

    def __init__(self, port, queue, total, batch, properties):
        self.port, self.queue, self.total, self.batch, self.properties = port, queue, total, batch, properties
        self.channel = None
        self.published = 0
        self.unconfirmed = set()  # delivery tags (1, 2, ... in publish order on the channel)
        self.start_ns = self.end_ns = None
        self.error = None

    def run(self):
        self.connection = pika.SelectConnection(
            connection_parameters(self.port),
            on_open_callback=self.on_open,
            on_open_error_callback=self.on_failure,
            on_close_callback=lambda connection, reason: connection.ioloop.stop(),
        )
        self.connection.ioloop.start()
        if self.error is not None:
            raise RuntimeError(f"batched confirms: {self.error}")
        return self.start_ns, self.end_ns

    def on_failure(self, connection, error):
        self.error = error
        connection.ioloop.stop()

    def on_open(self, connection):
        connection.channel(on_open_callback=self.on_channel)

    def on_channel(self, channel):
        self.channel = channel
        channel.confirm_delivery(ack_nack_callback=self.on_confirm, callback=lambda frame: self.publish_batch())

    def publish_batch(self):
        if self.start_ns is None:
            self.start_ns = time.monotonic_ns()
        for _ in range(min(self.batch, self.total - self.published)):
            body = json.dumps({"data": self.published, "published_ns": time.monotonic_ns()})
            self.channel.basic_publish(exchange="", routing_key=self.queue, body=body, properties=self.properties)
            self.published += 1
            self.unconfirmed.add(self.published)

    def on_confirm(self, frame):
        method = frame.method
        if isinstance(method, pika.spec.Basic.Nack):
            self.error = f"the broker nacked delivery tag {method.delivery_tag}"
            self.connection.close()
            return
        if method.multiple:
            self.unconfirmed = {tag for tag in self.unconfirmed if tag > method.delivery_tag}
        else:
            self.unconfirmed.discard(method.delivery_tag)
        if self.unconfirmed:
            return
        if self.published < self.total:
            self.publish_batch()
        else:
            self.end_ns = time.monotonic_ns()
            self.connection.close()


def nearest_rank(sorted_values, percent):
    """The smallest value with at least `percent`% of the values at or below it (the engine's
    definition; statistics.quantiles interpolates, so it is not used here)."""
    rank = max(1, -(-percent * len(sorted_values) // 100))
    return sorted_values[rank - 1]


def run_case(port, case, messages, batch, repeat_index):
    """One run of a case in a fresh queue: its figures."""
    queue = f"calibrate-{case.name}-{repeat_index}-{os.getpid()}"
    admin = pika.BlockingConnection(connection_parameters(port))
    admin_channel = admin.channel()
    admin_channel.queue_delete(queue=queue)
    admin_channel.queue_declare(queue=queue, durable=True)
    admin.close()

    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(case.consumers + 1)
    done = context.Event()
    processed = context.Value("i", 0)
    results = context.Queue()
    consumers = [
        context.Process(target=consume, args=(port, queue, case, messages, ready, done, processed, results, index), name=f"consumer-{index}")
        for index in range(case.consumers)
    ]
    producer = context.Process(target=publish, args=(port, queue, case, messages, batch, results), name="producer")
    try:
        for consumer in consumers:
            consumer.start()
        ready.wait(timeout=CASE_TIMEOUT_S)  # every consumer is subscribed
        producer.start()
        records, publish_times = [], None
        deadline = time.monotonic() + CASE_TIMEOUT_S
        for _ in range(case.consumers + 1):
            kind, *payload = results.get(timeout=max(1, deadline - time.monotonic()))
            if kind == "producer":
                publish_times = payload
            else:
                records.extend(payload[1])
        for process in consumers + [producer]:
            process.join(timeout=max(1, deadline - time.monotonic()))
            if process.exitcode != 0:
                raise RuntimeError(f"{case.name}: {process.name} exited with {process.exitcode}")
    finally:
        for process in consumers + [producer]:
            if process.is_alive():
                process.terminate()
                process.join()
    if len(records) != messages:
        raise RuntimeError(f"{case.name}: {len(records)} messages processed, {messages} published")

    admin = pika.BlockingConnection(connection_parameters(port))
    admin.channel().queue_delete(queue=queue)
    admin.close()

    start_ns, end_ns = publish_times
    first_publish_ns = min(published for published, _ in records)
    last_processed_ns = max(processed_at for _, processed_at in records)
    latencies_ms = sorted((processed_at - published) / 1e6 for published, processed_at in records)
    span_s = (last_processed_ns - first_publish_ns) / 1e9
    return {
        "throughput_per_s": round(messages / span_s, 1),
        "publish_per_s": round(messages / ((end_ns - start_ns) / 1e9), 1),
        "latency_ms": {
            "p50": round(nearest_rank(latencies_ms, 50), 3),
            "p99": round(nearest_rank(latencies_ms, 99), 3),
            "max": round(latencies_ms[-1], 3),
        },
        "span_s": round(span_s, 3),
    }


def median_figures(runs):
    """Each figure's median over the runs (figure by figure)."""
    return {
        "throughput_per_s": round(statistics.median(r["throughput_per_s"] for r in runs), 1),
        "publish_per_s": round(statistics.median(r["publish_per_s"] for r in runs), 1),
        "latency_ms": {k: round(statistics.median(r["latency_ms"][k] for r in runs), 3) for k in ("p50", "p99", "max")},
    }


def messages_of(case, args):
    return args.work_messages if case.slow else args.messages


def machine(port, admin_port):
    overview = {}
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{admin_port}/api/overview")
        request.add_header("Authorization", "Basic Z3Vlc3Q6Z3Vlc3Q=")  # guest:guest
        with urllib.request.urlopen(request, timeout=10) as response:
            overview = json.load(response)
    except OSError as error:
        print(f"[calibrate] no management API on port {admin_port} ({error}): versions unknown", file=sys.stderr)
    return {
        "nproc": os.cpu_count(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pika": pika.__version__,
        "rabbitmq": overview.get("rabbitmq_version", "unknown"),
        "erlang": overview.get("erlang_version", "unknown"),
        "broker": f"127.0.0.1:{port}",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def ratio(numerator, denominator):
    return round(numerator / denominator, 3) if denominator else None


def ratios(by_name):
    rows = []
    for name, top, bottom in RATIOS:
        if top not in by_name or bottom not in by_name:
            continue
        a, b = by_name[top], by_name[bottom]
        rows.append({
            "name": name,
            "numerator": top,
            "denominator": bottom,
            "throughput": ratio(a["throughput_per_s"], b["throughput_per_s"]),
            "publish": ratio(a["publish_per_s"], b["publish_per_s"]),
            "p50": ratio(a["latency_ms"]["p50"], b["latency_ms"]["p50"]),
            "p99": ratio(a["latency_ms"]["p99"], b["latency_ms"]["p99"]),
        })
    return rows


def markdown(report):
    lines = [
        "| case | settings | messages | msgs/s | (repeats' range) | publish/s | p50 ms | p99 ms | max ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in report["cases"]:
        lat = case["latency_ms"]
        lines.append(f"| {case['name']} | {case['description']} | {case['settings']['messages']} | {case['throughput_per_s']:.0f} | "
                     f"{case['throughput_range_per_s'][0]:.0f}-{case['throughput_range_per_s'][1]:.0f} | "
                     f"{case['publish_per_s']:.0f} | {lat['p50']:.1f} | {lat['p99']:.1f} | {lat['max']:.1f} |")
    lines += ["", "| ratio | msgs/s | publish/s | p50 | p99 |", "|---|---:|---:|---:|---:|"]
    for row in report["ratios"]:
        lines.append(f"| {row['name']} | {row['throughput']} | {row['publish']} | {row['p50']} | {row['p99']} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=5702, help="the broker's AMQP port (default 5702)")
    parser.add_argument("--admin-port", type=int, help="its management HTTP port, for the versions (default port + 10000)")
    parser.add_argument("--messages", type=int, default=3000, help="messages per run of a case without work (default 3000)")
    parser.add_argument("--work-messages", type=int, default=400, help="messages per run of a consumers-N case (default 400)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the median is reported (default 3)")
    parser.add_argument("--confirm-batch", type=int, default=100, help="messages per batch of batched confirms (default 100)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 and 40 messages, 1 repeat")
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--out", default=DEFAULT_OUT, help="the JSON file written (default tests/calibration/real-rabbitmq.json)")
    parser.add_argument("--note", default="", help="a note kept in the JSON (e.g. the machine's load)")
    args = parser.parse_args(argv)
    if args.quick:
        args.messages, args.work_messages, args.repeat = 200, 40, 1
    all_cases = {case.name: case for case in CASES}
    if args.cases:
        unknown = [n for n in args.cases.split(",") if n not in all_cases]
        if unknown:
            parser.error(f"unknown cases {unknown}; known: {', '.join(all_cases)}")
        cases = [all_cases[n] for n in args.cases.split(",")]
    else:
        cases = CASES

    report = {
        "note": args.note,
        "command": shlex.join([os.path.relpath(sys.argv[0], ROOT)] + (sys.argv[1:] if argv is None else list(argv))),
        "machine": machine(args.port, args.admin_port or args.port + 10000),
        "definitions": {
            "throughput_per_s": "messages processed per second, first publish to last processing",
            "publish_per_s": "the producer's rate, its first publish to its last publish returning",
            "latency_ms": "publish (before basic_publish) to processed (after the work, before the ack); nearest-rank p50/p99 and max",
            "median": "each figure is the median over the repeats, figure by figure; runs keeps every repeat",
        },
        "cases": [],
    }
    started = time.monotonic()
    # Round r of every case, then round r + 1: a spell of load on the machine then falls on
    # every case alike rather than on all the repeats of one case, which would skew its ratios.
    runs = {case.name: [] for case in cases}
    for r in range(args.repeat):
        for case in cases:
            figures = run_case(args.port, case, messages_of(case, args), case.confirm_batch or args.confirm_batch, r)
            runs[case.name].append(figures)
            print(f"[calibrate] round {r + 1}/{args.repeat} {case.name}: {figures['throughput_per_s']:.0f} msgs/s, "
                  f"p50 {figures['latency_ms']['p50']:.1f} ms, p99 {figures['latency_ms']['p99']:.1f} ms "
                  f"({time.monotonic() - started:.0f} s)", file=sys.stderr)
    for case in cases:
        batch = case.confirm_batch or args.confirm_batch
        settings = {
            "queue": "durable classic queue",
            "prefetch_count": case.prefetch,
            "delivery_mode": case.delivery_mode,
            "confirms": case.confirms,
            "confirm_batch": batch if case.confirms == "batch" else None,
            "consumers": case.consumers,
            "work_ms": case.work_ms,
            "ack": "manual, after the work",
            "messages": messages_of(case, args),
        }
        throughputs = [run["throughput_per_s"] for run in runs[case.name]]
        report["cases"].append({"name": case.name, "description": case.description, "settings": settings,
                                "repeats": args.repeat, **median_figures(runs[case.name]),
                                "throughput_range_per_s": [min(throughputs), max(throughputs)], "runs": runs[case.name]})
    report["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["machine"]["duration_s"] = round(time.monotonic() - started, 1)
    report["ratios"] = ratios({case["name"]: case for case in report["cases"]})

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
