# SPDX-License-Identifier: ISC
"""frontdoord(8): strict parsing and every error status: 400 404 408 413 414 431 502
503 504 505, error pages, timeouts and max_connections."""

import re
import socket
import time

import pytest

from helpers import wait_until

GOOD = b"GET /echo HTTP/1.1\r\nHost: app.test\r\n\r\n"

# name -> raw request that must be refused with 400 before reaching the backend
MALFORMED_HEAD = {
    "cl_and_te": b"POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "te_and_cl": b"POST /echo HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n"
                 b"Content-Length: 5\r\n\r\n0\r\n\r\n",
    "differing_cl": b"POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n"
                    b"Content-Length: 6\r\n\r\nhello!",
    "differing_cl_list": b"POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5, 6\r\n\r\nhello!",
    "te_last_not_chunked": b"POST /echo HTTP/1.1\r\nHost: app.test\r\n"
                           b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
    "te_only_gzip": b"POST /echo HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: gzip\r\n\r\n",
    "obs_fold": b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX-A: one\r\n  two\r\n\r\n",
    "obs_fold_tab": b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX-A: one\r\n\ttwo\r\n\r\n",
    "space_before_colon": b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX-A : one\r\n\r\n",
    "tab_before_colon": b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX-A\t: one\r\n\r\n",
    "ctl_in_value": b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX-A: o\x01ne\r\n\r\n",
    "nul_in_value": b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX-A: o\x00ne\r\n\r\n",
    "del_in_value": b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX-A: o\x7fne\r\n\r\n",
    "ctl_in_name": b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX\x02A: one\r\n\r\n",
    "bare_cr_in_value": b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX-A: one\rtwo\r\n\r\n",
    "bare_cr_line_end": b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX-A: one\r\rX-B: two\r\n\r\n",
    "header_without_colon": b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX-A one\r\n\r\n",
    "empty_header_name": b"GET /echo HTTP/1.1\r\nHost: app.test\r\n: one\r\n\r\n",
    "cl_not_a_number": b"POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: abc\r\n\r\n",
    "cl_negative": b"POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: -5\r\n\r\nhello",
    "cl_plus_sign": b"POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: +5\r\n\r\nhello",
    "missing_host": b"GET /echo HTTP/1.1\r\nX-A: one\r\n\r\n",
    "duplicate_host": b"GET /echo HTTP/1.1\r\nHost: app.test\r\nHost: other.test\r\n\r\n",
}
# body framing errors: the head is fine, so a streaming proxy may already
# have sent it on; the backend must never receive a complete request
MALFORMED_BODY = {
    "bad_chunk_size": b"POST /echo HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n"
                      b"\r\nzz\r\nhello\r\n0\r\n\r\n",
    "negative_chunk_size": b"POST /echo HTTP/1.1\r\nHost: app.test\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
    "overflowing_chunk_size": b"POST /echo HTTP/1.1\r\nHost: app.test\r\n"
                              b"Transfer-Encoding: chunked\r\n\r\n"
                              b"10000000000000000000005\r\nhello\r\n0\r\n\r\n",
    "chunk_size_2_64_plus": b"POST /echo HTTP/1.1\r\nHost: app.test\r\n"
                            b"Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nhello\r\n0\r\n\r\n",
}


def check_error_page(r, what):
    """An error response carries its status and its request id."""
    rid = r.header("x-request-id")
    body = r.body.decode(errors="replace")
    assert rid, "%s: %d response lacks X-Request-Id" % (what, r.status)
    assert str(r.status) in body and ("Request ID: %s" % rid) in body, \
        "%s: %d error page lacks the status or 'Request ID: %s': %r" % (what, r.status, rid, body)


def expect_status_and_close(c, status, what):
    r = c.read_response()
    assert r.status == status, "%s: expected %d, got %d %s" % (what, status, r.status, r.reason)
    check_error_page(r, what)
    assert c.closed_by_peer(5), "%s: connection not closed after %d" % (what, status)
    return r


@pytest.mark.parametrize("pipelined", [False, True], ids=["alone", "pipelined"])
@pytest.mark.parametrize("case", sorted(MALFORMED_HEAD))
def test_malformed_head_is_400(fd, backend, case, pipelined):
    data = MALFORMED_HEAD[case] + (GOOD if pipelined else b"")
    with fd.conn() as c:
        c.send(data)
        expect_status_and_close(c, 400, case)
    time.sleep(0.2)
    assert backend.total_heads == 0, "%s: the backend saw a request (%r)" % (case, dict(backend.heads))


@pytest.mark.parametrize("pipelined", [False, True], ids=["alone", "pipelined"])
@pytest.mark.parametrize("case", sorted(MALFORMED_BODY))
def test_malformed_chunked_body_is_400(fd, backend, case, pipelined):
    data = MALFORMED_BODY[case] + (GOOD if pipelined else b"")
    with fd.conn() as c:
        c.send(data)
        expect_status_and_close(c, 400, case)
    time.sleep(0.3)
    assert backend.total_completes == 0, "%s: a complete request reached the backend" % case
    assert backend.notes["bad_chunk_from_proxy"] == 0, \
        "%s: the proxy forwarded the malformed chunk to the backend" % case
    assert backend.heads["/echo"] <= 1, "%s: the pipelined request reached the backend" % case


def test_htab_in_value_is_fine(fd, backend):
    with fd.conn() as c:
        c.send(b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX-A: one\ttwo\r\n\r\n")
        r = c.read_response()
    assert r.status == 200, "HTAB in a header value must be accepted, got %s" % r.status


def test_identical_duplicate_content_length_not_forwarded_twice(fd, backend):
    with fd.conn() as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n"
               b"Content-Length: 5\r\n\r\nhello")
        r = c.read_response()
    # Folded to one (frontdoord(8), framing): the backend sees one field.
    assert r.status == 200, "identical duplicate Content-Length: %s" % r.status
    cls = [v for k, v in r.json()["headers"] if k.lower() == "content-length"]
    assert cls == ["5"], "backend got Content-Length %r" % cls


# -- error pages ------------------------------------------------------------------

@pytest.mark.parametrize("accept,ctype", [
    (None, "text/html"), ("text/html,application/xhtml+xml", "text/html"), ("*/*", "text/html"),
    ("text/*", "text/html"), ("application/json", "text/plain"), ("text/plain", "text/plain"),
])
def test_error_page_format(start_fd, backend, accept, ctype):
    fd = start_fd({"only": {"host": "only.test", "backends": backend.addr}})
    r = fd.get("/nothing", host="other.test", headers={"Accept": accept} if accept else None)
    assert r.status == 404
    assert (r.header("content-type") or "").startswith(ctype), \
        "Accept %r: error page Content-Type %r, expected %s" % (accept, r.header("content-type"), ctype)
    rid = r.header("x-request-id")
    assert rid, "error response lacks an X-Request-Id header"
    body = r.body.decode(errors="replace")
    assert "404 Not Found" in body, "error page does not carry '404 Not Found': %r" % body
    assert "Request ID: %s" % rid in body, "error page does not carry 'Request ID: %s': %r" % (rid, body)
    if ctype == "text/plain":
        assert "<" not in body, "plain-text error page contains markup"


# -- limits -----------------------------------------------------------------------

def test_uri_too_long_414(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}}, main={"max_uri_size": "1k"})
    with fd.conn() as c:
        c.send(b"GET /echo?" + b"a" * 2000 + b" HTTP/1.1\r\nHost: app.test\r\n\r\n")
        expect_status_and_close(c, 414, "2000-byte URI with max_uri_size=1k")
    assert backend.total_heads == 0
    assert fd.get("/echo?" + "a" * 900).status == 200, "URI under max_uri_size refused"


def test_header_too_large_431(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}}, main={"max_header_size": "4k", "max_uri_size": "2k"})
    with fd.conn() as c:
        c.send(b"GET /echo HTTP/1.1\r\nHost: app.test\r\nX-Big: " + b"b" * 8000 + b"\r\n\r\n")
        expect_status_and_close(c, 431, "8 kB header with max_header_size=4k")
    assert backend.total_heads == 0
    assert fd.get("/echo", headers={"X-Small": "s" * 2000}).status == 200


def test_too_many_headers_431(fd, backend):
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(101))
    with fd.conn() as c:
        c.send(b"GET /echo HTTP/1.1\r\nHost: app.test\r\n" + many + b"\r\n")
        expect_status_and_close(c, 431, "102 header lines")
    assert backend.total_heads == 0
    few = [("X-H%d" % i, "v") for i in range(90)]
    assert fd.get("/echo", headers=few).status == 200, "91 headers refused"


def test_body_too_large_content_length_413(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr, "max_body_size": "1k"}})
    with fd.conn() as c:
        # no body sent: the answer must come from the head alone
        c.send(b"POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: 2000\r\n\r\n")
        r = c.read_response()
        assert r.status == 413, "Content-Length over max_body_size: got %s" % r.status
        check_error_page(r, "413 by Content-Length")
    assert backend.total_heads == 0, "413 must be decided before contacting the backend"
    assert fd.get("/echo", method="POST", body=b"x" * 1000).status == 200, \
        "body under max_body_size refused"


def test_body_too_large_with_expect_gets_no_100(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr, "max_body_size": "1k"}})
    with fd.conn() as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: 2000\r\n"
               b"Expect: 100-continue\r\n\r\n")
        r = c.read_response(skip_1xx=False)
        assert r.status == 413, "over-limit body with Expect: 100-continue: first answer %s, "\
            "expected 413 without a 100" % r.status
    assert backend.total_heads == 0


def test_body_too_large_chunked_413(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr, "max_body_size": "1k"}})
    with fd.conn() as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(4):
            c.send(b"200\r\n" + b"x" * 512 + b"\r\n")
        c.send(b"0\r\n\r\n")
        expect_status_and_close(c, 413, "2 kB chunked body over max_body_size=1k")
    time.sleep(0.2)
    assert backend.total_completes == 0, "over-limit chunked body reached the backend complete"


def test_refused_body_answer_reaches_a_client_still_sending(start_fd, backend):
    """frontdoord(8), lingering close: a client still sending a body that was
    refused reads the 413, rather than a reset that destroys it."""
    fd = start_fd({"app": {"backends": backend.addr, "max_body_size": "1k"}})
    with fd.conn() as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: 1000000\r\n\r\n"
               + b"x" * 4096)
        time.sleep(0.3)  # the 413 is out and the daemon is done with the connection
        try:
            for _ in range(3):  # a reset, if one comes, fails the sends after it
                c.send(b"x" * 65536)
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError) as e:
            pytest.fail("the connection was reset while the client still sent its body: %s" % e)
        r = c.read_response()
        assert r.status == 413
        c.sock.settimeout(5)
        assert c.sock.recv(100) == b"", "the daemon's side is not shut after the 413"


def test_lingering_close_is_bounded(start_fd, backend):
    """frontdoord(8): a closing connection drops what comes for 5 seconds at
    most; a client that keeps sending is then closed."""
    fd = start_fd({"app": {"backends": backend.addr, "max_body_size": "1k"}})
    with fd.conn() as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: 1000000\r\n\r\n"
               + b"x" * 4096)
        assert c.read_response().status == 413
        start = time.monotonic()
        closed = False
        while time.monotonic() - start < 12 and not closed:
            try:
                c.send(b"x" * 1024)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
            time.sleep(0.1)
        took = time.monotonic() - start
        assert closed, "a client that keeps sending is never closed"
        assert took > 3, "closed after %.1f s, before the client had time to read" % took


def test_header_timeout_408(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}}, main={"header_timeout": "1s"})
    with fd.conn() as c:
        c.send(b"GET /echo HTTP/1.1\r\nHost: app.test\r\n")
        c.sock.settimeout(10)
        r = c.read_response()
        assert r.status == 408, "partial head past header_timeout: got %s" % r.status
        assert c.closed_by_peer(5), "connection not closed after 408"
    assert backend.total_heads == 0


def test_header_timeout_silent_close_when_nothing_sent(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}}, main={"header_timeout": "1s"})
    with fd.conn() as c:
        assert c.closed_by_peer(10), "a connection that sent nothing was not closed "\
            "after header_timeout (or got bytes)"


def test_idle_timeout_closes_keepalive(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}},
                  main={"idle_timeout": "1s", "header_timeout": "30s"})
    with fd.conn() as c:
        c.send(GOOD)
        assert c.read_response().status == 200
        t0 = time.monotonic()
        assert c.closed_by_peer(10), "idle keep-alive connection not closed after idle_timeout=1s"
        assert time.monotonic() - t0 >= 0.5, "idle connection closed too early"


def test_max_connections(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}}, main={"max_connections": 3})

    def open_working():
        # The fixture's readiness probe is a connection too, and the daemon
        # may not have seen it close yet: retry a little (bounded).
        for _ in range(50):
            c = fd.conn()
            try:
                c.send(GOOD)
                if c.read_response().status == 200:
                    return c
            except Exception:
                pass
            c.close()
            time.sleep(0.1)
        raise AssertionError("could not hold 3 connections under max_connections=3")
    held = []
    try:
        for _ in range(3):
            held.append(open_working())
        extra = fd.conn()
        try:
            try:
                extra.send(GOOD)
            except OSError:
                pass
            try:
                assert extra.closed_by_peer(5), "connection over max_connections=3 not closed"
            except OSError:
                pass
        finally:
            extra.close()
        for c in held:  # the held connections still work
            c.send(GOOD)
            assert c.read_response().status == 200, "held connection broken by the extra one"
    finally:
        for c in held:
            c.close()

    def fresh_ok():
        try:
            return fd.get("/echo").status == 200
        except (OSError, Exception):
            return False
    assert wait_until(fresh_ok, 10, 0.2), "no new connection accepted after others closed"


# -- backend failures -------------------------------------------------------------

def test_backend_refused_502(start_fd):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = "127.0.0.1:%d" % s.getsockname()[1]
    s.close()  # nothing listens there now
    fd = start_fd({"app": {"backends": dead}})
    r = fd.get("/echo")
    assert r.status == 502, "refused backend: expected 502, got %s" % r.status


@pytest.mark.parametrize("path", ["/reset", "/garbage", "/close"])
def test_backend_failure_502(fd, backend, path):
    r = fd.get(path)
    assert r.status == 502, "backend %s: expected 502, got %s" % (path, r.status)
    assert fd.get("/echo").status == 200, "proxy unusable after a %s backend" % path


def test_backend_timeout_504(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr, "backend_timeout": "1s"}})
    t0 = time.monotonic()
    r = fd.get("/slow?ms=6000", timeout=20)
    assert r.status == 504, "backend slower than backend_timeout=1s: expected 504, got %s" % r.status
    assert time.monotonic() - t0 < 5.5, "504 came only after the backend answered"


def test_backend_connect_timeout_504(start_fd):
    """A listener whose accept queue is full drops SYNs: connect hangs."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(0)
    fillers = []
    try:
        for _ in range(4):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(ls.getsockname())
            fillers.append(f)
        time.sleep(0.2)
        probe = socket.socket()
        probe.settimeout(0.5)
        try:
            probe.connect(ls.getsockname())
            pytest.skip("kernel accepted a connection on a full backlog; cannot simulate")
        except OSError:
            pass
        finally:
            probe.close()
        fd = start_fd({"app": {"backends": "127.0.0.1:%d" % ls.getsockname()[1],
                               "connect_timeout": "1s"}})
        r = fd.get("/echo", timeout=20)
        assert r.status == 504, "connect_timeout: expected 504, got %s" % r.status
    finally:
        for f in fillers:
            f.close()
        ls.close()


@pytest.mark.parametrize("version", [b"HTTP/2.0", b"HTTP/3.0"])
def test_bad_version_505(fd, backend, version):
    with fd.conn() as c:
        c.send(b"GET /echo " + version + b"\r\nHost: app.test\r\n\r\n")
        expect_status_and_close(c, 505, version.decode())
    assert backend.total_heads == 0


def test_route_disabled_503(start_fd, backend):
    fd = start_fd({"off": {"path": "/off", "backends": backend.addr, "enabled": False},
                   "on": {"path": "/", "backends": backend.addr}})
    r = fd.get("/off/x")
    assert r.status == 503, "enabled = no: expected 503, got %s" % r.status
    assert "Request ID:" in r.body.decode(errors="replace")
    assert backend.total_heads == 0, "a disabled route reached its backend"
    assert fd.get("/x").status == 200


def test_error_statuses_carry_request_id(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr, "backend_timeout": "1s"}})
    for path, status in (("/garbage", 502), ("/slow?ms=4000", 504)):
        r = fd.get(path, headers={"Accept": "text/plain"}, timeout=20)
        assert r.status == status
        rid = r.header("x-request-id")
        assert rid and ("Request ID: %s" % rid) in r.body.decode(errors="replace"), \
            "%d page lacks its request id: %r" % (status, r.body)
        assert re.search(r"\b%d\b" % status, r.body.decode(errors="replace"))
