# SPDX-License-Identifier: ISC
"""Many clients misbehaving at once: abrupt closes mid-head, mid-body and
mid-response, garbage, pipelining, slow backends and dead ones.  The daemon
must keep serving, and stay clean under the sanitizers (the fixture fails the
test on any sanitizer report or a crash)."""

import random
import socket
import threading
import time

from helpers import HttpConn

ACTIONS = []


def action(f):
    ACTIONS.append(f)
    return f


def raw(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.settimeout(5)
    return s


@action
def normal_get(port, rnd):
    with HttpConn(port, timeout=10) as c:
        for _ in range(rnd.randint(1, 5)):
            c.request("GET", "/echo")
            assert c.read_response().status == 200


@action
def close_mid_head(port, rnd):
    s = raw(port)
    s.sendall(b"GET /echo HTTP/1.1\r\nHost: a")
    s.close()


@action
def close_mid_body(port, rnd):
    s = raw(port)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + b"x" * rnd.randint(0, 50000))
    s.close()


@action
def close_mid_response(port, rnd):
    s = raw(port)
    s.sendall(b"GET /big?mb=20 HTTP/1.1\r\nHost: a\r\n\r\n")
    s.recv(rnd.randint(1, 100000))
    s.close()


@action
def reset_mid_response(port, rnd):
    s = raw(port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.sendall(b"GET /drip HTTP/1.1\r\nHost: a\r\n\r\n")
    s.recv(100)
    s.close()


@action
def garbage(port, rnd):
    s = raw(port)
    s.sendall(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 3000))) + b"\r\n\r\n")
    try:
        s.recv(4096)
    except OSError:
        pass
    s.close()


@action
def pipelined_with_junk(port, rnd):
    s = raw(port)
    s.sendall(b"GET /echo HTTP/1.1\r\nHost: a\r\n\r\n" * 3 + b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass
    s.close()


@action
def slow_then_gone(port, rnd):
    s = raw(port)
    s.sendall(b"GET /slow?ms=300 HTTP/1.1\r\nHost: a\r\n\r\n")
    time.sleep(rnd.random() * 0.3)
    s.close()


@action
def dead_backend(port, rnd):
    with HttpConn(port, timeout=10) as c:
        c.request("GET", "/dead/x")
        assert c.read_response().status in (502, 503)  # 503 once it is marked down


@action
def websocket_then_close(port, rnd):
    s = raw(port)
    s.sendall(b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    try:
        s.recv(4096)
        s.sendall(b"\x81\x85\x00\x00\x00\x00hello")
        s.recv(100)
    except OSError:
        pass
    s.close()


def test_chaos_keeps_serving(start_fd, backend, workdir):
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    dead_port = dead.getsockname()[1]
    dead.close()
    fd = start_fd({
        "app": {"backends": backend.addr},
        "dead": {"path": "/dead", "backends": "127.0.0.1:%d" % dead_port},
    }, main={"header_timeout": "2s", "workers": 2})
    errors = []
    stop = time.monotonic() + 8

    def client(seed):
        rnd = random.Random(seed)
        while time.monotonic() < stop:
            f = rnd.choice(ACTIONS)
            try:
                f(fd.port, rnd)
            except (OSError, AssertionError) as e:
                if f in (normal_get, dead_backend):
                    errors.append("%s: %r" % (f.__name__, e))

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "chaos clients hung"
    assert fd.alive(), "frontdoord died under chaos"
    assert not errors, "well-behaved requests failed under chaos: %s" % errors[:5]
    with HttpConn(fd.port) as c:
        c.request("GET", "/echo")
        assert c.read_response().status == 200, "not serving after chaos"
    lines = fd.wait_access_lines(100)
    statuses = {l.split('"')[2].split()[0] for l in lines}
    assert {"200", "400", "502"} <= statuses, "chaos did not reach the cases it means to: %s" % statuses
