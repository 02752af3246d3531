# SPDX-License-Identifier: ISC
"""Several copies of an app: balance modes, passive and active health,
retries, drain, and 503 when no backend is left."""

import collections
import socket
import subprocess
import threading
import time

import pytest

from helpers import FRONTDOORD, HttpConn, wait_until
from test_control import Ctl


def spread(fd, n, path="/echo", source=None):
    seen = collections.Counter()
    for _ in range(n):
        with HttpConn(fd.port, source=source) as c:
            c.request("GET", path)
            r = c.read_response()
            assert r.status == 200, "request failed: %s" % r.status
            seen[r.json()["backend"]] += 1
    return seen


def test_round_robin_spreads_evenly(start_fd, make_backend):
    bs = [make_backend(n) for n in ("a", "b", "c")]
    fd = start_fd({"app": {"backends": ", ".join(b.addr for b in bs)}})
    seen = spread(fd, 30)
    assert seen == {"a": 10, "b": 10, "c": 10}, "round_robin is uneven: %r" % seen


def test_least_conn_favours_the_fast_backend(start_fd, make_backend):
    fast, slow = make_backend("fast"), make_backend("slow", delay_ms=400)
    fd = start_fd({"app": {"backends": "%s, %s" % (fast.addr, slow.addr),
                           "balance": "least_conn"}})
    seen = collections.Counter()
    lock = threading.Lock()
    stop = time.monotonic() + 3

    def client():
        while time.monotonic() < stop:
            with HttpConn(fd.port, timeout=10) as c:
                c.request("GET", "/echo")
                name = c.read_response().json()["backend"]
            with lock:
                seen[name] += 1
    ts = [threading.Thread(target=client) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(20)
    assert seen["fast"] > 3 * seen["slow"], \
        "least_conn did not favour the fast backend: %r" % seen


def test_ip_hash_is_stable_and_moves_only_the_lost_backends_clients(start_fd, make_backend):
    bs = [make_backend(n) for n in ("a", "b", "c")]
    fd = start_fd({"app": {"backends": ", ".join(b.addr for b in bs),
                           "balance": "ip_hash"}})
    sources = ["127.0.0.%d" % i for i in range(2, 26)]
    first = {}
    for src in sources:
        seen = spread(fd, 3, source=src)
        assert len(seen) == 1, "ip_hash sent one client to several backends: %r" % seen
        first[src] = next(iter(seen))
    assert len(set(first.values())) == 3, "24 clients all hashed to %r" % set(first.values())
    # b goes away: only b's clients move.
    c = Ctl(fd.dir / "control.sock")
    ok, _ = c.cmd("backend disable app %s" % bs[1].addr)
    assert ok
    for src in sources:
        now = next(iter(spread(fd, 1, source=src)))
        if first[src] != "b":
            assert now == first[src], "client %s moved from %s to %s though its backend stayed" % (
                src, first[src], now)
        else:
            assert now != "b"


def test_killed_backend_costs_no_client_errors_and_comes_back(start_fd, make_backend):
    a, b = make_backend("a"), make_backend("b")
    port_b = b.port
    fd = start_fd({"app": {"backends": "%s, %s" % (a.addr, b.addr), "fail_threshold": 2}})
    errors = []
    stop = threading.Event()
    served = collections.Counter()

    def stream():
        with HttpConn(fd.port, timeout=10) as c:
            while not stop.is_set():
                try:
                    c.request("GET", "/echo")
                    r = c.read_response()
                except Exception as e:
                    errors.append(repr(e))
                    return
                if r.status != 200:
                    errors.append(r.status)
                else:
                    served[r.json()["backend"]] += 1
    t = threading.Thread(target=stream)
    t.start()
    time.sleep(0.5)
    b.stop()                      # killed mid-stream
    time.sleep(1.0)
    before = served["b"]
    time.sleep(1.0)
    stop.set()
    t.join(10)
    assert not errors, "client saw errors when a backend died: %r" % errors[:5]
    assert served["b"] == before, "requests still went to the dead backend"
    assert fd.wait_stderr("is down"), "the backend going down was not logged"
    # Restarted on the same port: trial requests find it again.
    b2 = make_backend("b", port=port_b)
    assert wait_until(lambda: "b" in spread(fd, 4), 15), "a restarted backend never came back"
    assert fd.wait_stderr("is up again")
    assert fd.stderr().count("is down") == 1, "the state change was logged more than once"


def test_active_check_catches_500(start_fd, make_backend):
    a, b = make_backend("a"), make_backend("b")
    b.health_status = 500
    fd = start_fd({"app": {"backends": "%s, %s" % (a.addr, b.addr),
                           "health_path": "/healthz", "health_interval": "200ms",
                           "fail_threshold": 2}}, main={"workers": 2})
    assert fd.wait_stderr("is down: health check: status 500"), \
        "an active check answering 500 did not take the backend down"
    assert spread(fd, 6) == {"a": 6}, "requests still went to an unhealthy backend"
    c = Ctl(fd.dir / "control.sock")
    ok, bes = c.cmd("backends app")
    bad = [x for x in bes if x["address"] == b.addr][0]
    assert bad["state"] == "down" and bad["health"] == "down" and "500" in bad["last"], bad
    b.health_status = 200
    assert fd.wait_stderr("is up again"), "two good checks did not bring it back"
    assert "b" in spread(fd, 4)
    # One place checks, not each worker: with 2 workers the rate is the same.
    n = b.heads["/healthz"]
    time.sleep(1.0)
    assert b.heads["/healthz"] - n <= 7, "health checks ran more often than health_interval"


def test_all_backends_down_is_503_at_once(start_fd):
    ports = []
    for _ in range(2):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        ports.append(s.getsockname()[1])
        s.close()
    route = {"backends": ", ".join("127.0.0.1:%d" % p for p in ports),
             "fail_threshold": 1}
    # Passive checks first: active ones, 100 ms after the start, would race
    # the first request on a loaded machine.
    fd = start_fd({"app": route})
    r = fd.get("/x")
    assert r.status == 502, "refused everywhere: 502 for the request that found out"
    # Passive checks keep the last usable backend: still 502, never 503.
    assert fd.get("/x").status == 502
    # The active checks take both out; then 503 at once.
    fd.reload({"app": dict(route, health_path="/healthz", health_interval="1s")})
    assert fd.wait_stderr(r"reloaded .*generation 2"), fd.stderr()[-2000:]
    assert wait_until(lambda: fd.stderr().count("is down") >= 2, 10), fd.stderr()[-2000:]
    t0 = time.monotonic()
    r = fd.get("/x")
    assert r.status == 503 and r.header("retry-after"), "no healthy backend must be 503 + Retry-After"
    assert time.monotonic() - t0 < 2


def test_drain_lets_in_flight_finish_while_new_go_elsewhere(start_fd, make_backend):
    a, b = make_backend("a"), make_backend("b")
    fd = start_fd({"app": {"backends": "%s, %s" % (a.addr, b.addr)}})
    # Find which backend takes the slow request by sending it first.
    slow = HttpConn(fd.port, timeout=20)
    slow.request("GET", "/slow?ms=2000")
    assert wait_until(lambda: a.heads["/slow"] + b.heads["/slow"] == 1, 5), "the slow request never arrived"
    busy = a if a.heads["/slow"] else b
    other = b if busy is a else a
    c = Ctl(fd.dir / "control.sock")
    ok, r = c.cmd("backend drain app %s" % busy.addr)
    assert ok and r[0]["state"] == "draining"
    ok, bes = c.cmd("backends app")
    left = [x for x in bes if x["address"] == busy.addr][0]
    assert left["active"] == 1, "the in-flight count of a draining backend is not shown: %r" % left
    assert spread(fd, 4) == {other.name: 4}, "a draining backend got new requests"
    r = slow.read_response()
    assert r.status == 200 and r.json()["backend"] == busy.name, "the drained request did not finish"
    slow.close()


def test_post_is_never_retried_after_it_was_sent(start_fd, make_backend):
    a, b = make_backend("a"), make_backend("b")
    fd = start_fd({"app": {"backends": "%s, %s" % (a.addr, b.addr)}})
    # /close: the backend reads the request and closes without answering.
    rs = [fd.get("/close", method="POST", body=b"x=1").status for _ in range(2)]
    assert rs == [502, 502], "a POST the backend may have acted on was retried: %r" % rs
    assert a.heads["/close"] + b.heads["/close"] == 2, "a POST reached more than one backend"


def test_get_is_retried_on_another_backend(start_fd, make_backend):
    a, b = make_backend("a"), make_backend("b")
    fd = start_fd({"app": {"backends": "%s, %s" % (a.addr, b.addr), "fail_threshold": 5}})
    # /reset resets on every backend; /close too: a GET is tried on both then fails.
    r = fd.get("/close")
    assert r.status == 502
    assert a.heads["/close"] == 1 and b.heads["/close"] == 1, "the GET was not tried on the other backend"


@pytest.mark.parametrize("key,value", [("balance", "random"), ("fail_threshold", "0"),
                                       ("health_interval", "0"), ("health_path", "healthz")])
def test_bad_balancing_values_name_file_and_line(workdir, key, value):
    cfg = workdir / "f.ini"
    cfg.write_text("[frontdoor]\nlisten_http = 127.0.0.1:1\n\n[route a]\nbackends = 127.0.0.1:2\n"
                   "%s = %s\n" % (key, value))
    p = subprocess.run([FRONTDOORD, "-t", "-c", str(cfg)], capture_output=True, timeout=10)
    assert p.returncode == 1 and ("%s:6:" % cfg).encode() in p.stderr and key.encode() in p.stderr, p.stderr


def test_maintenance_page_file(start_fd, backend, workdir):
    page = workdir / "maint.html"
    page.write_text("<h1>Back soon</h1>\n")
    fd = start_fd({"app": {"backends": backend.addr, "maintenance_page": str(page)}})
    c = Ctl(fd.dir / "control.sock")
    c.cmd("maintenance on app")
    r = fd.get("/x")
    assert r.status == 503 and r.body == b"<h1>Back soon</h1>\n" and r.header("retry-after")
    c.cmd("maintenance off app")
    assert fd.get("/x").status == 200
