"""Unit tests of compare.py's comparison (no broker needed): a difference in any compared field
is found, equal reports agree, and what the real client cannot see is left out.

Run: python3 tests/conformance/test_compare.py   (tests/python_code.rs runs it in layer 1)
"""
import copy
import os
import sys
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


if __name__ == "__main__":
    unittest.main()
