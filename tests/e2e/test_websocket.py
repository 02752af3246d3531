# SPDX-License-Identifier: ISC
"""frontdoord(8), WebSocket: upgrade requests become a two-way tunnel."""

import base64
import hashlib
import os
import struct

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


def test_websocket_idle_tunnel_closed_after_backend_timeout(start_fd, backend):
    fd = start_fd({"app": {"path": "/", "backends": backend.addr, "backend_timeout": "1s"}})
    with fd.conn() as c:
        assert ws_handshake(c).status == 101
        ws_send(c, 1, b"still alive")
        assert ws_recv(c) == (1, b"still alive")
        assert c.closed_by_peer(10), \
            "a tunnel with no traffic was not closed after backend_timeout=1s"


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
