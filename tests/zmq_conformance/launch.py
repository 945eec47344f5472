"""Runs generated pyzmq programs for tests/zmq_conformance/compare.py, unchanged.

    python -u launch.py [--at MONOTONIC] ACTOR=START_MS=FILE [ACTOR=START_MS=FILE ...]

It imports zmq first (Python's start and `import zmq` take 50-300 ms on a loaded machine), then
sleeps until --at + START_MS (time.monotonic(), the same clock in every process on Linux), so a
program's first line runs when its scenario says (`start_ms`), as the engine's does. Without --at the
program starts as soon as zmq is imported: a restarted process, whose start-up the engine
models (PROCESS_START_MS_*), as the ground truth's fresh process had it.

One ACTOR: the program runs as this process's __main__ code (its prints are the process's
stdout; an exception ends the process with Python's own traceback on stderr and status 1).

Several ACTORs (the ground truth's "one process" rows: inproc://, or PUB and SUB in one
process): each program runs in a thread of this process, all their sockets made from one shared
zmq.Context (inproc:// needs that); each line printed is written as "ACTOR<TAB>line"; an
exception is written as "ACTOR<TAB>Traceback (most recent call last):" and "ACTOR<TAB><its last
line>"; "ACTOR<TAB>\\x00exit" says the program ended. A program's context.term() closes only its
own sockets (the shared context lives until the process ends), so one program ending does not
end the others' sockets. The programs' text is not changed; only zmq.Context is.
"""
import sys
import threading
import time
import traceback

import zmq

SAME_TIME_MS = 2


def main(argv):
    at = None
    if argv and argv[0] == "--at":
        at = float(argv[1])
        argv = argv[2:]
    programs = []
    for arg in argv:
        actor, start_ms, path = arg.split("=", 2)
        with open(path) as f:
            programs.append((actor, int(start_ms), compile(f.read(), path, "exec")))

    def wait(start_ms):
        if at is None:
            return
        late = time.monotonic() - (at + start_ms / 1000)
        if late > 0:
            print("launch: started %.1f ms late" % (late * 1000), file=sys.stderr, flush=True)
        else:
            time.sleep(-late)

    if len(programs) == 1:
        wait(programs[0][1])
        exec(programs[0][2], {"__name__": "__main__"})
        return
    shared = zmq.Context()
    lock = threading.Lock()

    class OwnContext:
        """One program's zmq.Context(): sockets of the shared context; term() closes its own."""

        def __init__(self, *args, **kwargs):
            self.sockets = []

        def socket(self, kind, **kwargs):
            s = shared.socket(kind, **kwargs)
            self.sockets.append(s)
            return s

        def term(self):
            for s in self.sockets:
                s.close()

    zmq.Context = OwnContext

    def run(actor, start_ms, code):
        def emit(*args, sep=" ", end="\n", **kwargs):
            with lock:
                sys.stdout.write("%s\t%s\n" % (actor, sep.join(str(a) for a in args)))
                sys.stdout.flush()
        wait(start_ms)
        try:
            exec(code, {"__name__": "__main__", "print": emit})
        except SystemExit:
            pass
        except BaseException:
            last = traceback.format_exc().strip().splitlines()[-1]
            emit("Traceback (most recent call last):")
            emit(last)
        emit("\x00exit")

    # Programs of one process that start at the same time start in the order given, SAME_TIME_MS
    # apart: the ground truth's one program bound, then connected (z5c), as the engine runs
    # same-time actors in scenario order; as threads started together, the connect could come
    # first, be refused, and wait reconnect_ivl (100 ms).
    staggered, seen = [], {}
    for actor, start_ms, code in programs:
        staggered.append((actor, start_ms + SAME_TIME_MS * seen.get(start_ms, 0), code))
        seen[start_ms] = seen.get(start_ms, 0) + 1
    threads = [threading.Thread(target=run, args=p, daemon=True) for p in staggered]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main(sys.argv[1:])
