#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The dashboard left running against steady traffic: its CPU and RSS.

  /usr/bin/python3 tests/e2e/soak_dashboard.py [SECONDS]   (default 60)

Starts frontdoord ($FRONTDOORD or build/frontdoord) with two routes, a test
backend, and the dashboard on its Live screen in a private tmux server, then
sends requests from 4 threads and samples /proc/PID/stat and VmRSS of the
dashboard.  Prints one line per sample and a summary; exits 1 when RSS at the
end is 2x or more of RSS after 10 s (memory must stay bounded).  Not a
pytest test: too long for the suite (test_dashboard.py has a short one).
"""

import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "backends"))

from helpers import Frontdoor  # noqa: E402
from testbackend import TestBackend  # noqa: E402
from test_dashboard import Dash, cpu_ticks, rss_kb  # noqa: E402


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    work = Path(tempfile.mkdtemp(prefix="fd-soak-"))
    os.chmod(work, 0o777)
    backend = TestBackend("soak").start()
    fd = Frontdoor(work, {
        "app": {"path": "/", "backends": backend.addr},
        "api": {"host": "api.test", "path": "/v1", "backends": backend.addr},
    })
    fd.start()
    dash = Dash(work, work / "control.sock")
    stop = threading.Event()
    sent = [0]

    def traffic():
        n = 0
        while not stop.is_set():
            try:
                fd.get("/echo/soak/%d?q=%d" % (n % 997, n))
                sent[0] += 1
            except Exception:
                pass
            n += 1
    threads = []
    rc = 0
    try:
        time.sleep(1)
        dash.keys("4")
        pid = dash.pid()
        threads = [threading.Thread(target=traffic, daemon=True) for _ in range(4)]
        for t in threads:
            t.start()
        hz = os.sysconf("SC_CLK_TCK")
        t0 = time.monotonic()
        c0 = cpu_ticks(pid)
        last_c, last_t = c0, t0
        rss10 = None
        print("  time    RSS kB   CPU% (last 10 s)   requests")
        while time.monotonic() - t0 < seconds:
            time.sleep(10 - ((time.monotonic() - t0) % 10))
            now, c = time.monotonic(), cpu_ticks(pid)
            rss = rss_kb(pid)
            if rss10 is None:
                rss10 = rss
            print("  %4.0fs  %7d   %5.1f              %d" % (
                now - t0, rss, 100.0 * (c - last_c) / hz / (now - last_t), sent[0]))
            last_c, last_t = c, now
        total = time.monotonic() - t0
        cpu = 100.0 * (cpu_ticks(pid) - c0) / hz / total
        rss_end = rss_kb(pid)
        print("summary: %.0f s, %d requests (%.0f/s), dashboard CPU %.1f%% average, "
              "RSS %d kB at 10 s, %d kB at the end"
              % (total, sent[0], sent[0] / total, cpu, rss10, rss_end))
        if rss_end >= 2 * rss10:
            print("FAIL: RSS grew from %d to %d kB" % (rss10, rss_end))
            rc = 1
    finally:
        stop.set()
        for t in threads:
            t.join(5)
        dash.kill()
        problems = fd.stop()
        backend.stop()
        if problems:
            print("\n".join(problems))
            rc = 1
        shutil.rmtree(work, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
