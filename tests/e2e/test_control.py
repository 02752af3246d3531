# SPDX-License-Identifier: ISC
"""The control socket as a protocol: framing, permissions, bounds, events and
the state file (the frontdoor command's own tests drive it as users do)."""

import json
import os
import re
import socket
import stat
import subprocess
import threading
import time

import pytest

from helpers import HttpConn, wait_until


class Ctl:
    """A raw control-protocol client."""

    def __init__(self, path, timeout=10):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(str(path))
        self.buf = b""
        self.greeting = self.line()
        self.n = 0

    def line(self):
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("control socket closed")
            self.buf += d
        l, _, self.buf = self.buf.partition(b"\n")
        return l.decode()

    def send(self, data):
        self.s.sendall(data)

    def cmd(self, text):
        """Send one command; return (ok, [json objects] or error message),
        collecting %event lines that arrive meanwhile into self.events."""
        self.n += 1
        tag = "t%d" % self.n
        self.send(("%s %s\n" % (tag, text)).encode())
        return self.reply(tag)

    def reply(self, tag):
        out = []
        while True:
            l = self.line()
            if l.startswith("%event "):
                continue
            if l == "%begin " + tag:
                while True:
                    l = self.line()
                    if l == "%end " + tag:
                        return True, out
                    out.append(json.loads(l))
            if l.startswith("%error " + tag + " "):
                return False, l[len("%error " + tag + " "):]
            raise AssertionError("unexpected line from the daemon: %r" % l)

    def close(self):
        self.s.close()


@pytest.fixture
def two(start_fd, make_backend):
    a, b = make_backend("a"), make_backend("b")
    fd = start_fd({"web": {"backends": "%s, %s" % (a.addr, b.addr)},
                   "other": {"host": "other.test", "backends": a.addr}})
    fd.ctl_path = fd.dir / "control.sock"
    return fd, a, b


def test_greeting_and_status(two):
    fd, a, b = two
    c = Ctl(fd.ctl_path)
    assert c.greeting.startswith("%frontdoor 1 "), "no versioned greeting: %r" % c.greeting
    ok, st = c.cmd("status")
    assert ok and st[0]["protocol"] == 1 and st[0]["workers"] == 1
    assert st[0]["listeners"] == ["127.0.0.1:%d" % fd.port]
    ok, routes = c.cmd("routes")
    assert [r["name"] for r in routes] == ["web", "other"]
    ok, bes = c.cmd("backends web")
    assert [x["address"] for x in bes] == [a.addr, b.addr]
    ok, err = c.cmd("backends nosuch")
    assert not ok and "no such route" in err
    ok, err = c.cmd("route enable")
    assert not ok and err.startswith("usage:"), err
    c.close()


def test_statistics_follow_traffic(two):
    fd, a, b = two
    c = Ctl(fd.ctl_path)
    for _ in range(10):
        assert fd.get("/echo").status == 200
    with HttpConn(fd.port) as h:
        h.request("GET", "/status/404", host="other.test")
        h.read_response()
    # The worker counts a request once its last byte is written, which can
    # be a moment after the client has read it.
    assert wait_until(lambda: c.cmd("routes")[1][1]["status"]["4xx"] == 1, 5), \
        "the 404 was never counted"
    ok, routes = c.cmd("routes")
    web = routes[0]
    assert web["requests"] == 10 and web["status"]["2xx"] == 10, web
    assert web["p50_ms"] > 0 and web["p99_ms"] >= web["p50_ms"], web
    assert routes[1]["status"]["4xx"] == 1, routes[1]
    ok, bes = c.cmd("backends web")
    assert sum(x["requests"] for x in bes) == 10
    assert all(x["requests"] == 5 for x in bes), "round robin: %r" % bes
    ok, st = c.cmd("status")
    assert st[0]["requests"] == 11


def test_garbage_and_huge_lines_leave_it_serving(two):
    fd, a, b = two
    c = Ctl(fd.ctl_path)
    c.send(bytes(range(256)) + b"\n")
    assert c.line().startswith("%error - "), "binary garbage not refused"
    c.send(b"bad!tag status\n")
    assert c.line().startswith("%error - ")
    rss0 = fd.rss_kb()
    chunk = b"x" * (1 << 20)
    for _ in range(10):
        c.send(chunk)
    c.send(b"\n")
    assert c.line() == "%error - line too long"
    assert fd.rss_kb() - rss0 < 8 * 1024, "a 10 MB line grew the daemon's memory"
    ok, st = c.cmd("status")
    assert ok, "the same session no longer answers after a 10 MB line"
    c.close()


def test_abrupt_clients(two):
    fd, a, b = two
    for i in range(100):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(fd.ctl_path))
        try:
            if i % 3 == 0:
                s.sendall(b"x status")        # no newline
            elif i % 3 == 1:
                s.sendall(b"x reload\n")      # gone before the answer
        except OSError:
            pass    # over the client limit the daemon hangs up first
        s.close()

    def answers():
        try:
            c = Ctl(fd.ctl_path, timeout=2)
            ok, st = c.cmd("status")
            c.close()
            return ok
        except (OSError, EOFError):
            return False    # still over the client limit: try again
    assert wait_until(answers, 10), "the daemon stopped answering after abrupt clients"
    assert fd.alive()


def test_stuck_subscriber_is_bounded(two):
    fd, a, b = two
    stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.connect(str(fd.ctl_path))
    stuck.sendall(b"s subscribe\n")
    rss0 = fd.rss_kb()
    stop = time.monotonic() + 4
    n = 0
    with HttpConn(fd.port) as h:
        while time.monotonic() < stop:
            h.request("GET", "/echo?" + "p" * 200)
            assert h.read_response().status == 200
            n += 1
    c = Ctl(fd.ctl_path)
    ok, st = c.cmd("status")
    assert ok, "another client is not answered while a subscriber is stuck"
    grown = fd.rss_kb() - rss0
    assert grown < 16 * 1024, "%d requests to a stuck subscriber grew the daemon by %d KiB" % (n, grown)
    stuck.close()


def test_events_arrive_quickly(two):
    fd, a, b = two
    c = Ctl(fd.ctl_path)
    ok, _ = c.cmd("subscribe")
    t0 = time.monotonic()
    assert fd.get("/echo?live=1").status == 200
    while True:
        l = c.line()
        if l.startswith("%event "):
            ev = json.loads(l[7:])
            if ev.get("type") == "request":
                break
    # frontdoord(8): live events reach subscribers within 100 milliseconds;
    # the bound leaves room for a loaded machine and the request itself,
    # but not for a second's batching.
    took = time.monotonic() - t0
    assert took < 0.5, "the request's event took %.3f s to arrive" % took
    assert ev["path"] == "/echo?live=1" and ev["status"] == 200 and ev["route"] == "web"
    assert ev["backend"] in (a.addr, b.addr) and ev["method"] == "GET"


def test_socket_mode_without_group(two):
    fd, a, b = two
    st = os.stat(fd.ctl_path)
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_other_users_are_refused(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}}, main={"control_group": "nogroup"})
    path = fd.dir / "control.sock"
    st = os.stat(path)
    assert stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
    probe = ("import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]);"
             "s.settimeout(5); print(s.recv(100))")
    # A member of the control group (nobody's group is nogroup) gets the greeting.
    p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        "/usr/bin/python3", "-c", probe, str(path)],
                       capture_output=True, timeout=10)
    assert b"%frontdoor 1" in p.stdout, "control_group member refused: %r %r" % (p.stdout, p.stderr)
    # Someone outside it is turned away, even if the mode would let them connect.
    os.chmod(path, 0o666)
    p = subprocess.run(["setpriv", "--reuid=daemon", "--regid=daemon", "--clear-groups",
                        "/usr/bin/python3", "-c", probe, str(path)],
                       capture_output=True, timeout=10)
    assert b"%frontdoor" not in p.stdout, "a user outside control_group was served"


def test_switch_survives_restart_and_reload(start_fd, make_backend):
    a = make_backend("a")
    routes = {"web": {"backends": a.addr}, "gone": {"host": "gone.test", "backends": a.addr}}
    fd = start_fd(routes)
    c = Ctl(fd.dir / "control.sock")
    ok, r = c.cmd("route disable web")
    assert ok and r[0]["state"] == "disabled" and r[0]["differs"] and r[0]["saved"], r
    ok, r = c.cmd("maintenance on gone")
    assert ok
    c.close()
    assert fd.get("/echo").status == 503
    assert "route web disabled" in (fd.dir / "state.ini").read_text()
    # Restart with the same state file.
    fd.stop()
    fd2 = start_fd(routes, subdir=None, start=False)
    fd2.dir = fd.dir
    fd2.write_config(routes)
    fd2.start()
    assert fd2.get("/echo").status == 503, "route switch lost on restart"
    # Reload: still disabled; the removed route's switch is dropped.
    fd2.reload({"web": {"backends": a.addr}})
    assert fd2.wait_stderr("gone is gone"), "the removed route's switch was not dropped"
    assert fd2.get("/echo").status == 503, "route switch lost on reload"
    assert wait_until(lambda: "gone" not in (fd.dir / "state.ini").read_text(), 5), \
        "the removed route's switch stayed in the state file"
    c = Ctl(fd.dir / "control.sock")
    ok, r = c.cmd("route enable web")
    assert ok and r[0]["state"] == "enabled" and not r[0]["differs"]
    assert fd2.get("/echo").status == 200


def test_reload_and_check_over_the_socket(two):
    fd, a, b = two
    c = Ctl(fd.ctl_path)
    ok, r = c.cmd("reload")
    assert ok and r[0]["ok"] and r[0]["generation"] == 2, r
    bad = fd.dir / "bad.ini"
    bad.write_text("[frontdoor]\nworkers = lots\n")
    ok, r = c.cmd("check %s" % bad)
    assert ok and not r[0]["ok"] and any(":2:" in e for e in r[0]["errors"]), r
    good = fd.config_path
    ok, r = c.cmd("check %s" % good)
    assert ok and r[0]["ok"], r
    fd.config_path.write_text(fd.config_path.read_text() + "\n[route broken]\n")
    ok, r = c.cmd("reload")
    assert ok and not r[0]["ok"] and r[0]["errors"], r
    ok, st = c.cmd("status")
    assert st[0]["reload"]["ok"] is False and st[0]["generation"] == 2
    assert fd.get("/echo").status == 200, "a failed reload broke the running configuration"


def test_readonly_session(two):
    fd, a, b = two
    c = Ctl(fd.ctl_path)
    c.cmd("readonly")
    ok, err = c.cmd("route disable web")
    assert not ok and "read-only" in err
    ok, _ = c.cmd("routes")
    assert ok


def test_disabled_and_draining_backends_get_no_new_requests(two):
    fd, a, b = two
    c = Ctl(fd.ctl_path)
    ok, _ = c.cmd("backend disable web %s" % b.addr)
    assert ok
    for _ in range(6):
        assert fd.get("/echo").json()["backend"] == "a"
    ok, _ = c.cmd("backend enable web %s" % b.addr)
    ok, _ = c.cmd("backend drain web %s" % a.addr)
    for _ in range(4):
        assert fd.get("/echo").json()["backend"] == "b"
    ok, _ = c.cmd("backend disable web %s" % b.addr)
    r = fd.get("/echo")
    assert r.status == 503 and r.header("retry-after"), "no usable backend must be 503 with Retry-After"


def test_ban_by_hand(two):
    fd, a, b = two
    c = Ctl(fd.ctl_path)
    ok, r = c.cmd("ban 127.0.0.7 5m")
    assert ok and r[0]["banned"] and r[0]["saved"], r
    with HttpConn(fd.port, source="127.0.0.7") as h:
        h.request("GET", "/echo")
        assert h.read_response().status == 403, "a banned client was served"
    assert fd.get("/echo").status == 200, "the ban hit another client"
    ok, bans = c.cmd("bans")
    assert [x["address"] for x in bans] == ["127.0.0.7"] and 290 < bans[0]["left"] <= 300
    ok, err = c.cmd("ban 999.1.2.3")
    assert not ok and "bad address" in err
    ok, _ = c.cmd("unban 127.0.0.7")
    with HttpConn(fd.port, source="127.0.0.7") as h:
        h.request("GET", "/echo")
        assert h.read_response().status == 200, "unban did not lift the ban"


def test_removed_route_and_backend_lose_their_switches(start_fd, make_backend):
    # frontdoord(8): a switch whose route or backend a reload removed is
    # dropped, so the same name configured again later starts as the INI
    # says, not in the state it had before.
    a = make_backend("a")
    b = make_backend("b")
    both = {"web": {"backends": [a.addr, b.addr]},
            "gone": {"host": "gone.test", "backends": a.addr}}
    fd = start_fd(both)
    c = Ctl(fd.dir / "control.sock")
    ok, r = c.cmd("maintenance on gone")
    assert ok, r
    ok, r = c.cmd("backend disable web %s" % b.addr)
    assert ok, r
    assert fd.get("/echo", host="gone.test").status == 503
    fd.reload({"web": {"backends": a.addr}})
    assert fd.wait_stderr("route gone is gone"), "the removed route's switch was not dropped"
    assert fd.wait_stderr("backend .*%s is gone" % re.escape(b.addr)), \
        "the removed backend's switch was not dropped"
    ok, st = c.cmd("status")
    assert ok and st[0]["generation"] == 2, st
    fd.reload(both)
    assert wait_until(lambda: c.cmd("status")[1][0]["generation"] == 3, 5), "no third generation"
    r = fd.get("/echo", host="gone.test")
    assert r.status == 200, "route gone came back still in maintenance: %d" % r.status
    served = set()
    for _ in range(8):
        served.add(fd.get("/echo").json()["backend"])
    assert len(served) == 2, "backend %s came back still disabled: %r" % (b.addr, served)


def test_ban_runs_out(two):
    # frontdoor(1): ban ADDR DURATION bans for that long; then the client
    # is served again and the ban is no longer listed.
    fd, a, b = two
    c = Ctl(fd.ctl_path)
    ok, r = c.cmd("ban 127.0.0.8 1s")
    assert ok and r[0]["banned"], r
    assert fd.get("/echo", source="127.0.0.8").status == 403, "a banned client was served"
    assert wait_until(lambda: fd.get("/echo", source="127.0.0.8").status == 200, 4, 0.2), \
        "a ban of 1s still refuses the client"
    ok, bans = c.cmd("bans")
    assert ok and bans == [], bans


def test_client_not_reading_is_disconnected_at_1_mib(two):
    # frontdoord(8): a client that does not read its replies is
    # disconnected when 1 MiB is waiting for it; others are still served.
    fd, a, b = two
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(str(fd.ctl_path))
    s.settimeout(10)
    one = len("%begin t1\n%end t1\n") + len(json.dumps(Ctl(fd.ctl_path).cmd("routes")[1][0]))
    n = (4 << 20) // one + 1  # replies of 4 MiB, asked for at once
    try:
        s.sendall(b"".join(b"t%d routes\n" % i for i in range(n)))
    except (BrokenPipeError, ConnectionResetError):
        pass  # dropped while still asking: what this tests
    assert fd.wait_stderr(r"control client \(uid \d+\) too slow: disconnected", 10), \
        "a client with 4 MiB of replies unread was not disconnected"
    got = 0
    while True:
        try:
            d = s.recv(1 << 20)
        except ConnectionResetError:
            break
        if not d:
            break
        got += len(d)
    s.close()
    # What was in flight in the kernel, at most 1 MiB queued, nothing more.
    assert got < (1 << 20) + (512 << 10), "%d bytes reached a client that did not read" % got
    ok, st = Ctl(fd.ctl_path).cmd("status")
    assert ok and st[0]["generation"] == 1, st


def test_events_past_256_kib_are_dropped_counted_and_reported(two):
    # frontdoord(8): live events for a subscriber that does not read are
    # dropped past 256 KiB, counted, and reported to it; it stays connected.
    fd, a, b = two
    c = Ctl(fd.ctl_path)
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ok, _ = c.cmd("subscribe")
    assert ok
    # Paced so that the workers' own event rings (drained every 100 ms)
    # never overflow: every drop is this subscriber's.
    n = 3000
    with HttpConn(fd.port) as h:
        for i in range(n):
            h.request("GET", "/echo/%d?%s" % (i, "p" * 200))
            assert h.read_response().status == 200
            if i % 200 == 199:
                time.sleep(0.1)
    seen, dropped = {}, 0
    end = time.monotonic() + 15
    while len(seen) + dropped < n and time.monotonic() < end:
        l = c.line()
        assert l.startswith("%event "), l
        ev = json.loads(l[7:])
        if ev["type"] == "dropped":
            dropped += ev["count"]
        elif ev["type"] == "request":
            seen[int(ev["path"].split("/")[2].split("?")[0])] = len(l) + 1
    assert dropped > 0, "no event was dropped for a subscriber that did not read"
    assert len(seen) + dropped == n, \
        "%d events and %d counted dropped for %d requests" % (len(seen), dropped, n)
    # The events before the first one missing: 256 KiB queued, plus what
    # the socket holds; not the whole flood.
    first = min(set(range(n)) - set(seen))
    before = sum(v for k, v in seen.items() if k < first)
    assert (256 << 10) <= before < (640 << 10), \
        "%d bytes of events went out before the first was dropped" % before
    ok, st = c.cmd("status")
    assert ok, "the subscriber was disconnected"
    assert st[0]["events_dropped"] == 0, "the workers dropped events: %r" % st
    print("%d bytes of events before the first drop, %d dropped" % (before, dropped))
