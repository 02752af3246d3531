# SPDX-License-Identifier: ISC
"""What real apps need of the proxy (frontdoor.ini(5), frontdoord(8)): long
polls and paused streams outlive backend_timeout, a lone backend is never
taken out by passive checks, status codes pass as sent, a disabled route
cuts its tunnels."""

import json
import socket
import os
import re
import subprocess
import threading

from helpers import REPO

FRONTDOOR = os.path.abspath(os.environ.get("FRONTDOOR", str(REPO / "build" / "frontdoor")))


def _get_slow(fd, path, out, key):
    try:
        with fd.conn(timeout=120) as c:
            c.request("GET", path)
            out[key] = c.read_response()
    except Exception as e:  # reported by the test thread
        out[key] = e


def test_long_poll_and_paused_stream_complete_with_defaults(start_fd, backend):
    """A long poll answered after 65 s and a stream that pauses 90 s between
    two chunks both complete with the default timeouts (backend_timeout 60 s
    waits for the head; backend_read_timeout, 10 minutes, between reads)."""
    fd = start_fd({"app": {"backends": backend.addr}})
    out = {}
    polls = [threading.Thread(target=_get_slow, args=(fd, path, out, key))
             for key, path in (("poll", "/drip?chunks=1&ms=65000&size=10"),
                               ("stream", "/drip?chunks=2&first_ms=0&ms=90000&size=10"))]
    for t in polls:
        t.start()
    for t in polls:
        t.join(115)
    for key, size in (("poll", 10), ("stream", 20)):
        r = out.get(key)
        assert not isinstance(r, Exception), "%s: %r" % (key, r)
        assert r is not None, "%s: no answer" % key
        assert r.status == 200 and len(r.body) == size, \
            "%s: %d with %d bytes, expected %d" % (key, r.status, len(r.body), size)


def test_read_timeout_cut_is_logged(start_fd, backend):
    """When backend_read_timeout cuts a response, the error log names the
    route, the backend and the timeout, and the access log records the
    status and the bytes that were sent."""
    fd = start_fd({"app": {"backends": backend.addr, "backend_read_timeout": "1s"}})
    with fd.conn(timeout=20) as c:
        c.request("GET", "/drip?chunks=2&first_ms=0&ms=4000&size=10")
        head = c.read_head()
        assert head.status == 200
        data = c.read_to_close(timeout=10)
    assert b"0\r\n\r\n" not in data, "a cut response ended as if complete"
    m = fd.wait_stderr(r"route app, backend 127\.0\.0\.1:\d+: no response bytes within "
                       r"backend_read_timeout; response cut after (\d+) bytes of body sent")
    assert m, fd.stderr()[-2000:]
    sent = int(m.group(1))
    assert sent >= 10, "the first chunk was sent before the cut: %d" % sent
    lines = fd.wait_access_lines(1)
    assert re.search(r'"GET /drip\S* HTTP/1.1" 200 %d ' % sent, lines[-1]), lines[-1]


def _backends_json(fd):
    p = subprocess.run([FRONTDOOR, "-s", str(fd.dir / "control.sock"), "--json", "backends"],
                       capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    return [json.loads(l) for l in p.stdout.splitlines() if l.strip()]


def test_lone_backend_keeps_receiving_requests(start_fd, backend):
    """Passive checks never take a route's last usable backend out: a lone
    backend answering 500, an unknown status (999) or closing before a
    response gets every request (each failure is a 502, never a 503), and
    statuses pass as the backend sent them."""
    fd = start_fd({"app": {"backends": backend.addr, "fail_threshold": "2"}})
    for code in (500, 999, 600):
        for _ in range(4):
            with fd.conn() as c:
                c.request("GET", "/status/%d" % code)
                r = c.read_response()
            assert r.status == code, (code, r.status)
    for _ in range(6):
        with fd.conn() as c:
            c.request("GET", "/close")
            assert c.read_response().status == 502
    assert backend.heads["/close"] >= 6, backend.heads
    with fd.conn() as c:
        c.request("GET", "/echo")
        assert c.read_response().status == 200
    assert [b["state"] for b in _backends_json(fd)] == ["up"]
    assert "is down" not in fd.stderr(), fd.stderr()[-2000:]


def test_last_usable_backend_stays_when_the_other_is_down(start_fd, make_backend):
    """With two backends failing, the first to reach fail_threshold is
    marked down; the other, now the route's last usable one, stays in
    service and keeps being asked."""
    a, b = make_backend("a"), make_backend("b")
    fd = start_fd({"app": {"backends": "%s, %s" % (a.addr, b.addr), "fail_threshold": "2"}})
    for _ in range(12):
        with fd.conn() as c:
            c.request("GET", "/close")
            assert c.read_response().status in (502, 504), "no 503 while a backend is left"
    states = {x["address"]: x["state"] for x in _backends_json(fd)}
    assert sorted(states.values()) == ["down", "up"], states
    up = a if states[a.addr] == "up" else b
    before = up.heads["/close"]
    for _ in range(4):
        with fd.conn() as c:
            c.request("GET", "/close")
            assert c.read_response().status == 502
    assert up.heads["/close"] >= before + 4, (before, up.heads)


def test_later_http_1x_is_read_as_1_1(fd, backend):
    """RFC 9110 2.5: HTTP/1.2 is answered as 1.1 (not 505) and keeps the
    connection alive; HTTP/2.0 in a request line is still 505."""
    with fd.conn() as c:
        for _ in range(2):
            c.send(b"GET /echo HTTP/1.2\r\nHost: app.test\r\n\r\n")
            r = c.read_response()
            assert r.status == 200 and r.version == "HTTP/1.1", (r.status, r.version)
            assert r.json()["version"] == "HTTP/1.1", r.json()
    with fd.conn() as c:
        c.send(b"GET /echo HTTP/2.0\r\nHost: app.test\r\n\r\n")
        assert c.read_response().status == 505


def _raw_backend(answer, n=4):
    """A backend that reads a request head and sends answer, then closes;
    up to n times.  Returns (address, thread, listening socket)."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    ls.settimeout(10)

    def serve():
        for _ in range(n):
            try:
                c, _ = ls.accept()
            except OSError:
                return
            with c:
                buf = b""
                while b"\r\n\r\n" not in buf:
                    d = c.recv(4096)
                    if not d:
                        break
                    buf += d
                c.sendall(answer)
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return "127.0.0.1:%d" % ls.getsockname()[1], t, ls


def test_close_delimited_transfer_coding_is_read_to_close(start_fd):
    """RFC 9112 6.3: a response whose Transfer-Encoding lists codings
    without chunked ends when the backend closes.  A 1.1 client gets it
    with its codings and the body as sent; it is not cached; a 1.0 client,
    which cannot be sent transfer codings, gets 502."""
    body = b"coded bytes \x00\x01\x02" * 50
    addr, t, ls = _raw_backend(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: x-custom\r\n"
                               b"Cache-Control: max-age=60\r\n\r\n" + body, n=3)
    try:
        fd = start_fd({"app": {"path": "/", "backends": addr, "cache": "1m"}})
        for _ in range(2):  # not stored: the second one reaches the backend too
            with fd.conn() as c:
                c.request("GET", "/coded")
                head = c.read_head()
                assert head.status == 200, head
                assert head.header("transfer-encoding") == "x-custom", head.headers
                assert head.header("content-length") is None
                assert c.read_to_close(timeout=5) == body
        with fd.conn() as c:
            c.request("GET", "/coded", version="HTTP/1.0")
            assert c.read_response().status == 502
    finally:
        ls.close()
        t.join(5)
    assert not t.is_alive(), "the backend was not asked three times"
