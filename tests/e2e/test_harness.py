# SPDX-License-Identifier: ISC
"""The test backend and raw client on their own, without frontdoord: if these
fail, the harness is broken, not the daemon."""

import hashlib
import socket

from helpers import HttpConn, curl
from testbackend import pattern


def test_backend_echo_keepalive_counts(backend):
    with HttpConn(backend.port) as c:
        for i in range(3):
            c.request("POST", "/echo?x=%d" % i, body=b"hello")
            r = c.read_response()
            assert r.status == 200, "backend /echo answered %s" % r.status
            d = r.json()
            assert d["conn_request"] == i + 1 and d["connections"] == 1, d
            assert d["body_len"] == 5
            assert d["body_sha256"] == hashlib.sha256(b"hello").hexdigest()
    assert backend.heads["/echo"] == 3, "backend did not count its requests"


def test_backend_chunked_both_ways(backend):
    with HttpConn(backend.port) as c:
        c.request("POST", "/echo", headers={"Transfer-Encoding": "chunked"},
                  body=b"5\r\nhello\r\n0\r\n\r\n")
        d = c.read_response().json()
        assert d["chunked"] and d["body_len"] == 5
        c.request("GET", "/bytes?n=100000&chunked=1")
        r = c.read_response()
        assert r.header("transfer-encoding") == "chunked"
        assert r.body == pattern(100000)


def test_backend_failure_modes(backend):
    for path in ("/close", "/reset", "/garbage"):
        with HttpConn(backend.port) as c:
            c.request("GET", path)
            data = c.read_to_close(timeout=5)
            assert not data.startswith(b"HTTP/1.1"), "%s answered HTTP" % path
    with HttpConn(backend.port) as c:
        c.request("GET", "/nolength?n=777")
        r = c.read_response()
        assert r.body == pattern(777)


def test_backend_die_next(backend):
    with HttpConn(backend.port) as c:
        c.request("GET", "/echo?die_next=1")
        assert c.read_response().status == 200
        c.request("GET", "/echo")
        assert c.closed_by_peer(5), "die_next did not drop the connection"
    assert backend.notes["dropped"] == 1


def test_backend_continue_with_curl(backend, tmp_path):
    f = tmp_path / "body"
    f.write_bytes(b"x" * 100000)
    p = curl("-v", "-H", "Expect: 100-continue", "--data-binary", "@%s" % f,
             "http://%s/continue" % backend.addr, timeout=20)
    assert b"100 Continue" in p.stderr, p.stderr
    assert b'"body_len": 100000' in p.stdout


def test_backend_websocket(backend):
    from test_websocket import ws_handshake, ws_send, ws_recv
    with HttpConn(backend.port) as c:
        r = ws_handshake(c)
        assert r.status == 101
        ws_send(c, 1, b"hi there")
        assert ws_recv(c) == (1, b"hi there")
        ws_send(c, 8, b"\x03\xe8")
        assert ws_recv(c)[0] == 8


def test_backend_bounded_head(backend):
    with HttpConn(backend.port) as c:
        c.send(b"GET /echo HTTP/1.1\r\nX: " + b"a" * 70000)
        try:
            assert c.closed_by_peer(5), "backend accepted an unbounded head"
        except socket.error:
            pass
