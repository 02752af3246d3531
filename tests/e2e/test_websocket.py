# SPDX-License-Identifier: ISC
"""frontdoord(8), WebSocket: upgrade requests become a two-way tunnel."""

import base64
import hashlib
import os
import struct
import time

from helpers import wait_until
from test_control import Ctl

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ws_handshake(c, path="/ws", host="app.test"):
    key = base64.b64encode(os.urandom(16)).decode()
    c.request("GET", path, host=host, headers=[
        ("Upgrade", "websocket"), ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")])
    r = c.read_head()
    if r.status == 101:
        want = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()
        assert r.header("sec-websocket-accept") == want, \
            "Sec-WebSocket-Accept mangled through the proxy: %r" % r.headers
    return r


def ws_send(c, opcode, data):
    mask = os.urandom(4)
    n = len(data)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    c.send(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def ws_recv(c):
    b0, b1 = c._exact(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", c._exact(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", c._exact(8))[0]
    assert not b1 & 0x80, "server frames must not be masked"
    return b0 & 0x0F, c._exact(n)


def test_websocket_tunnel_exchanges_frames(fd, backend):
    with fd.conn() as c:
        r = ws_handshake(c)
        assert r.status == 101, "WebSocket upgrade through the proxy got %s, not 101" % r.status
        assert "websocket" in (r.header("upgrade") or "").lower(), \
            "101 lost its Upgrade header: %r" % r.headers
        for i in range(5):
            msg = ("message %d" % i).encode()
            ws_send(c, 1, msg)
            assert ws_recv(c) == (1, msg), "text frame %d not echoed through the tunnel" % i
        big = os.urandom(200000)
        ws_send(c, 2, big)
        op, data = ws_recv(c)
        assert op == 2 and data == big, "200 kB binary frame corrupted in the tunnel"
        ws_send(c, 8, b"\x03\xe8")
        assert ws_recv(c)[0] == 8, "close frame not echoed"
        assert c.closed_by_peer(10), "tunnel stayed open after the backend closed"
    assert backend.notes["ws_frames"] == 6
    assert backend.notes["ws_unmasked"] == 0, "proxy unmasked client frames"


def test_websocket_headers_reach_backend(fd, backend):
    with fd.conn() as c:
        assert ws_handshake(c).status == 101
    req = backend.log[-1]
    assert "websocket" in req.tokens("upgrade"), "Upgrade not forwarded for a websocket route"
    assert "upgrade" in req.tokens("connection"), "Connection: upgrade not forwarded"
    assert req.header("sec-websocket-key"), "Sec-WebSocket-Key not forwarded"


def test_websocket_disabled_strips_upgrade(start_fd, backend):
    fd = start_fd({"app": {"path": "/", "backends": backend.addr, "websocket": False}})
    with fd.conn() as c:
        r = ws_handshake(c)
        assert r.status != 101, "websocket = no still produced a 101 tunnel"
    req = backend.log[-1]
    assert req.header("upgrade") is None, \
        "websocket = no: Upgrade header still sent to the backend"


def test_websocket_idle_tunnel_closed_after_backend_read_timeout(start_fd, backend):
    fd = start_fd({"app": {"path": "/", "backends": backend.addr, "backend_read_timeout": "1s"}})
    with fd.conn() as c:
        assert ws_handshake(c).status == 101
        ws_send(c, 1, b"still alive")
        assert ws_recv(c) == (1, b"still alive")
        assert c.closed_by_peer(10), \
            "a tunnel with no traffic was not closed after backend_read_timeout=1s"


def test_websocket_frame_sent_with_the_handshake(fd, backend):
    """Bytes the client sends right behind the upgrade request belong to the
    tunnel, not to a next HTTP request."""
    import base64 as b64
    key = b64.b64encode(os.urandom(16)).decode()
    with fd.conn() as c:
        c.request("GET", "/ws", headers=[
            ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")])
        ws_send(c, 1, b"early")
        r = c.read_head()
        assert r.status == 101, "upgrade with an early frame got %s" % r.status
        assert ws_recv(c) == (1, b"early"), "frame sent right after the upgrade request lost"


def _routes(fd):
    ok, rows = Ctl(fd.dir / "control.sock").cmd("routes")
    assert ok, rows
    return {r["name"]: r for r in rows}


def test_route_disable_closes_its_tunnels(start_fd, backend):
    """frontdoor(1) route disable: new requests get 503 and the route's open
    WebSockets are closed; another route's tunnel keeps flowing."""
    fd = start_fd({"app": {"path": "/", "backends": backend.addr},
                   "other": {"path": "/other", "strip_path": "yes", "backends": backend.addr}})
    a, b, o = fd.conn(timeout=10), fd.conn(timeout=10), fd.conn(timeout=10)
    try:
        assert ws_handshake(a).status == 101
        assert ws_handshake(b).status == 101
        assert ws_handshake(o, path="/other/ws").status == 101
        assert wait_until(lambda: _routes(fd)["app"]["tunnels"]["open"] == 2, 5)
        ok, r = Ctl(fd.dir / "control.sock").cmd("route disable app")
        assert ok and r[0]["state"] == "disabled", r
        assert a.closed_by_peer(5), "route disable left a WebSocket open"
        assert b.closed_by_peer(5), "route disable left a WebSocket open"
        assert fd.wait_stderr(r"route app: disabled, 2 tunnel\(s\) closed")
        ws_send(o, 1, b"still here")
        assert ws_recv(o) == (1, b"still here"), "another route's tunnel was cut"
        assert fd.get("/x").status == 503
        rows = _routes(fd)
        assert rows["app"]["tunnels"]["open"] == 0 and rows["app"]["tunnels"]["total"] == 2
        assert rows["other"]["tunnels"]["open"] == 1
    finally:
        for c in (a, b, o):
            c.close()


def test_route_drain_lets_its_tunnels_finish(start_fd, backend):
    """frontdoor(1) route drain: new requests get 503, open WebSockets go on
    until they end; the state file keeps the route disabled; a later route
    disable cuts them."""
    fd = start_fd({"app": {"path": "/", "backends": backend.addr}})
    ctl = Ctl(fd.dir / "control.sock")
    with fd.conn(timeout=10) as c:
        assert ws_handshake(c).status == 101
        ok, r = ctl.cmd("route drain app")
        assert ok and r[0]["state"] == "draining" and r[0]["differs"], r
        assert fd.get("/x").status == 503, "a draining route took a new request"
        time.sleep(0.5)
        ws_send(c, 1, b"draining")
        assert ws_recv(c) == (1, b"draining"), "route drain cut an open tunnel"
        assert _routes(fd)["app"]["state"] == "draining"
        assert wait_until(lambda: "route app disabled" in _state_text(fd), 5), _state_text(fd)
        ok, r = ctl.cmd("route disable app")
        assert ok and r[0]["state"] == "disabled", r
        assert c.closed_by_peer(5), "route disable after drain left the tunnel open"


def _state_text(fd):
    try:
        return (fd.dir / "state.ini").read_text()
    except OSError:
        return ""


def test_tunnels_are_counted_apart_from_latency(start_fd, backend):
    """routes shows a route's open tunnels (count, the oldest's age); a
    tunnel's lifetime stays out of the latency percentiles, and the 503s of
    a switched-off route are not counted as its errors."""
    fd = start_fd({"app": {"path": "/", "backends": backend.addr}})
    for _ in range(5):
        assert fd.get("/echo").status == 200
    with fd.conn(timeout=10) as c:
        assert ws_handshake(c).status == 101
        time.sleep(2.2)
        t = _routes(fd)["app"]["tunnels"]
        assert t["open"] == 1 and t["oldest_s"] >= 2, t
    assert wait_until(lambda: _routes(fd)["app"]["tunnels"]["open"] == 0, 5)
    row = _routes(fd)["app"]
    assert row["p99_ms"] < 1000, "a 2 s tunnel counted as request latency: %r" % row
    ok, r = Ctl(fd.dir / "control.sock").cmd("route disable app")
    assert ok
    for _ in range(3):
        assert fd.get("/x").status == 503
    row = _routes(fd)["app"]
    assert row["status"]["5xx"] == 3 and row["switched"] == 3 and row["errors"] == 0, row
