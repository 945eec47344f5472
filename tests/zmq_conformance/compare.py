"""The ZeroMQ conformance layer: run ZeroMQ scenarios on the engine (`qp run`) and as real pyzmq
programs (`qp code`, bundled libzmq 4.3.5 of pyzmq 27.3.0) on loopback, and compare what
happened, field by field. A divergence prints the case, the field, both values and the command
that reproduces it, and makes the exit status 1.

Usage: python3 compare.py --qp QP --python VENV_PYTHON --out DIR CASE...
       (CASE: a ZeroMQ catalog name, or a ZeroMQ scenario file *.json)

How a case runs for real (the ground truth's way, ../shared/ground-truth/zeromq.md):
- each actor's program is `qp code CASE --actor NAME`, with its tcp:// endpoint moved to a free
  port on 127.0.0.1 and nothing else changed, run by launch.py: each initial program is its own
  process, started early, which imports zmq and then waits until its `start_ms` (so its first
  line runs when the engine's does); a case whose actors share one process in the ground truth
  (inproc://, or ONE_PROCESS) runs them as threads of one process with one zmq.Context;
- a `crash` fault triggered "after ACTOR's n-th OP" (a print) is SIGKILL to that process as soon
  as this driver reads its n-th such line (the ground truth's parent did the same, 0.1-2.3 ms
  later); one `at_ms` is SIGKILL at that time; `restart_after_ms` starts a fresh process of the
  same program on the same endpoint that much later (Python's start and `import zmq` included,
  as the engine's PROCESS_START_MS); slow consumers and servers are program settings (work_ms);
  partitions are not run here, nor faults at a step (simulation only: the page's forks) (SKIPPED
  with the reason, none today);
- the case ends once every program the engine says ends (finished, failed) has ended, and
  SETTLE_MS after the engine's last event; a program still running then is "blocked" (a hang is an
  outcome: the naive REQ client, term() waiting for a peer), and is killed. No case runs past
  the engine's end + CASE_TIMEOUT_MS.

Compared, per case (the engine's report against what the processes printed):
- per actor: its terminal (every line printed, over its processes in order, "Killed" after one
  this driver killed, and "Traceback (most recent call last):" plus the exception's line when a
  program raised), its final status (finished, failed, crashed, or blocked = still running), and
  its number of processes;
- per message (sender, data): its outcome, "processed" (printed by a consumer or done by a
  server), "lost" (accepted by send, never printed: the engine's lost and still-queued), "never
  accepted" (send raised zmq.Again: " [!] Not sent") or "never sent"; and who processed it, in
  order ("consumer", "consumer#2" for the second process, ...): duplicate work shows here;
- per message of a PUSH/PUB producer: how long its send blocked, real = the time of its
  " [x] Sent" line minus when the send started (the program's start, its warm-up, or the
  previous line plus the interval); a timing, so equal within BLOCK_TOL_MS + BLOCK_TOL_RATIO of
  the engine's value;
- per producer that finished: how long close() + term() took (engine: SocketClosed to
  TermReturned; real: the process's end minus its last sleep after its last line), within the
  same tolerance.
Fields the ground truth observed as racy (RACY: z5a, z5c, z6a and the catalog chapters that are
those rows) are compared as sets of allowed outcomes: the allowed subscriber prints are the
ground truth's observed ones; every field of the real run must equal one allowed variant of the
engine's (the engine's run with the subscriber's prints replaced by one allowed outcome), and the
engine's own run must be one of them.
A real run depends on the machine's load: a case that diverges is run once more and fails only
if it diverges again (its line and the summary name it; the first run is kept as real-first.json).
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LAUNCH = os.path.join(HERE, "launch.py")

# Programs are spawned this long before the case's time 0, so that `import zmq` is done by then.
WARM_S = 1.5
# After the engine's last event, wait this long for late prints before ending a case.
SETTLE_MS = 700
# A case never runs past the engine's end plus this (a slower real program is then "blocked").
CASE_TIMEOUT_MS = 4000
# Timings (a send's or term()'s blocking) agree within this: sleeps overshoot and a loaded
# machine schedules late.
BLOCK_TOL_MS = 60
BLOCK_TOL_RATIO = 0.25
# Rows the ground truth ran with the peers in one process (besides every inproc:// one).
ONE_PROCESS = {"z5c"}
# What a fault trigger's op prints (the driver sees prints only).
TRIGGER_LINES = {
    "print_received": " [x] Received ",
    "print_done": " [x] Done ",
    "print_sent": " [x] Sent ",
    "print_reply": " [x] Reply ",
    "print_not_sent": " [!] Not sent ",
    "print_no_reply": " [!] No reply ",
    "print_no_response": " [!] No response from server",
    "print_give_up": " [!] Server seems to be offline",
}


def missed_prefix(allowed_missed):
    """The subscriber's prints when it missed the first k of 0-9, for each allowed k."""
    return [list(range(k, 10)) for k in allowed_missed]


# The racy rows of the ground truth: case -> (the receiving actor, the allowed lists of payloads
# it prints). z5a: missed the first 2-5; z5c: missed 0 or nothing; z6a: 0,1 (12/13) or 0,1,2
# (1/13), and surprise 3: "occasionally 3 or 4" of a burst got through.
SLOW_JOINER = ("subscriber", missed_prefix([2, 3, 4, 5]))
BURST = ("subscriber", [list(range(n)) for n in (2, 3, 4)])
RACY = {
    "z5a": SLOW_JOINER,
    "z-slow-joiner": SLOW_JOINER,
    "z5c": ("subscriber", missed_prefix([0, 1])),
    "z6a": BURST,
    "z-hwm-drops": BURST,
}

DATA = re.compile(r"\{'data': (\d+)\}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_case(qp, case):
    """(name, scenario dict, the engine's report with its trace)."""
    if case.endswith(".json"):
        with open(case) as f:
            scenario = json.load(f)
        arg = [case]
    else:
        with open(os.path.join(ROOT, "src/systems/zeromq/catalog", case + ".json")) as f:
            scenario = json.load(f)
        arg = [case]
    report = json.loads(subprocess.run([qp, "run", *arg, "--trace"], check=True, capture_output=True, text=True).stdout)
    return scenario["name"], scenario, report


def program(qp, case, actor, endpoint):
    code = subprocess.run([qp, "code", case, "--actor", actor], check=True, capture_output=True, text=True).stdout
    return re.sub(r"tcp://127\.0\.0\.1:\d+", endpoint, code)


class Proc:
    """One real process (or, in one-process cases, one program's thread) of an actor."""

    def __init__(self, actor, incarnation):
        self.actor, self.incarnation = actor, incarnation
        self.lines = []  # (monotonic time, text)
        self.stderr = ""
        self.exit = None  # None while running; "finished", "failed", "killed"
        self.ended_at = None
        self.started_at = None
        self.late_ms = 0.0


class Real:
    """Runs a case's programs and applies its faults; `run()` returns the processes by actor."""

    def __init__(self, python, scenario, programs, out):
        self.python, self.scenario, self.programs, self.out = python, scenario, programs, out
        self.procs = {a["name"]: [] for a in scenario["actors"]}
        self.lock = threading.Lock()
        self.popen = {}  # id(Proc) -> Popen
        self.pending = 0  # restarts not yet started
        self.counts = {}  # (actor, op) -> lines seen
        self.fired = set()
        self.timers = []

    def path(self, actor):
        p = os.path.join(self.out, actor + ".py")
        with open(p, "w") as f:
            f.write(self.programs[actor])
        return p

    def spawn(self, actors, at):
        """Starts one process running the programs of `actors` [(name, start_ms)]."""
        argv = [self.python, "-u", LAUNCH] + (["--at", repr(at)] if at is not None else [])
        argv += ["%s=%d=%s" % (name, start, self.path(name)) for name, start in actors]
        # A restarted process gets RESTARTED=1 (a server whose delay is for its first process
        # only reads it: z7c).
        env = dict(os.environ, RESTARTED="1") if at is None else dict(os.environ)
        env.pop("RESTARTED", None) if at is not None else None
        popen = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, env=env)
        procs = {}
        with self.lock:
            for name, start in actors:
                proc = Proc(name, len(self.procs[name]) + 1)
                proc.started_at = (at + start / 1000) if at is not None else time.monotonic()
                self.procs[name].append(proc)
                self.popen[id(proc)] = popen
                procs[name] = proc
        tagged = len(actors) > 1
        popen.stderr_thread = threading.Thread(target=self.read_stderr, args=(popen, procs), daemon=True)
        popen.stderr_thread.start()
        threading.Thread(target=self.read_stdout, args=(popen, procs, tagged), daemon=True).start()
        return procs

    def read_stderr(self, popen, procs):
        text = popen.stderr.read()
        for proc in procs.values():
            proc.stderr = text
        m = re.search(r"launch: started ([\d.]+) ms late", text)
        if m:
            for proc in procs.values():
                proc.late_ms = float(m.group(1))

    def read_stdout(self, popen, procs, tagged):
        for raw in popen.stdout:
            now = time.monotonic()
            line = raw.rstrip("\n")
            if tagged:
                name, _, line = line.partition("\t")
                proc = procs[name]
                if line == "\x00exit":
                    proc.ended_at = now
                    proc.exit = "failed" if proc.lines and proc.lines[-1][1].startswith("zmq.") or any(
                        t == "Traceback (most recent call last):" for _, t in proc.lines) else "finished"
                    continue
            else:
                proc = next(iter(procs.values()))
            proc.lines.append((now, line))
            self.on_line(proc, line)
        rc = popen.wait()
        now = time.monotonic()
        popen.stderr_thread.join(timeout=5)
        for proc in procs.values():
            if proc.exit is None:
                proc.ended_at = now
                # sys.exit(1) (Lazy Pirate giving up) ends a program without an exception.
                proc.exit = "failed" if rc != 0 and "Traceback" in proc.stderr else "finished"

    def on_line(self, proc, line):
        for index, fault in enumerate(self.scenario.get("faults", [])):
            after = fault["when"].get("after")
            if not after or index in self.fired or after["actor"] != proc.actor:
                continue
            if line.startswith(TRIGGER_LINES[after["op"]]):
                key = (proc.actor, after["op"])
                self.counts[key] = self.counts.get(key, 0) + 1
                if self.counts[key] == after["occurrence"]:
                    self.fired.add(index)
                    self.do(fault["do"])

    def do(self, action):
        crash = action["crash"]
        name = crash["actor"]
        proc = self.procs[name][-1]
        if proc.exit is None:
            proc.exit = "killed"
            os.kill(self.popen[id(proc)].pid, signal.SIGKILL)
        if crash.get("restart_after_ms") is not None:
            self.pending += 1

            def restart():
                self.spawn([(name, 0)], None)
                self.pending -= 1
            t = threading.Timer(crash["restart_after_ms"] / 1000, restart)
            t.daemon = True
            t.start()
            self.timers.append(t)

    def run(self, engine_end_ms, ends):
        """Runs the case; `ends`: the actors whose last process the engine says ends."""
        actors = self.scenario["actors"]
        t0 = time.monotonic() + WARM_S
        together = self.scenario.get("transport") == "inproc" or self.scenario["name"] in ONE_PROCESS
        if together:
            self.spawn([(a["name"], a.get("start_ms", 0)) for a in actors], t0)
        else:
            for a in actors:
                self.spawn([(a["name"], a.get("start_ms", 0))], t0)
        for index, fault in enumerate(self.scenario.get("faults", [])):
            if "at_ms" in fault["when"]:
                t = threading.Timer(t0 + fault["when"]["at_ms"] / 1000 - time.monotonic(), self.do, args=(fault["do"],))
                t.daemon = True
                t.start()
                self.timers.append(t)
        settle = t0 + (engine_end_ms + SETTLE_MS) / 1000
        deadline = t0 + (engine_end_ms + CASE_TIMEOUT_MS) / 1000
        while time.monotonic() < deadline:
            time.sleep(0.02)
            with self.lock:
                done = self.pending == 0 and all(self.procs[n] and self.procs[n][-1].exit is not None for n in ends)
            if done and time.monotonic() >= settle:
                break
        # What still runs is blocked: end it (it is not "killed" by a fault).
        for name, procs in self.procs.items():
            for proc in procs:
                if proc.exit is None:
                    proc.exit = "blocked"
                    try:
                        os.killpg(self.popen[id(proc)].pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        for popen in set(self.popen.values()):
            try:
                popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        time.sleep(0.05)
        return t0


# ---------------------------------------------------------------------------------------------
# Outcomes: the same fields from the engine's report and from the real run.

def engine_fields(scenario, report):
    fields = {}
    for a in report["actors"]:
        fields["%s: terminal" % a["name"]] = a["terminal"]
        status = a["status"]
        fields["%s: status" % a["name"]] = {"running": "blocked"}.get(status, status)
        fields["%s: processes" % a["name"]] = a["incarnation"]
    for m in report["messages"]:
        key = "%s %s" % (m["producer"], m["data"])
        outcome = {"processed_once": "processed", "out_of_order": "processed", "duplicated": "processed",
                   "lost": "lost", "still_queued": "lost", "never_accepted": "never accepted",
                   "never_sent": "never sent"}.get(m["verdict"], m["verdict"])
        fields["%s: outcome" % key] = outcome
        fields["%s: processed by" % key] = m["processed_by"]
        if is_stream_producer(scenario, m["producer"]) and outcome != "never accepted" and outcome != "never sent":
            fields["%s: send blocked ms" % key] = m.get("send_blocked_ms") or 0
    trace = report.get("trace") or []
    for i, a in enumerate(scenario["actors"]):
        if a["role"] != "producer":
            continue
        closed = [e for e in trace if e["event"] == "SocketClosed" and e["actor"] == i]
        term = [e for e in trace if e["event"] == "TermReturned" and e["actor"] == i]
        if closed and term:
            us = lambda e: e["at_ms"] * 1000 + e.get("micros", 0)
            fields["%s: close+term ms" % a["name"]] = (us(term[0]) - us(closed[0])) // 1000
    return fields


def is_stream_producer(scenario, name):
    return any(a["name"] == name and a["role"] == "producer" for a in scenario["actors"])


def real_fields(scenario, procs, engine):
    fields = {}
    roles = {a["name"]: a for a in scenario["actors"]}
    processed = {}
    for name, plist in procs.items():
        terminal = []
        for proc in plist:
            terminal += [t for _, t in proc.lines if not t.startswith("launch: ")]
            if proc.exit == "killed":
                terminal.append("Killed")
            elif proc.exit == "failed" and len(plist) and "Traceback" in proc.stderr:
                last = [l for l in proc.stderr.strip().splitlines() if l.strip() and not l.startswith("launch: ")]
                terminal += ["Traceback (most recent call last):", last[-1]]
            who = name if proc.incarnation == 1 else "%s#%d" % (name, proc.incarnation)
            effect = " [x] Received " if roles[name]["role"] == "consumer" else " [x] Done " if roles[name]["role"] == "server" else None
            for _, t in proc.lines:
                if effect and t.startswith(effect):
                    processed.setdefault(int(DATA.search(t).group(1)), []).append(who)
        fields["%s: terminal" % name] = terminal
        last = plist[-1] if plist else None
        fields["%s: status" % name] = {"killed": "crashed", None: "not_started"}.get(last and last.exit, last and last.exit)
        fields["%s: processes" % name] = len(plist)
    for key in [k for k in engine if k.endswith(": outcome")]:
        sender, data = key[: -len(": outcome")].rsplit(" ", 1)
        data = int(data)
        lines = [t for p in procs[sender] for _, t in p.lines]
        sent = " [x] Sent {'data': %d}" % data in lines
        refused = any(t.startswith(" [!] Not sent {'data': %d}" % data) for t in lines)
        by = processed.get(data, [])
        outcome = "never accepted" if refused else "processed" if by else "lost" if sent else "never sent"
        fields[key] = outcome
        fields["%s %d: processed by" % (sender, data)] = by
    # How long each send of a PUSH/PUB producer blocked, from its first process's line times.
    for name, a in roles.items():
        if a["role"] != "producer" or not procs[name]:
            continue
        proc = procs[name][0]
        interval = a.get("interval_ms", 50) / 1000
        # Its first line ran at its start (later, if launch.py itself was late), after the warm-up.
        previous = proc.started_at + proc.late_ms / 1000 + a.get("warmup_ms", 0) / 1000
        for when, text in proc.lines:
            m = DATA.search(text)
            if not m:
                continue
            if text.startswith(" [x] Sent "):
                key = "%s %s: send blocked ms" % (name, m.group(1))
                if key in engine:
                    fields[key] = max(0, int((when - previous) * 1000))
            previous = when + interval
        if proc.exit in ("finished", "failed") and proc.lines and "%s: close+term ms" % name in engine:
            fields["%s: close+term ms" % name] = max(0, int((proc.ended_at - previous) * 1000))
    return fields


TIMED = (": send blocked ms", ": close+term ms")


def agree(field, engine, real):
    if field.endswith(TIMED):
        return real is not None and abs(real - engine) <= BLOCK_TOL_MS + BLOCK_TOL_RATIO * engine
    return engine == real


def racy_variants(name, scenario, fields):
    """The engine's fields with the racy receiver's prints replaced by each allowed outcome."""
    if name not in RACY:
        return [("as the engine ran it", fields)]
    receiver, allowed = RACY[name]
    sender = next(a["name"] for a in scenario["actors"] if a["role"] == "producer")
    out = []
    for printed in allowed:
        v = dict(fields)
        terminal = [t for t in fields["%s: terminal" % receiver] if not t.startswith(" [x] Received ")]
        v["%s: terminal" % receiver] = terminal + [" [x] Received {'data': %d}" % d for d in printed]
        for key in [k for k in fields if k.startswith(sender + " ") and k.endswith(": outcome")]:
            data = int(key[len(sender) + 1: -len(": outcome")])
            v[key] = "processed" if data in printed else "lost"
            v["%s %d: processed by" % (sender, data)] = [receiver] if data in printed else []
        out.append(("%s printed %s" % (receiver, printed), v))
    return out


def compare_case(args, case):
    name, scenario, report = load_case(args.qp, case)
    out = os.path.join(args.out, name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "engine.json"), "w") as f:
        json.dump(report, f, indent=1)
    unsupported = [next(iter(f["do"])) for f in scenario.get("faults", []) if next(iter(f["do"])) != "crash"]
    unsupported += [f["when"]["after"]["op"] for f in scenario.get("faults", [])
                    if "after" in f["when"] and f["when"]["after"]["op"] not in TRIGGER_LINES]
    # A step exists only in the simulation: a fault the page injected at a step cannot be run for real.
    unsupported += ["at_step" for f in scenario.get("faults", []) if "at_step" in f["when"]]
    if unsupported:
        return name, None, "SKIPPED: faults this driver does not run: %s" % ", ".join(unsupported)
    engine = engine_fields(scenario, report)
    variants = racy_variants(name, scenario, engine)
    engine_in = [d for d, v in variants if all(agree(k, v[k], engine[k]) for k in v)]
    endpoint = "tcp://127.0.0.1:%d" % free_port()
    programs = {a["name"]: program(args.qp, case, a["name"], endpoint) for a in scenario["actors"]}
    ends = [a["name"] for a in report["actors"] if a["status"] in ("finished", "failed")]
    attempts = []
    for attempt in (1, 2):
        real = Real(args.python, scenario, programs, out)
        t0 = real.run(report["time_ms"], ends)
        fields = real_fields(scenario, real.procs, engine)
        dump = {n: [{"incarnation": p.incarnation, "exit": p.exit, "late_ms": p.late_ms,
                     "start_ms": round((p.started_at - t0) * 1000, 1),
                     "end_ms": p.ended_at and round((p.ended_at - t0) * 1000, 1),
                     "lines": [(round((w - t0) * 1000, 1), t) for w, t in p.lines], "stderr": p.stderr}
                    for p in ps] for n, ps in real.procs.items()}
        with open(os.path.join(out, "real.json"), "w") as f:
            json.dump({"fields": fields, "processes": dump}, f, indent=1)
        best = None
        for description, v in variants:
            diverging = [k for k in v if not agree(k, v[k], fields.get(k))]
            if best is None or len(diverging) < len(best[1]):
                best = (description, diverging, v)
        attempts.append(best)
        # Agreed; or the engine itself is outside the allowed set (a second run cannot help).
        if not best[1] or not engine_in or attempt == 2:
            break
        os.replace(os.path.join(out, "real.json"), os.path.join(out, "real-first.json"))
    return name, (engine, fields, attempts, engine_in, variants), None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--qp", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("cases", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    started = time.monotonic()
    n_cases = n_fields = n_div = 0
    second, failed, skipped = [], [], []
    for case in args.cases:
        t = time.monotonic()
        name, result, skip = compare_case(args, case)
        if skip:
            skipped.append(name)
            print("[zmq] %-20s %s" % (name, skip))
            continue
        engine, fields, attempts, engine_in, variants = result
        description, diverging, expected = attempts[-1]
        n_cases += 1
        n_fields += len(expected)
        again = " (agreed on its second run)" if len(attempts) > 1 and not diverging else ""
        if len(attempts) > 1 and not diverging:
            second.append(name)
        if not engine_in:
            print("[zmq] %-20s DIVERGES: the engine's own run is none of the ground truth's allowed outcomes (%s)" %
                  (name, "; ".join(d for d, _ in variants)))
        if diverging or not engine_in:
            failed.append(name)
            n_div += len(diverging) + (0 if engine_in else 1)
            print("[zmq] %-20s DIVERGES in %d of %d fields (closest allowed outcome: %s); %.1f s" %
                  (name, len(diverging), len(expected), description, time.monotonic() - t))
            for k in diverging:
                print("        %s\n          engine: %s\n          real:   %s" % (k, json.dumps(expected[k]), json.dumps(fields.get(k))))
            print("        reproduce: %s %s --qp %s --python %s --out %s %s" %
                  (sys.executable, os.path.relpath(__file__), args.qp, args.python, args.out, case))
        else:
            racy = " (racy: %s)" % description if name in RACY else ""
            print("[zmq] %-20s agrees, %d fields%s%s; %.1f s" % (name, len(expected), racy, again, time.monotonic() - t))
    print("[zmq-conformance] %d cases, %d fields, %d divergences%s%s, %.0f s" % (
        n_cases, n_fields, n_div,
        ", second run needed: %s" % ", ".join(second) if second else "",
        ", skipped: %s" % ", ".join(skipped) if skipped else "",
        time.monotonic() - started))
    if failed:
        print("[zmq-conformance] FAILED: %s" % ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
