"""A smoke test of scripts/calibrate.py against a running RabbitMQ: its --quick run writes a
JSON of the expected shape with sane figures (every case present, throughput > 0,
p50 <= p99 <= max, every ratio computed), and the nearest-rank percentile is the engine's.

Needs pika and a broker (skipped without one):
    QP_RABBIT_PORT=5702 bash scripts/rabbit.sh start
    QP_CALIBRATE_PORT=5702 target/conformance-venv/bin/python -m unittest tests/calibration/test_calibrate.py
    QP_RABBIT_PORT=5702 bash scripts/rabbit.sh stop
(QP_CALIBRATE_PORT defaults to 5702.) With QP_CALIBRATE_REQUIRED=1 (scripts/test.sh) a missing
broker fails instead of skipping.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "calibrate.py")
PORT = int(os.environ.get("QP_CALIBRATE_PORT", "5702"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import calibrate  # noqa: E402


def broker_up():
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
        return True
    except OSError:
        return False


class NearestRank(unittest.TestCase):
    def test_is_the_engines_definition(self):
        values = list(range(1, 101))
        self.assertEqual((calibrate.nearest_rank(values, 50), calibrate.nearest_rank(values, 99)), (50, 99))
        self.assertEqual((calibrate.nearest_rank([3, 5, 7], 50), calibrate.nearest_rank([3, 5, 7], 99)), (5, 7))
        self.assertEqual(calibrate.nearest_rank([4], 99), 4)


@unittest.skipUnless(broker_up() or os.environ.get("QP_CALIBRATE_REQUIRED") == "1", f"no RabbitMQ on 127.0.0.1:{PORT}")
class QuickRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "calibration.json")
            cls.run_result = subprocess.run([sys.executable, SCRIPT, "--port", str(PORT), "--quick", "--out", out],
                                            capture_output=True, text=True, timeout=300)
            cls.report = None
            if cls.run_result.returncode == 0:
                with open(out) as f:
                    cls.report = json.load(f)

    def setUp(self):
        self.assertEqual(self.run_result.returncode, 0, self.run_result.stderr)

    def test_every_case_is_present_with_its_settings(self):
        self.assertEqual([c["name"] for c in self.report["cases"]], [c.name for c in calibrate.CASES])
        for case in self.report["cases"]:
            settings = case["settings"]
            self.assertEqual(settings["messages"], 40 if settings["work_ms"] else 200, case["name"])
            self.assertEqual(case["repeats"], 1)
            self.assertEqual(len(case["runs"]), 1)
            self.assertIn(settings["confirms"], ("none", "each", "batch"))
            self.assertIn(settings["delivery_mode"], (1, 2))

    def test_figures_are_sane(self):
        for case in self.report["cases"]:
            with self.subTest(case["name"]):
                self.assertGreater(case["throughput_per_s"], 0)
                self.assertGreater(case["publish_per_s"], 0)
                latency = case["latency_ms"]
                self.assertGreaterEqual(latency["p50"], 0)
                self.assertLessEqual(latency["p50"], latency["p99"])
                self.assertLessEqual(latency["p99"], latency["max"])

    def test_ratios_and_machine(self):
        self.assertEqual([r["name"] for r in self.report["ratios"]], [name for name, _, _ in calibrate.RATIOS])
        for row in self.report["ratios"]:
            self.assertGreater(row["throughput"], 0, row["name"])
        machine = self.report["machine"]
        self.assertGreaterEqual(machine["nproc"], 1)
        self.assertTrue(machine["rabbitmq"].startswith("3."), machine["rabbitmq"])
        self.assertEqual(machine["pika"], "1.3.2")
        self.assertIn("| ratio |", self.run_result.stdout)


if __name__ == "__main__":
    unittest.main()
