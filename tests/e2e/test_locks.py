# SPDX-License-Identifier: ISC
"""The locks hold: framing that frontdoor writes itself in both directions,
pipelined requests each answered in order, identity fields no client can
forge, tunnels for WebSocket only, Host held to its grammar.  Each test talks
raw HTTP/1.1 so that what crosses is exactly what the test wrote; the
backends here are raw sockets too, so what they received is seen byte for
byte (tests/e2e/test_differential.py runs the same classes of tricks against
backends that parse the way real server families do)."""

import base64
import socket
import subprocess
import threading
import time

import pytest

from helpers import HttpConn


class RawBackend:
    """A backend on 127.0.0.1 that records the raw bytes of each connection
    and answers every request head it sees with `answer` (bytes), or with
    answer(head, body) when callable.  Reads heads and bodies by
    Content-Length or chunked framing, strictly; records what it parsed."""

    def __init__(self, answer=None):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.addr = "127.0.0.1:%d" % self.port
        self.answer = answer or (lambda head, body:
                                 b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        self.raw = []        # bytes per connection
        self.requests = []   # (head bytes, body bytes)
        self.stopping = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._conn, args=(c,), daemon=True).start()

    def _conn(self, c):
        c.settimeout(10)
        idx = None
        with self.lock:
            self.raw.append(b"")
            idx = len(self.raw) - 1
        buf = b""

        def more():
            nonlocal buf
            d = c.recv(65536)
            if not d:
                raise EOFError
            buf += d
            with self.lock:
                self.raw[idx] += d

        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    more()
                head, buf = buf.split(b"\r\n\r\n", 1)
                lines = head.split(b"\r\n")
                hdrs = {}
                for ln in lines[1:]:
                    k, _, v = ln.partition(b":")
                    hdrs.setdefault(k.strip().lower(), []).append(v.strip())
                body = b""
                if b"transfer-encoding" in hdrs:
                    while True:
                        while b"\r\n" not in buf:
                            more()
                        line, buf = buf.split(b"\r\n", 1)
                        size = int(line, 16)
                        if size == 0:
                            while b"\r\n" not in buf:
                                more()
                            # trailers up to the empty line
                            while not buf.startswith(b"\r\n"):
                                while buf.count(b"\r\n") < 1:
                                    more()
                                _, buf = buf.split(b"\r\n", 1)
                                while b"\r\n" not in buf:
                                    more()
                            buf = buf[2:]
                            break
                        while len(buf) < size + 2:
                            more()
                        body += buf[:size]
                        buf = buf[size + 2:]
                elif b"content-length" in hdrs:
                    n = int(hdrs[b"content-length"][0])
                    while len(buf) < n:
                        more()
                    body, buf = buf[:n], buf[n:]
                with self.lock:
                    self.requests.append((head, body))
                a = self.answer(head, body)
                c.sendall(a)
        except (EOFError, OSError, ValueError):
            pass
        finally:
            c.close()

    def stop(self):
        self.stopping = True
        self.sock.close()
        self.thread.join(2)

    def all_raw(self):
        with self.lock:
            return b"".join(self.raw)


@pytest.fixture
def raw_backend():
    made = []

    def make(answer=None):
        b = RawBackend(answer)
        made.append(b)
        return b
    yield make
    for b in made:
        b.stop()


def send_raw(port, data, timeout=5.0, want=None):
    """Send data on a fresh connection, read until the peer closes, `want`
    bytes are in, or timeout; returns what came back."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    try:
        return read_until(s, want, timeout)
    finally:
        s.close()


def read_until(s, want, timeout):
    """Read from s until the peer closes, want(bytes so far) holds, or
    timeout seconds pass."""
    out = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s.settimeout(max(0.05, end - time.monotonic()))
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        out += d
        if want is not None and want(out):
            break
    return out


def statuses(raw):
    """Status codes of the responses in raw, in order (heads only; bodies
    skipped by Content-Length)."""
    out = []
    while raw.startswith(b"HTTP/1.1 "):
        head, _, rest = raw.partition(b"\r\n\r\n")
        out.append(int(head[9:12]))
        n = 0
        for ln in head.split(b"\r\n")[1:]:
            k, _, v = ln.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v)
        raw = rest[n:]
    return out


# -- Every pipelined request is answered, in order ---------------------------

def test_pipeline_answered_by_frontdoor_all_answered(start_fd, backend, workdir):
    """A long pipeline of requests answered by frontdoor itself (401, 403,
    404, 503) sent before reading: every one is answered, in order, on the
    same connection."""
    hp = workdir / "users"
    hp.write_text(subprocess.run(["htpasswd", "-nbB", "-C", "4", "u", "p"],
                                 capture_output=True, text=True, check=True).stdout)
    fd = start_fd({
        "auth": {"host": "auth.test", "path": "/", "backends": backend.addr,
                 "auth_file": str(hp)},
        "deny": {"host": "deny.test", "path": "/", "backends": backend.addr,
                 "deny": "127.0.0.0/8"},
        "off": {"host": "off.test", "path": "/", "backends": backend.addr,
                "enabled": "no"},
    })
    hosts = [("auth.test", 401), ("deny.test", 403), ("none.test", 404),
             ("off.test", 503)]
    n = 12000
    want = [hosts[i % 4][1] for i in range(n)]
    data = b"".join(b"GET /p%d HTTP/1.1\r\nHost: %s\r\n\r\n"
                    % (i, hosts[i % 4][0].encode()) for i in range(n))
    s = socket.create_connection(("127.0.0.1", fd.port), timeout=20)
    # Nothing read for a while: the answers back up into frontdoor while
    # the pipeline is still coming.
    sender = threading.Thread(target=s.sendall, args=(data,), daemon=True)
    sender.start()
    time.sleep(1.0)
    out = read_until(s, lambda o: o.count(b"HTTP/1.1 ") >= n, 30)
    s.close()
    got = statuses(out)
    assert len(got) == n, "%d of %d pipelined requests answered" % (len(got), n)
    assert got == want


def test_pipeline_after_half_close_all_answered(start_fd, raw_backend):
    """A client that sends a pipeline and shuts its side down still gets
    every answer, and the last says Connection: close."""
    b = raw_backend()
    fd = start_fd({"app": {"path": "/", "backends": b.addr}})
    n = 50
    s = socket.create_connection(("127.0.0.1", fd.port), timeout=10)
    s.sendall(b"".join(b"GET /%d HTTP/1.1\r\nHost: a.test\r\n\r\n" % i
                       for i in range(n)))
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    s.close()
    assert statuses(out) == [200] * n
    last = out.rsplit(b"HTTP/1.1 ", 1)[1]
    assert b"\r\nConnection: close\r\n" in last


# -- Framing is the proxy's own ----------------------------------------------

def chunked_post(extra_headers=b"", body=b"5\r\nhello\r\n0\r\n\r\n", path=b"/"):
    return (b"POST " + path + b" HTTP/1.1\r\nHost: a.test\r\n" + extra_headers +
            b"Transfer-Encoding: chunked\r\n\r\n" + body)


def test_request_rechunked_extensions_and_trailers_dropped(start_fd, raw_backend):
    b = raw_backend()
    fd = start_fd({"app": {"path": "/", "backends": b.addr}})
    body = (b"5;name=value\r\nhello\r\n6;x\r\n world\r\n0;last\r\n"
            b"Host: evil.test\r\nContent-Length: 1\r\n"
            b"Transfer-Encoding: chunked\r\nX-Remote-User: root\r\n"
            b"Server-Timing: db;dur=1\r\n\r\n")
    out = send_raw(fd.port, chunked_post(body=body),
                   want=lambda o: b"\r\n\r\nok" in o)
    assert out.startswith(b"HTTP/1.1 200"), out
    raw = b.all_raw()
    head, _, sent = raw.partition(b"\r\n\r\n")
    assert head.lower().count(b"\r\ntransfer-encoding: chunked") == 1, head
    assert b"name=value" not in sent and b";x" not in sent and b";last" not in sent
    assert sent == b"b\r\nhello world\r\n0\r\nServer-Timing: db;dur=1\r\n\r\n", sent
    assert b.requests[0][1] == b"hello world"


@pytest.mark.parametrize("conn", [b"transfer-encoding", b"content-length",
                                  b"host", b"x-forwarded-for, x-real-ip",
                                  b"keep-alive, transfer-encoding"])
def test_connection_never_removes_framing(start_fd, raw_backend, conn):
    """Connection: <field> removes ordinary hop-by-hop fields, never the
    framing, the Host or what frontdoor adds."""
    b = raw_backend()
    fd = start_fd({"app": {"path": "/", "backends": b.addr}})
    smuggled = b"GET /admin HTTP/1.1\r\nHost: a.test\r\n\r\n"
    if conn == b"content-length":
        req = (b"POST / HTTP/1.1\r\nHost: a.test\r\nConnection: " + conn +
               b"\r\nContent-Length: %d\r\n\r\n" % len(smuggled) + smuggled)
    else:
        req = chunked_post(b"Connection: " + conn + b"\r\n",
                           b"%x\r\n" % len(smuggled) + smuggled + b"\r\n0\r\n\r\n")
    out = send_raw(fd.port, req, want=lambda o: b"\r\n\r\nok" in o)
    assert out.startswith(b"HTTP/1.1 200"), out
    time.sleep(0.2)
    assert len(b.requests) == 1, "backend parsed %d requests: %r" % (
        len(b.requests), b.requests)
    head, body = b.requests[0]
    assert body == smuggled
    low = head.lower()
    assert b"\r\nhost: " in low
    assert b"\r\nx-forwarded-for: " in low and b"\r\nx-real-ip: " in low


@pytest.mark.parametrize("te", [b"identity, chunked", b",chunked", b"chunked,",
                                b"chunked, chunked", b"gzip, chunked",
                                b"chunked\r\nTransfer-Encoding: chunked",
                                b"xchunked", b"chunked;a=b"])
def test_odd_transfer_encoding_refused(start_fd, raw_backend, te):
    b = raw_backend()
    fd = start_fd({"app": {"path": "/", "backends": b.addr}})
    req = (b"POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: " + te +
           b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    out = send_raw(fd.port, req)
    assert out.startswith(b"HTTP/1.1 400"), out
    assert b.requests == [] and b.all_raw() == b""


@pytest.mark.parametrize("body", [
    b"5\r\nhello\n0\r\n\r\n",          # bare LF after data
    b"5;a\nhello\r\n0\r\n\r\n",         # bare LF in an extension
    b"5\nhello\r\n0\r\n\r\n",           # bare LF after the size
    b"5\r\nhello\r\n0\r\nA: b\n\r\n",   # bare LF in a trailer
    b"5\r\nhello\r\n0\n\n",             # bare LF at the end
])
def test_bare_lf_in_chunk_framing_refused(start_fd, raw_backend, body):
    b = raw_backend()
    fd = start_fd({"app": {"path": "/", "backends": b.addr}})
    out = send_raw(fd.port, chunked_post(body=body), timeout=3)
    assert out.startswith(b"HTTP/1.1 400") or out == b"", out
    time.sleep(0.2)
    # The backend may have got the head and part of the body; it must never
    # get a complete message of ours framing the client's bytes.
    assert b"0\r\n\r\n" not in b.all_raw().partition(b"\r\n\r\n")[2]
    assert b.requests == []


def test_duplicate_content_length_folded(start_fd, raw_backend):
    b = raw_backend()
    fd = start_fd({"app": {"path": "/", "backends": b.addr}})
    out = send_raw(fd.port, b"POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5"
                   b"\r\nContent-Length: 5\r\n\r\nhello",
                   want=lambda o: b"\r\n\r\nok" in o)
    assert out.startswith(b"HTTP/1.1 200")
    head = b.requests[0][0].lower()
    assert head.count(b"\r\ncontent-length: 5") == 1, head


# The response direction: a lying backend.

@pytest.mark.parametrize("answer,expect_body", [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
     b"hello"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello", b"hello"),
    (b"HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 5\r\n\r\nhello",
     b"hello"),
])
def test_response_one_content_length(start_fd, raw_backend, answer, expect_body):
    b = raw_backend(lambda h, body: answer)
    fd = start_fd({"app": {"path": "/", "backends": b.addr}})
    out = send_raw(fd.port, b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n",
                   want=lambda o: o.endswith(expect_body))
    head, _, body = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), out
    assert head.lower().count(b"\r\ncontent-length: ") == 1, head
    assert b"\r\ncontent-length: 5" in head.lower()
    assert body == expect_body


def test_response_rechunked(start_fd, raw_backend):
    answer = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"5;ext=1\r\nhello\r\n0\r\nContent-Length: 3\r\nSet-Cookie: a=b\r\n"
              b"Server-Timing: x;dur=2\r\n\r\n")
    b = raw_backend(lambda h, body: answer)
    fd = start_fd({"app": {"path": "/", "backends": b.addr}})
    out = send_raw(fd.port, b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n",
                   want=lambda o: o.endswith(b"\r\n\r\n") and b"0\r\n" in o)
    head, _, body = out.partition(b"\r\n\r\n")
    assert b"\r\ntransfer-encoding: chunked" in head.lower(), head
    assert body == b"5\r\nhello\r\n0\r\nServer-Timing: x;dur=2\r\n\r\n", body


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
])
def test_response_odd_framing_502(start_fd, raw_backend, answer):
    b = raw_backend(lambda h, body: answer)
    fd = start_fd({"app": {"path": "/", "backends": b.addr}})
    out = send_raw(fd.port, b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n",
                   want=lambda o: b"</html>" in o or o.count(b"\r\n\r\n") >= 1 and b"502" in o)
    assert out.startswith(b"HTTP/1.1 502"), out


def test_response_bare_lf_chunk_cut(start_fd, raw_backend):
    """A bare LF in the backend's chunk framing ends the response early (the
    client's connection is closed): the client never reads the backend's
    framing as ours."""
    answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"
    b = raw_backend(lambda h, body: answer)
    fd = start_fd({"app": {"path": "/", "backends": b.addr}})
    out = send_raw(fd.port, b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n", timeout=5)
    head, _, body = out.partition(b"\r\n\r\n")
    assert b"hello" not in body and not body.endswith(b"0\r\n\r\n"), out


# -- Identity fields ---------------------------------------------------------

@pytest.mark.parametrize("field", [b"X-Remote-User", b"x-remote-user",
                                   b"X_Remote_User", b"x_REMOTE-user",
                                   b"X_Real_IP", b"X_Forwarded_For",
                                   b"X_Request_Id"])
def test_identity_fields_never_pass(start_fd, raw_backend, field):
    b = raw_backend()
    fd = start_fd({"app": {"path": "/", "backends": b.addr}},
                  main={"trusted_proxies": ""})
    out = send_raw(fd.port, b"GET / HTTP/1.1\r\nHost: a.test\r\n" + field +
                   b": root\r\n\r\n", want=lambda o: b"\r\n\r\nok" in o)
    assert out.startswith(b"HTTP/1.1 200")
    head = b.requests[0][0].lower()
    assert b": root" not in head, head


@pytest.mark.parametrize("field", [b"Forwarded: for=1.2.3.4;host=evil",
                                   b"X-Forwarded-Port: 1",
                                   b"X-Forwarded-Prefix: /admin",
                                   b"X_Forwarded_Port: 1",
                                   b"X-Forwarded-Server: evil"])
def test_proxy_fields_only_from_trusted(start_fd, raw_backend, field):
    b = raw_backend()
    fd = start_fd({"app": {"path": "/", "backends": b.addr}},
                  main={"trusted_proxies": "127.0.0.2/32"})
    req = b"GET / HTTP/1.1\r\nHost: a.test\r\n" + field + b"\r\n\r\n"
    send_raw(fd.port, req, want=lambda o: b"\r\n\r\nok" in o)
    assert field.lower() not in b.requests[0][0].lower()
    # From a trusted proxy the field is carried on.
    with HttpConn(fd.port, source="127.0.0.2") as c:
        c.send(req)
        c.read_response()
    assert field.lower() in b.requests[1][0].lower()


# -- Tunnels for WebSocket only ----------------------------------------------

def test_upgrade_h2c_is_no_tunnel(start_fd, raw_backend):
    """Upgrade: h2c never reaches the backend; a backend that would switch
    anyway gets no tunnel (its 101 is a 502)."""
    b = raw_backend(lambda h, body: b"HTTP/1.1 101 Switching Protocols\r\n"
                    b"Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
    fd = start_fd({"app": {"path": "/", "backends": b.addr, "websocket": "yes"}})
    out = send_raw(fd.port, b"GET / HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade, "
                   b"HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA"
                   b"\r\n\r\nPRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", timeout=3)
    assert out.startswith(b"HTTP/1.1 502") or out.startswith(b"HTTP/1.1 400"), out
    head = b.requests[0][0].lower() if b.requests else b""
    assert b"upgrade: h2c" not in head and b"http2-settings" not in head


def test_upgrade_websocket_tunnels(start_fd, raw_backend):
    b = raw_backend(lambda h, body: b"HTTP/1.1 101 Switching Protocols\r\n"
                    b"Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
    fd = start_fd({"app": {"path": "/", "backends": b.addr, "websocket": "yes"}})
    out = send_raw(fd.port, b"GET / HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\n"
                   b"Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   b"Sec-WebSocket-Version: 13\r\n\r\n", timeout=2,
                   want=lambda o: b"\r\n\r\n" in o)
    assert out.startswith(b"HTTP/1.1 101"), out
    assert b"upgrade: websocket" in b.requests[0][0].lower()


# -- Host grammar --------------------------------------------------------------

@pytest.mark.parametrize("host", [b"a.test, b.test", b"a.test,b.test", b"a;b",
                                  b"a!b", b"a%2eb", b"(a)"])
def test_host_outside_grammar_400(start_fd, raw_backend, host):
    b = raw_backend()
    fd = start_fd({"app": {"path": "/", "backends": b.addr}})
    out = send_raw(fd.port, b"GET / HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400"), out
    assert b.requests == []


# -- One canonical path, decided once -------------------------------------------

@pytest.fixture
def gated(start_fd, raw_backend, workdir):
    """Route app on / and route admin on /admin behind basic auth, one
    backend for both (what a backend reads as /admin must meet the gate)."""
    hp = workdir / "users"
    hp.write_text(subprocess.run(["htpasswd", "-nbB", "-C", "4", "u", "p"],
                                 capture_output=True, text=True, check=True).stdout)
    b = raw_backend()
    fd = start_fd({
        "app": {"path": "/", "backends": b.addr},
        "admin": {"path": "/admin", "backends": b.addr, "auth_file": str(hp)},
        "api": {"path": "/api", "backends": b.addr, "deny": "127.0.0.0/8"},
    })
    return fd, b


def first_status(fd, target):
    out = send_raw(fd.port, b"GET " + target + b" HTTP/1.1\r\nHost: a.test\r\n\r\n",
                   want=lambda o: b"\r\n\r\n" in o)
    assert out.startswith(b"HTTP/1.1 "), (target, out)
    return int(out[9:12])


@pytest.mark.parametrize("target,want", [
    (b"/admin/x", 401), (b"/%61dmin/x", 401), (b"//admin/x", 401),
    (b"/./admin/x", 401), (b"/x/../admin/x", 401), (b"/%2e/admin/x", 401),
    (b"/x/%2e%2E/admin", 401), (b"/admin/", 401), (b"/admin/a%2Fb", 401),
    (b"/admin/a;b", 401), (b"/admin;a/b;c", 400),
    # Read as /admin/x by some backends and as a segment of / by others:
    # no one reading is safe to gate.
    (b"/admin%2fx", 400), (b"/admin%2Fx", 400), (b"/admin;x/y", 400),
    (b"/admin%5cx", 400),
    (b"/app/..%2Fadmin/x", 400), (b"/app/..%2fadmin", 400),
    (b"/app%2F..%2Fadmin/x", 400), (b"/app/..;/admin/x", 400),
    (b"/x%5c..%5cadmin", 400), (b"/a\\..\\admin", 400),
    (b"/%2e%2e/admin", 400), (b"/.%2e/admin", 400), (b"/..", 400),
    (b"/admin%00", 400), (b"/%zz", 400), (b"/%4", 400), (b"/a#b", 400),
    (b"http://a.test/admin/x", 401), (b"http://a.test//%61dmin", 401),
    (b"/%61pi", 403), (b"//api/x", 403), (b"/api;x", 400), (b"/x/../api", 403),
    (b"/app/..;/api", 400),
])
def test_path_spellings_meet_the_gate(gated, target, want):
    fd, b = gated
    assert first_status(fd, target) == want
    time.sleep(0.05)
    assert b.requests == [], "reached the backend: %r" % b.requests


@pytest.mark.parametrize("target,sent", [
    (b"/%61pp/./x/../y?q=%2e%2F", b"/app/y?q=%2e%2F"),
    (b"//a///b/", b"/a/b/"),
    (b"/a%2fb%7e", b"/a%2Fb~"),
    (b"/a%2Fb/c", b"/a%2Fb/c"),
    (b"/a;v=1/b", b"/a;v=1/b"),
    (b"/caf%c3%a9", b"/caf%C3%A9"),
])
def test_canonical_path_is_forwarded(gated, target, sent):
    fd, b = gated
    assert first_status(fd, target) == 200
    assert b.requests[0][0].split(b" ")[1] == sent


def test_gated_path_with_credentials(gated):
    fd, b = gated
    auth = b"Basic " + base64.b64encode(b"u:p")
    out = send_raw(fd.port, b"GET /%61dmin/x HTTP/1.1\r\nHost: a.test\r\n"
                   b"Authorization: " + auth + b"\r\n\r\n",
                   want=lambda o: b"\r\n\r\nok" in o)
    assert out.startswith(b"HTTP/1.1 200"), out
    head = b.requests[0][0]
    assert head.startswith(b"GET /admin/x HTTP/1.1\r\n")
    assert b"\r\nX-Remote-User: u" in head


@pytest.mark.parametrize("target", [
    b"/public/a%2Fb/../..%2Fadmin", b"/public/a%5Cb/../..%5Cadmin/secret",
    b"/x/a%2fb/%2e%2e/..%2fadmin", b"/admin/x%5cadmin/../..;p../secret",
])
def test_other_readings_judged_on_what_is_sent(gated, target):
    """A dot segment the plain reading removes must not hide a climb that
    another reading of the forwarded path makes."""
    fd, b = gated
    assert first_status(fd, target) in (400, 401)
    time.sleep(0.05)
    assert b.requests == [], "reached the backend: %r" % b.requests


@pytest.mark.parametrize("body,te", [(b"hello", False),
                                     (b"5\r\nhello\r\n0\r\n\r\n", True)])
def test_body_then_half_close_answered(start_fd, raw_backend, body, te):
    b = raw_backend()
    fd = start_fd({"app": {"path": "/", "backends": b.addr}})
    framing = (b"Transfer-Encoding: chunked" if te else
               b"Content-Length: %d" % len(body))
    s = socket.create_connection(("127.0.0.1", fd.port), timeout=10)
    s.sendall(b"POST /p HTTP/1.1\r\nHost: a.test\r\n" + framing + b"\r\n\r\n" + body)
    s.shutdown(socket.SHUT_WR)
    out = read_until(s, None, 5)
    s.close()
    assert out.startswith(b"HTTP/1.1 200"), out
    assert b.requests[0][1] == b"hello"
