"""The conformance layer: run scenarios on the engine (`qp run`) and on a real RabbitMQ (the
export's run.py against the private broker of scripts/rabbit.sh), and compare what happened,
field by field. A divergence prints both sides and makes the exit status 1.

Usage: python3 compare.py --qp QP --python PYTHON --out DIR [--port 5701 --admin-port 15701
       --rabbitmqctl CMD] SCENARIO...   (catalog names)

Compared, per scenario:
- every actor: its terminal lines and its exit error (the traceback's last line);
- every message (producer, data): its deliveries in order, each (consumer, redelivered);
- every queue: exists, its ready messages in order, unacked.
Fields a real broker decides by timing are compared as sets of allowed outcomes:
- consumers that start at the same moment subscribe in an order the real broker does not fix
  (ground truth j3: "which msg is hit varies from run to run"), and the round robin follows
  that order. The engine subscribes them in the order of `actors`; so the allowed outcomes are
  the engine's runs for every order of such consumers, and the real run must equal one of
  them, field for field.
"""
import argparse
import itertools
import json
import os
import subprocess
import sys
import time

def engine_reports(qp, folder):
    """The engine's report for each order in which same-time consumers may subscribe:
    [(description, report)], the scenario's own order first."""
    scenario = json.load(open(os.path.join(folder, "scenario.json")))
    actors = scenario["actors"]
    groups = {}
    for i, a in enumerate(actors):
        if a["role"] == "consumer":
            groups.setdefault(a.get("start_ms", 0), []).append(i)
    groups = [g for g in groups.values() if 1 < len(g) <= 3]
    orders = [[]]
    for g in groups:
        orders = [o + [(g, p)] for o in orders for p in itertools.permutations(g)]
    reports = []
    for k, order in enumerate(orders):
        permuted = list(actors)
        for g, p in order:
            for slot, source in zip(g, p):
                permuted[slot] = actors[source]
        path = os.path.join(folder, "engine-order-%d.json" % k)
        with open(path, "w") as f:
            json.dump(dict(scenario, actors=permuted), f)
        out = subprocess.run([qp, "run", path], capture_output=True, text=True, check=True)
        names = " then ".join(", ".join(a["name"] for a in permuted if a["role"] == "consumer" and a.get("start_ms", 0) == permuted[g[0]].get("start_ms", 0)) for g, _ in order)
        reports.append(("subscribed " + names if order else "", json.loads(out.stdout)))
    return reports


def export(qp, out_dir, scenario):
    """Export the scenario; the faults the driver cannot perform yet (none means it runs)."""
    folder = os.path.join(out_dir, scenario)
    out = subprocess.run([qp, "export", "--catalog", scenario, "--out", folder], capture_output=True, text=True, check=True)
    return [line[len("warning: "):] for line in out.stderr.splitlines() if line.startswith("warning: ")]


def real_report(qp, python, out_dir, scenario, options):
    folder = os.path.join(out_dir, scenario)
    command = [python, os.path.join(folder, "run.py"), "--port", str(options.port), "--fresh",
               "--rabbitmqctl", options.rabbitmqctl]
    if options.admin_port:
        command += ["--admin-port", str(options.admin_port)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError("run.py failed (%d):\n%s" % (out.returncode, out.stderr[-3000:]))
    with open(os.path.join(folder, "real.json"), "w") as f:
        f.write(out.stdout)
    return json.loads(out.stdout)


def views(engine, real):
    """Both reports in one shape: {field path: value}."""
    a, b = {}, {}
    for actor in engine["actors"]:
        a["actor %s terminal" % actor["name"]] = actor["terminal"]
        a["actor %s exit_error" % actor["name"]] = actor.get("exit_error")
    for actor in real["actors"]:
        b["actor %s terminal" % actor["name"]] = actor["terminal"]
        b["actor %s exit_error" % actor["name"]] = actor.get("exit_error")
    for m in engine["messages"]:
        a["message %s/%s deliveries" % (m["producer"], m["data"])] = [[d["to"], d["redelivered"]] for d in m["deliveries"]]
    for m in real["messages"]:
        b["message %s/%s deliveries" % (m["producer"], m["data"])] = [[d["to"], d["redelivered"]] for d in m["deliveries"]]
    for q in engine["queues"]:
        a["queue %s" % q["name"]] = {"exists": q["exists"], "ready": q["ready"], "unacked": q["unacked"]}
    for q in real["queues"]:
        b["queue %s" % q["name"]] = {"exists": q["exists"], "ready": q["ready"], "unacked": q["unacked"]}
    return a, b


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qp", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--port", type=int, default=5701)
    parser.add_argument("--admin-port", type=int, default=15701)
    parser.add_argument("--rabbitmqctl", default="")
    parser.add_argument("scenarios", nargs="+")
    options = parser.parse_args()
    os.makedirs(options.out, exist_ok=True)
    failures = 0
    fields = 0
    skipped = []
    for scenario in options.scenarios:
        t0 = time.monotonic()
        missing = export(options.qp, options.out, scenario)
        if missing:
            # Not compared, and said so: the driver cannot perform these faults yet.
            skipped.append(scenario)
            print("[conformance] %-28s SKIPPED: %s" % (scenario, "; ".join(missing)))
            continue
        engines = engine_reports(options.qp, os.path.join(options.out, scenario))
        real = real_report(options.qp, options.python, options.out, scenario, options)
        best = None
        for description, engine in engines:
            a, b = views(engine, real)
            diverged = []
            for key in sorted(set(a) | set(b)):
                left, right = a.get(key, "(absent)"), b.get(key, "(absent)")
                if left != right:
                    diverged.append("  %s\n    engine: %s\n    real:   %s" % (key, json.dumps(left), json.dumps(right)))
            if best is None or len(diverged) < len(best[1]):
                best = (description, diverged, len(set(a) | set(b)))
            if not diverged:
                break
        description, diverged, count = best
        fields += count
        status = "ok" if not diverged else "DIVERGED"
        if description and len(engines) > 1:
            status += " (the real broker's order: %s; %d orders allowed)" % (description, len(engines))
        print("[conformance] %-28s %s (%d fields, %.1f s)" % (scenario, status, count, time.monotonic() - t0))
        if diverged:
            failures += 1
            print("\n".join(diverged))
    print("[conformance] %d scenarios compared (%d fields), %d diverged; %d not run on the real broker yet: %s"
          % (len(options.scenarios) - len(skipped), fields, failures, len(skipped), ", ".join(skipped) or "none"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
