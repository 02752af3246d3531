# SPDX-License-Identifier: ISC
"""The process around the proxy: privileges, reload at request boundaries,
tunnels across a reload, and the shutdown timeout."""

import os
import pwd
import signal
import subprocess
import threading
import time

import pytest

from helpers import FRONTDOORD, HttpConn, wait_until
from test_websocket import ws_handshake, ws_recv, ws_send


def proc_ids(pid):
    ids = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("Uid", "Gid"):
                ids[k] = [int(x) for x in v.split()]
    return ids


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_root_without_user_refuses(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}}, main={"user": None}, start=False)
    p = subprocess.run([FRONTDOORD, "-c", str(fd.config_path)], capture_output=True,
                       timeout=10)
    assert p.returncode != 0, "started as root without user: it must refuse"
    assert b"user" in p.stderr and b"root" in p.stderr, \
        "the refusal does not say why: %r" % p.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_root_with_unknown_user_refuses(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}},
                  main={"user": "no-such-user-here"}, start=False)
    p = subprocess.run([FRONTDOORD, "-c", str(fd.config_path)], capture_output=True,
                       timeout=10)
    assert p.returncode != 0, "a user that does not exist must stop the start"
    assert b"no-such-user-here" in p.stderr, "the error does not name the user: %r" % p.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_drops_to_user_after_binding(fd):
    ids = proc_ids(fd.pid)
    nobody = int(subprocess.run(["id", "-u", "nobody"], capture_output=True).stdout)
    assert ids["Uid"] == [nobody] * 4, "still holds root ids after start: %r" % ids["Uid"]
    assert 0 not in ids["Gid"], "still holds group root: %r" % ids["Gid"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_supplementary_groups_are_the_users_own(start_fd, backend):
    # frontdoord(8): the user's groups come from initgroups(3), so root's
    # supplementary groups are gone and the user's own are there.  The test
    # runs as root with groups of its own to lose.
    old = os.getgroups()
    held = sorted(set(old) | {0, 4, 27})
    os.setgroups(held)
    try:
        fd = start_fd({"app": {"backends": backend.addr}}, main={"user": "nobody"})
    finally:
        os.setgroups(old)
    with open("/proc/%d/status" % fd.pid) as f:
        groups = [l.split()[1:] for l in f if l.startswith("Groups:")][0]
    pw = pwd.getpwnam("nobody")
    want = set(os.getgrouplist("nobody", pw.pw_gid))
    assert set(int(g) for g in groups) == want, \
        "groups after the drop %r, nobody's are %r (root's were %r)" % (groups, want, held)


def test_keepalive_connection_follows_reload(start_fd, make_backend):
    one, two = make_backend("one"), make_backend("two")
    fd = start_fd({"app": {"backends": one.addr}})
    with fd.conn() as c:
        c.request("GET", "/echo")
        assert c.read_response().json()["backend"] == "one"
        fd.reload({"app": {"backends": two.addr}})
        assert fd.wait_stderr("reloaded"), "the reload was not logged"

        # Each worker takes the new configuration on its own loop, a moment
        # after the log line: allow that moment, on the same connection.
        def served_by_two():
            c.request("GET", "/echo")
            return c.read_response().json()["backend"] == "two"
        assert wait_until(served_by_two, 3, 0.05), \
            "a kept-alive connection still used the old configuration after a reload"


def test_tunnel_survives_reload(start_fd, backend, make_backend):
    other = make_backend("other")
    fd = start_fd({"app": {"backends": backend.addr}})
    with fd.conn() as c:
        assert ws_handshake(c).status == 101
        ws_send(c, 1, b"before")
        assert ws_recv(c) == (1, b"before")
        fd.reload({"app": {"backends": other.addr}})
        assert fd.wait_stderr("reloaded"), "the reload was not logged"
        ws_send(c, 1, b"after")
        assert ws_recv(c) == (1, b"after"), "an open tunnel broke on reload"


def test_shutdown_timeout_closes_what_is_left(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}}, main={"shutdown_timeout": "1s"})
    c = HttpConn(fd.port, timeout=20)
    c.request("GET", "/slow?ms=15000")
    time.sleep(0.3)
    t0 = time.monotonic()
    fd.signal(signal.SIGTERM)
    status = fd.wait_exit(12)
    assert status == 0, "frontdoord did not stop cleanly after shutdown_timeout (status %r)" % status
    assert time.monotonic() - t0 < 10, "shutdown_timeout=1s did not cut a 15 s request"
    c.close()


def test_sigterm_stops_accepting(fd, backend):
    c = HttpConn(fd.port, timeout=20)
    c.request("GET", "/slow?ms=1500")
    time.sleep(0.3)
    fd.signal(signal.SIGTERM)
    time.sleep(0.3)
    import socket
    s = socket.socket()
    s.settimeout(3)
    refused = False
    try:
        s.connect(("127.0.0.1", fd.port))
        s.sendall(b"GET /echo HTTP/1.1\r\nHost: a\r\n\r\n")
        refused = s.recv(100) == b""
    except OSError:
        refused = True
    finally:
        s.close()
    assert refused, "a stopping daemon still accepted and served a new connection"
    assert c.read_response().status == 200, "the in-flight request did not finish"
    c.close()
    assert fd.wait_exit(10) == 0
