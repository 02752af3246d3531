# SPDX-License-Identifier: ISC
"""The locks around the process: a listening address belongs to one daemon
(frontdoord(8), "Listening sockets"), and no client is a trusted proxy unless
trusted_proxies says so (frontdoor.ini(5))."""

import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from helpers import FRONTDOORD, wait_until


def run_second(config_path, timeout=8):
    """Start frontdoord on config_path; it must exit by itself within
    timeout.  Returns (status, stderr text); kills it and fails otherwise."""
    p = subprocess.Popen([FRONTDOORD, "-c", str(config_path)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=15)
        pytest.fail("a second frontdoord on an address in use kept running for %ss "
                    "(it must refuse to start); stderr:\n%s"
                    % (timeout, err.decode(errors="replace")), pytrace=False)
    return p.returncode, err.decode(errors="replace")


def all_served(fd, n=30):
    bad = []
    for i in range(n):
        r = fd.get("/echo?n=%d" % i)
        if r.status != 200 or r.json()["backend"] != "main":
            bad.append((i, r.status))
    return bad


def listeners(port):
    """Inodes of the sockets listening on 127.0.0.1:port (IPv4)."""
    want = "0100007F:%04X" % port
    found = []
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            p = line.split()
            if p[1] == want and p[3] == "0A":
                found.append(int(p[9]))
    return found


def time_waits(port):
    want = ":%04X" % port
    with open("/proc/net/tcp") as f:
        return sum(1 for line in f.readlines()[1:]
                   if line.split()[1].endswith(want) and line.split()[3] == "06")


def socket_inodes(pid):
    out = set()
    for name in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, name))
        except OSError:
            continue
        if t.startswith("socket:["):
            out.add(int(t[8:-1]))
    return out


# -- one daemon per address --------------------------------------------------

def test_second_daemon_on_the_same_address_refuses(start_fd, backend):
    a = start_fd({"app": {"backends": backend.addr}}, main={"workers": 2})
    b = start_fd({"app": {"backends": backend.addr}}, start=False, subdir="b")
    b.port = a.port
    b.write_config({"app": {"backends": backend.addr}}, main={"workers": 2})
    t0 = time.monotonic()
    status, err = run_second(b.config_path)
    assert status != 0, "the second daemon exited 0; stderr:\n%s" % err
    assert time.monotonic() - t0 < 5, "the refusal took too long"
    assert "127.0.0.1:%d: already in use" % a.port in err, \
        "the refusal does not name the address as in use:\n%s" % err
    assert not os.path.exists(b.dir / "control.sock"), \
        "the refused daemon created its control socket before failing"
    assert a.alive(), "the first daemon died"
    assert all_served(a) == [], "the first daemon no longer serves every request"
    mine = socket_inodes(a.pid)
    assert all(i in mine for i in listeners(a.port)), \
        "a listener on the address is left that is not the first daemon's"


def test_second_daemon_with_the_same_config_leaves_the_first_alone(start_fd, backend):
    # Same file: same address and same control socket.  The refusal must
    # come before the control socket, which the first daemon still answers.
    a = start_fd({"app": {"backends": backend.addr}})
    sock = a.dir / "control.sock"
    ino = os.stat(sock).st_ino
    status, err = run_second(a.config_path)
    assert status != 0 and "127.0.0.1:%d: already in use" % a.port in err, \
        "status %s, stderr:\n%s" % (status, err)
    assert os.stat(sock).st_ino == ino, "the refused daemon replaced the control socket"
    with socket.socket(socket.AF_UNIX) as c:
        c.settimeout(5)
        c.connect(str(sock))
        assert c.recv(100), "the first daemon's control socket says nothing"
    assert all_served(a, 10) == []


@pytest.mark.parametrize("reuseport", [False, True], ids=["plain", "so_reuseport"])
def test_other_listener_on_the_address_refuses_start(start_fd, backend, reuseport):
    # With SO_REUSEPORT and the same user, the kernel would let frontdoord
    # join this socket's group and split the connections with it.
    s = socket.socket()
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    port = s.getsockname()[1]
    try:
        fd = start_fd({"app": {"backends": backend.addr}}, start=False)
        fd.port = port
        fd.write_config({"app": {"backends": backend.addr}}, main={"workers": 2})
        status, err = run_second(fd.config_path)
        assert status != 0, "started on an address a socket listens on:\n%s" % err
        assert "127.0.0.1:%d: already in use" % port in err, \
            "the refusal does not name the address as in use:\n%s" % err
        assert len(listeners(port)) == 1, \
            "a listener of frontdoord was left behind: %r" % listeners(port)
    finally:
        s.close()


def test_stop_then_start_binds_at_once(start_fd, backend):
    a = start_fd({"app": {"backends": backend.addr}})
    # Responses that close the connection leave TIME_WAITs on our port.
    # The client waits for the daemon's close before its own, so the
    # daemon is the side that closes first however loaded the machine is.
    for i in range(5):
        with a.conn() as c:
            c.request("GET", "/echo", headers={"Connection": "close"})
            assert c.read_response().status == 200
            assert c.closed_by_peer(5), "Connection: close left the connection open"
    assert wait_until(lambda: time_waits(a.port) > 0, 3), \
        "no TIME_WAIT on the port: the test would prove nothing"
    a.signal(signal.SIGTERM)
    assert a.wait_exit(10) == 0
    b = start_fd({"app": {"backends": backend.addr}}, start=False, subdir="b")
    b.port = a.port
    b.write_config({"app": {"backends": backend.addr}})
    b.start(ready_timeout=5)
    assert all_served(b, 5) == []


def test_reload_keeps_the_listeners(fd, backend):
    fd.signal(signal.SIGHUP)
    assert fd.wait_stderr("reloaded"), "no reload logged"
    assert "already in use" not in fd.stderr()
    assert all_served(fd, 10) == []


def thread_reads(pid):
    """read(2)-family calls per thread: the workers read their clients."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/io" % (pid, tid)) as f:
                for line in f:
                    if line.startswith("syscr:"):
                        out[int(tid)] = int(line.split()[1])
        except OSError:
            return None
    return out


def test_workers_share_each_address(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}}, main={"workers": 2})
    mine = socket_inodes(fd.pid)
    ls = listeners(fd.port)
    assert len(ls) == 2 and all(i in mine for i in ls), \
        "expected one listening socket per worker, both the daemon's: %r" % ls
    before = thread_reads(fd.pid)
    if before is None:
        pytest.skip("cannot read /proc/PID/task/TID/io")
    # Each connection from its own source port: the kernel hashes them over
    # the two sockets, so both workers must accept some.
    errors = []

    def client(i):
        try:
            with fd.conn() as c:
                for _ in range(3):
                    c.request("GET", "/echo?c=%d" % i)
                    if c.read_response().status != 200:
                        errors.append(i)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append("%d: %r" % (i, e))
    ts = [threading.Thread(target=client, args=(i,)) for i in range(60)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    assert errors == [], "requests failed: %r" % errors[:5]
    after = thread_reads(fd.pid)
    busy = [t for t in after if t != fd.pid and after[t] - before.get(t, 0) >= 20]
    assert len(busy) >= 2, \
        "60 connections were served by %d thread(s), expected both workers: %r" % (
            len(busy), {t: after[t] - before.get(t, 0) for t in after})


# -- nobody is trusted by default --------------------------------------------

def echoed(r):
    h = {}
    for k, v in r.json()["headers"]:
        h.setdefault(k.lower(), []).append(v)
    return h


def test_loopback_is_not_a_trusted_proxy_by_default(start_fd, backend):
    # trusted_proxies = None leaves the key out: the daemon's default.
    fd = start_fd({"app": {"backends": backend.addr}}, main={"trusted_proxies": None})
    assert "trusted_proxies" not in fd.config_path.read_text()
    r = fd.get("/echo", headers={"X-Forwarded-For": "6.6.6.6", "X-Real-IP": "6.6.6.6"})
    assert r.status == 200
    h = echoed(r)
    assert h.get("x-real-ip") == ["127.0.0.1"], \
        "a local client's X-Forwarded-For was believed: X-Real-IP %r" % h.get("x-real-ip")
    assert h.get("x-forwarded-for") == ["127.0.0.1"], \
        "X-Forwarded-For must name only the connecting address: %r" % h.get("x-forwarded-for")
    line = fd.wait_access_lines(1)[-1]
    assert line.startswith("127.0.0.1 "), "access log names another client: %s" % line


def test_forged_x_forwarded_for_does_not_pass_allow(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr, "allow": "6.6.6.6/32"}},
                  main={"trusted_proxies": None})
    r = fd.get("/echo", headers={"X-Forwarded-For": "6.6.6.6"})
    assert r.status == 403, "a forged X-Forwarded-For passed allow: %r" % r
    assert backend.heads["/echo"] == 0, "the request reached the backend"
