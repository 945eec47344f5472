"""Unit tests of compare.py's comparison (no broker needed): a difference in any compared field
is found, equal reports agree, and what the real client cannot see is left out.

Run: python3 tests/conformance/test_compare.py   (tests/export.rs runs it in layer 1, with
QP set to its qp binary; without QP the tests that run the engine use target/*/qp if built)
"""
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def engine():
    return {
        "actors": [
            {"name": "producer", "terminal": [" [x] Sent {'data': 0}"], "exit_error": None},
            {"name": "consumer", "terminal": [" [x] Received {'data': 0}"], "exit_error": None},
        ],
        "messages": [
            {"producer": "producer", "data": 0, "deliveries": [{"to": "consumer", "redelivered": False, "at_ms": 10}]},
        ],
        "queues": [{"name": "q", "exists": True, "ready": [], "unacked": 0}],
        "trace": [],
    }


def real():
    return {
        "actors": [
            {"name": "producer", "terminal": [" [x] Sent {'data': 0}"], "exit_error": None},
            {"name": "consumer", "terminal": [" [x] Received {'data': 0}"], "exit_error": None},
        ],
        "messages": [{"producer": "producer", "data": 0, "deliveries": [{"to": "consumer", "redelivered": False}]}],
        "queues": [{"name": "q", "exists": True, "ready": [], "unacked": 0}],
    }


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QP = os.environ.get("QP") or next((p for p in (os.path.join(ROOT, "target", d, "qp") for d in ("release", "debug")) if os.path.exists(p)), None)


def differences(e, r):
    a, b = compare.views(e, r)
    return sorted(k for k in set(a) | set(b) if a.get(k, "(absent)") != b.get(k, "(absent)"))


class Views(unittest.TestCase):
    def test_equal_reports_agree(self):
        self.assertEqual(differences(engine(), real()), [])

    def test_a_message_never_sent_is_absent_on_both_sides(self):
        e = engine()
        e["messages"].append({"producer": "producer", "data": 1, "deliveries": [], "verdict": "never_sent"})
        self.assertEqual(differences(e, real()), [])
        r = real()
        r["messages"].append({"producer": "producer", "data": 1, "deliveries": []})
        self.assertEqual(differences(e, r), ["message producer/1 deliveries", "message producer/1 headers"], "sent for real, never sent by the engine")

    def test_a_message_never_published_is_absent_on_both_sides(self):
        # An order committed and never published (a dual write), or left in the outbox: the
        # engine reports it with no copy, and the real run's log has no publish of it.
        e = engine()
        e["messages"].append({"producer": "producer", "data": 1, "deliveries": [], "copies": [], "verdict": "lost"})
        self.assertEqual(differences(e, real()), [])
        r = real()
        r["messages"].append({"producer": "producer", "data": 1, "deliveries": []})
        self.assertEqual(differences(e, r), ["message producer/1 deliveries", "message producer/1 headers"], "published for real, never by the engine")

    def test_a_message_never_delivered_may_be_absent_from_the_real_log(self):
        # Published by the engine, its frame lost: no delivery on either side, and the real
        # recorder has no publish of it (basic_publish raised).
        e = engine()
        e["messages"].append({"producer": "producer", "data": 1, "deliveries": [], "copies": [{"state": "dropped"}], "verdict": "lost"})
        self.assertEqual(differences(e, real()), [])
        e["messages"][-1]["deliveries"] = [{"to": "consumer", "redelivered": False}]
        self.assertEqual(differences(e, real()), ["message producer/1 deliveries", "message producer/1 headers"], "delivered by the engine, not for real")

    def test_every_compared_field_is_compared(self):
        cases = [
            (lambda r: r["actors"][1]["terminal"].append(" [x] Received {'data': 1}"), "actor consumer terminal"),
            (lambda r: r["actors"][1].__setitem__("exit_error", "pika.exceptions.StreamLostError"), "actor consumer exit_error"),
            (lambda r: r["messages"][0]["deliveries"][0].__setitem__("redelivered", True), "message producer/0 deliveries"),
            (lambda r: r["queues"][0].__setitem__("ready", [0]), "queue q"),
            (lambda r: r["queues"][0].__setitem__("unacked", 1), "queue q"),
            (lambda r: r["queues"][0].__setitem__("exists", False), "queue q"),
            (lambda r: r["messages"][0]["deliveries"][0].__setitem__("headers", {"x-delivery-count": 1}), "message producer/0 headers"),
            (lambda r: r["queues"][0].__setitem__("ready_headers", [{"x-first-death-reason": "rejected"}]), "queue q ready headers"),
        ]
        for change, field in cases:
            r = real()
            change(r)
            self.assertEqual(differences(engine(), r), [field], field)
        r = real()
        r["messages"][0]["deliveries"].append({"to": "consumer", "redelivered": True})
        self.assertEqual(differences(engine(), r), ["message producer/0 deliveries", "message producer/0 headers"])
        r = real()
        r["messages"].append({"producer": "producer", "data": 1, "deliveries": []})
        self.assertEqual(differences(engine(), r), ["message producer/1 deliveries", "message producer/1 headers"])

    def test_headers_diverge_field_by_field(self):
        """x-death as RabbitMQ 3.10 sets it: a count, the order of the tables, any field of
        one, x-first-death-*: each difference is found; equal headers agree."""
        death = {"count": 2, "reason": "rejected", "queue": "q", "exchange": "", "routing-keys": ["q"]}
        other = {"count": 1, "reason": "rejected", "queue": "dlq", "exchange": "dlx", "routing-keys": ["q"]}
        headers = {"x-death": [death, other], "x-first-death-reason": "rejected", "x-first-death-queue": "q", "x-first-death-exchange": ""}
        e, r = engine(), real()
        e["messages"][0]["deliveries"][0]["headers"] = copy.deepcopy(headers)
        r["messages"][0]["deliveries"][0]["headers"] = copy.deepcopy(headers)
        self.assertEqual(differences(e, r), [])
        changes = [
            lambda h: h["x-death"][0].__setitem__("count", 1),
            lambda h: h["x-death"].reverse(),
            lambda h: h["x-death"][1].__setitem__("exchange", ""),
            lambda h: h["x-death"][0].__setitem__("routing-keys", ["dlq"]),
            lambda h: h.__setitem__("x-first-death-queue", "dlq"),
            lambda h: h.pop("x-first-death-exchange"),
            lambda h: h.__setitem__("x-delivery-count", 1),
        ]
        for change in changes:
            r2 = copy.deepcopy(r)
            change(r2["messages"][0]["deliveries"][0]["headers"])
            self.assertEqual(differences(e, r2), ["message producer/0 headers"])

    def test_a_delivery_to_a_dead_consumer_is_not_observable(self):
        e = engine()
        e["trace"] = [{"event": "ActorCrashed", "actor": 1, "at_ms": 5}]
        self.assertEqual(differences(e, real()), ["message producer/0 deliveries", "message producer/0 headers"], "sent after the crash: left out")
        r = real()
        r["messages"][0]["deliveries"] = []
        self.assertEqual(differences(e, r), [])
        # After a restart it is observable again.
        e["trace"].append({"event": "ActorRestarted", "actor": 1, "at_ms": 8})
        self.assertEqual(differences(e, real()), [])

    def test_a_delivery_racing_the_kill_may_or_may_not_be_seen(self):
        e = engine()
        # Sent 2 ms after the crash: pika may have read it just before the kill.
        e["trace"] = [{"event": "ActorCrashed", "actor": 1, "at_ms": 8}]
        self.assertEqual(differences(e, real()), [], "read before the kill")
        r = real()
        r["messages"][0]["deliveries"] = []
        self.assertEqual(differences(e, r), [], "or not")
        r = real()
        r["messages"][0]["deliveries"][0]["redelivered"] = True
        self.assertEqual(differences(e, r), ["message producer/0 deliveries"], "but not anything else")


def options(**changes):
    values = dict(port=5701, admin_port=15701, rabbitmqctl="ctl", kill_broker="", resume_broker="", cluster_start="start {nodes}",
                  node_ports="5711,5712,5713", node_admin_ports="15711,15712,15713", node_rabbitmqctl="ctl {node}",
                  kill_node="kill {node}", resume_node="resume {node}")
    values.update(changes)
    return type("Options", (), values)()


class Cluster(unittest.TestCase):
    """Scenarios on several broker nodes run on a cluster, started for the first of them."""

    def folder(self, nodes):
        import tempfile
        folder = tempfile.mkdtemp()
        with open(os.path.join(folder, "scenario.json"), "w") as f:
            f.write('{"broker": {"nodes": %d}}' % nodes)
        return folder

    def test_a_cluster_scenario_runs_on_the_cluster_with_its_node_commands(self):
        command = compare.run_command("py", self.folder(3), options(), 2000)
        self.assertIn("--node-ports", command)
        self.assertEqual(command[command.index("--node-ports") + 1], "5711,5712,5713")
        self.assertEqual(command[command.index("--node-admin-ports") + 1], "15711,15712,15713")
        self.assertEqual(command[command.index("--rabbitmqctl") + 1], "ctl {node}")
        self.assertEqual(command[command.index("--kill-broker") + 1], "kill {node}")
        self.assertEqual(command[command.index("--resume-broker") + 1], "resume {node}")
        self.assertNotIn("--port", command)

    def test_a_single_broker_scenario_runs_as_before(self):
        command = compare.run_command("py", self.folder(1), options(kill_broker="k", resume_broker="r"), 2000)
        self.assertEqual(command[command.index("--port") + 1], "5701")
        self.assertEqual(command[command.index("--rabbitmqctl") + 1], "ctl")
        self.assertEqual(command[command.index("--kill-broker") + 1], "k")
        self.assertNotIn("--node-ports", command)

    def test_the_cluster_starts_once_and_only_for_cluster_scenarios(self):
        started = []
        self.assertEqual(compare.cluster_for(1, 0, options(), started.append), 0, "a single broker scenario starts nothing")
        self.assertEqual(compare.cluster_for(3, 0, options(), started.append), 3)
        self.assertEqual(started, ["start 3"])
        self.assertEqual(compare.cluster_for(3, 3, options(), started.append), 3, "the next one reuses it")
        self.assertEqual(compare.cluster_for(1, 3, options(), started.append), 3)
        self.assertEqual(started, ["start 3"])
        self.assertIsNone(compare.cluster_for(3, 0, options(cluster_start=""), started.append), "no --cluster-start: not run")

    def test_a_queue_read_after_its_node_came_back_compares_as_any_other(self):
        r = real()
        r["queues"][0]["home_down"] = True
        self.assertEqual(differences(engine(), r), [])


def progress(sent, acked, unacked):
    """A report where a producer sent `sent` messages before a node stop and a slow consumer
    had acked `acked` of q's and held `unacked` (requeued to a drain after the restart)."""
    return {
        "actors": [
            {"name": "producer", "terminal": [" [x] Sent {'data': %d}" % i for i in range(sent)], "exit_error": None},
            {"name": "slow", "terminal": [" [x] Received {'data': %d}" % i for i in range(acked + 1)], "exit_error": None},
        ],
        "messages": [{"producer": "fill", "data": i, "deliveries": [{"to": "slow", "redelivered": False, "at_ms": 100 + i}]
                      + ([{"to": "drain", "redelivered": True, "at_ms": 11000}] if i >= acked else [])} for i in range(acked + unacked)],
        "queues": [{"name": "q", "exists": True, "ready": [], "unacked": 0}],
        "trace": [],
    }


def as_real(report):
    r = copy.deepcopy(report)
    for m in r["messages"]:
        for d in m["deliveries"]:
            del d["at_ms"]
    del r["trace"]
    return r


def row_f_like():
    return {"name": "row-f", "actors": [{"role": "producer", "name": "producer", "start_ms": 0},
                                        {"role": "consumer", "name": "slow", "start_ms": 100, "work_ms": 500},
                                        {"role": "consumer", "name": "drain", "start_ms": 11000}],
            "faults": [{"when": {"at_ms": 1300}, "do": {"stop_node": {"node": 0, "restart": True}}},
                       {"when": {"at_ms": 700}, "do": {"crash": "slow"}},
                       {"when": {"after": {"actor": "slow", "op": "basic_ack", "occurrence": 1}}, "do": {"crash": "slow"}}]}


class AllowedOutcomes(unittest.TestCase):
    def test_a_node_fault_is_moved_in_its_window_and_nothing_else(self):
        found = compare.variants(row_f_like(), "row-f")
        early, late = compare.FAULT_WINDOWS_MS["row-f"]
        most = compare.OWN_LAG_MS["row-f"]["slow"]
        self.assertEqual(found[0][0], "as written")
        self.assertEqual(found[0][1], row_f_like())
        # Times relative to the producer's start: the stop's, slow's, the timed crash's.
        timings = [tuple(t - v["actors"][0].get("start_ms", 0) for t in (v["faults"][0]["when"]["at_ms"], v["actors"][1]["start_ms"], v["faults"][1]["when"]["at_ms"]))
                   for _, v in found]
        grid = [(max(0, 1300 + s), 100 + lag, 700) for s in range(-early, late + 1, compare.FAULT_STEP_MS)
                for lag in range(-most, most + 1, compare.OWN_LAG_STEP_MS)]
        self.assertEqual(sorted(timings), sorted(grid), "every stop time in the window, with slow starting on its own lag")
        self.assertEqual(len(timings), len(set(timings)), "each once")
        for description, v in found:
            self.assertEqual(v["faults"][2], row_f_like()["faults"][2], "a crash at an op keeps its op: " + description)
            self.assertEqual(v["actors"][2]["start_ms"] - v["faults"][0]["when"]["at_ms"], 9700, "a program after the stop moves with it")
            unmoved = lambda actors: [{k: x for k, x in a.items() if k != "start_ms"} for a in actors]
            self.assertEqual(unmoved(v["actors"]), unmoved(row_f_like()["actors"]), "only start times move")
        self.assertIn("as written, node faults -450 ms", [d for d, _ in found])
        self.assertIn("as written, node faults +550 ms, slow starting -300 ms", [d for d, _ in found])
        # A scenario without a window: its node faults keep their time.
        other = dict(row_f_like(), name="broker-restart-transient")
        self.assertEqual([d for d, _ in compare.variants(other, "broker-restart-transient")], ["as written"])

    def test_the_real_run_must_equal_one_shift_field_for_field(self):
        # The engine's runs with the stop at three times: 7 sent and 2 acked, 5 sent and 2
        # acked, 4 sent and 1 acked.
        engines = [("as written", progress(7, 2, 3)), ("node faults -300 ms", progress(5, 2, 3)), ("node faults -600 ms", progress(4, 1, 4))]
        for description, report in engines:
            best = compare.compare_one(engines, as_real(report))
            self.assertEqual((best[0], best[1]), (description, []), description)
        # Each field is in the set, but not together: one run's producer, another's consumer.
        mixed = as_real(progress(7, 2, 3))
        mixed["messages"] = as_real(progress(4, 1, 4))["messages"]
        mixed["actors"][1] = as_real(progress(4, 1, 4))["actors"][1]
        description, diverged, _ = compare.compare_one(engines, mixed)
        self.assertTrue(diverged, "a mix of two shifts is no timing of one run")
        # Outside the set: more sent than any shift allows.
        description, diverged, _ = compare.compare_one(engines, as_real(progress(9, 2, 3)))
        self.assertEqual([d.split("\n")[0].strip() for d in diverged], ["actor producer terminal"])

    def test_a_crash_tied_with_another_ack_is_found(self):
        trace = [{"event": "ActorCrashed", "actor": 1, "at_ms": 512}, {"event": "AckSent", "actor": 2, "at_ms": 512}]
        self.assertEqual(compare.ties({"trace": trace}), [512])
        trace[1]["at_ms"] = 513
        self.assertEqual(compare.ties({"trace": trace}), [512], "within TIE_MS")
        trace[1]["at_ms"] = 514
        self.assertEqual(compare.ties({"trace": trace}), [], "2 ms apart: an order the machine keeps")
        trace[1] = {"event": "AckSent", "actor": 1, "at_ms": 512}
        self.assertEqual(compare.ties({"trace": trace}), [], "its own ack is no race")

    def test_only_a_tied_run_is_jittered(self):
        """engine_reports with a stand-in for qp: a run whose trace has a crash tied with
        another consumer's ack is also run with jittered frames, seed by seed; one without is not."""
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        fake = os.path.join(folder, "qp")
        with open(fake, "w") as f:
            f.write("#!%s\nimport json, sys\ns = json.load(open(sys.argv[2]))\n"
                    "tie = s['actors'][0].get('tie', False)\n"
                    "trace = [{'event': 'ActorCrashed', 'actor': 0, 'at_ms': 5}, {'event': 'AckSent', 'actor': 1, 'at_ms': 5 if tie else 9}]\n"
                    "print(json.dumps({'actors': [], 'messages': [], 'queues': [], 'trace': trace, 'seed': s['seed'], 'jitter': s['network']['jitter_ms']}))\n"
                    % sys.executable)
        os.chmod(fake, 0o755)
        for tie, expected in [(False, 1), (True, 1 + compare.TIE_SEEDS)]:
            scenario = {"name": "x", "seed": 1, "network": {"latency_ms": 1, "jitter_ms": 0},
                        "actors": [{"role": "consumer", "name": "a", "tie": tie}, {"role": "consumer", "name": "b", "start_ms": 500}]}
            with open(os.path.join(folder, "scenario.json"), "w") as f:
                json.dump(scenario, f)
            reports = compare.engine_reports(fake, folder)
            self.assertEqual(len(reports), expected)
            self.assertEqual((reports[0][0], reports[0][1]["jitter"]), ("as written", 0))
            self.assertEqual([(r["seed"], r["jitter"]) for _, r in reports[1:]], [(s, compare.TIE_JITTER_MS) for s in range(1, expected)])

    @unittest.skipUnless(QP, "needs the qp binary (cargo build --bin qp)")
    def test_idempotent_consumers_race_is_allowed_both_ways_and_nothing_else(self):
        """The catalog's idempotent-consumer on the engine: the allowed runs include both
        orders of the crash and consumer-2's ack (2r before 4, and 4 before 2r), and no run
        loses or duplicates an effect."""
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        subprocess.run([QP, "export", "--catalog", "idempotent-consumer", "--out", folder], check=True, capture_output=True)
        reports = compare.engine_reports(QP, folder)
        received = set()
        for _, r in reports:
            lines = {a["name"]: tuple(int(l.split(": ")[-1].rstrip("}")) for l in a["terminal"] if "Received" in l) for a in r["actors"]}
            received.add((lines["consumer"], lines["consumer-2"]))
        self.assertIn(((0, 2), (1, 3, 2, 4, 5, 6, 7, 8, 9)), received, "the engine as written: the requeue first")
        self.assertIn(((0, 2), (1, 3, 4, 2, 5, 6, 7, 8, 9)), received, "consumer-2's ack first")
        for consumer, other in received:
            self.assertEqual(sorted(set(consumer) | set(other)), list(range(10)), "each message processed")
            self.assertEqual(len(consumer) + len(other), 11, "one duplicate delivery, the crashed consumer's message")
        self.assertLessEqual(len(received), 8, "a few timings, not anything")


class Errno(unittest.TestCase):
    def test_a_reset_may_surface_as_a_broken_pipe_and_nothing_else(self):
        e, r = engine(), real()
        e["actors"][0]["exit_error"] = compare.RESET
        e["actors"][0]["terminal"] = e["actors"][0]["terminal"] + [compare.RESET]
        for text in (compare.RESET, compare.BROKEN_PIPE):
            r["actors"][0]["exit_error"] = text
            r["actors"][0]["terminal"] = real()["actors"][0]["terminal"] + [text]
            self.assertEqual(differences(e, r), [], text)
        r["actors"][0]["exit_error"] = "pika.exceptions.ConnectionClosedByBroker: (320, 'x')"
        self.assertEqual(differences(e, r), ["actor %s exit_error" % r["actors"][0]["name"]])


if __name__ == "__main__":
    unittest.main()
