# SPDX-License-Identifier: ISC
"""frontdoord(8): frontdoor's own answers (error and maintenance pages) are framed
like any response: their fields in a fixed order, the connection kept as a proxied
response keeps it, no body after a HEAD."""

import json

from helpers import HttpConn
from test_control import Ctl


def only_route(start_fd, backend, **extra):
    route = {"host": "only.test", "backends": backend.addr}
    route.update(extra)
    return start_fd({"only": route})


def field_names(r):
    return [k.lower() for k, _ in r.headers]


def test_error_page_fields_in_order(start_fd, backend):
    fd = only_route(start_fd, backend)
    with HttpConn(fd.port) as c:
        c.request("GET", "/x", host="other.test", headers={"Accept": "text/plain"})
        r = c.read_response()
        assert r.status == 404, r
        assert field_names(r) == ["content-type", "content-length", "cache-control",
                                  "x-request-id"], \
            "a kept-alive 404's head: %r" % r.raw_head
        assert r.header("content-type") == "text/plain; charset=utf-8"
        assert r.header("cache-control") == "no-store"
        assert int(r.header("content-length")) == len(r.body)
        assert r.body == ("404 Not Found\nNo site is configured for this address.\n"
                          "Request ID: %s\n" % r.header("x-request-id")).encode(), r.body
        c.request("GET", "/x", host="other.test", headers={"Connection": "close"})
        r = c.read_response()
        assert r.status == 404, r
        assert field_names(r) == ["content-type", "content-length", "cache-control",
                                  "x-request-id", "connection"], \
            "a 404 that closes: %r" % r.raw_head
        assert r.header("connection") == "close"
        assert c.closed_by_peer(5), "the connection stayed after Connection: close"


def test_disabled_route_503_fields_in_order(start_fd, backend):
    fd = start_fd({"off": {"backends": backend.addr, "enabled": False}})
    r = fd.get("/x", headers={"Connection": "close"})
    assert r.status == 503, r
    assert field_names(r) == ["content-type", "content-length", "cache-control",
                              "x-request-id", "retry-after", "connection"], \
        "a 503's head: %r" % r.raw_head
    assert r.header("retry-after") == "10"
    assert "Request ID: %s" % r.header("x-request-id") in r.body.decode()
    assert backend.total_heads == 0


def test_maintenance_page_is_the_body(start_fd, backend, workdir):
    page = workdir / "maint.html"
    page.write_bytes(b"<h1>Back soon</h1>\n")
    fd = start_fd({"app": {"backends": backend.addr, "maintenance_page": str(page)}})
    ctl = Ctl(fd.dir / "control.sock")
    ctl.cmd("maintenance on app")
    with HttpConn(fd.port) as c:
        for _ in range(2):
            c.request("GET", "/x")
            r = c.read_response()
            assert r.status == 503, r
            assert field_names(r) == ["content-type", "content-length", "cache-control",
                                      "x-request-id", "retry-after"], \
                "a maintenance page's head: %r" % r.raw_head
            assert r.header("content-type") == "text/html; charset=utf-8"
            assert r.body == b"<h1>Back soon</h1>\n", r.body
    ctl.cmd("maintenance off app")
    assert fd.get("/x").status == 200


def test_http10_keepalive_error_page(start_fd, backend):
    fd = only_route(start_fd, backend)
    with HttpConn(fd.port) as c:
        c.request("GET", "/x", host="other.test", version="HTTP/1.0",
                  headers={"Connection": "keep-alive", "Accept": "text/plain"})
        r = c.read_response()
        assert r.status == 404, r
        assert r.header("connection") == "keep-alive", \
            "an HTTP/1.0 client that asked to keep its connection: %r" % r.raw_head
        assert field_names(r)[-1] == "connection", r.raw_head
        assert "Request ID: %s" % r.header("x-request-id") in r.body.decode()
        c.request("GET", "/echo", host="only.test", version="HTTP/1.0",
                  headers={"Connection": "keep-alive"})
        r = c.read_response()
        assert r.status == 200, "the second request on the kept connection: %r" % r
        assert json.loads(r.body)["target"] == "/echo"


def test_http10_error_page_closes(start_fd, backend):
    fd = only_route(start_fd, backend)
    with HttpConn(fd.port) as c:
        c.request("GET", "/x", host="other.test", version="HTTP/1.0")
        r = c.read_response()
        assert r.status == 404, r
        assert r.header("connection") == "close", r.raw_head
        assert c.closed_by_peer(5), "an HTTP/1.0 connection without keep-alive stayed"


def test_head_error_page_has_no_body(start_fd, backend):
    fd = only_route(start_fd, backend)
    with HttpConn(fd.port) as c:
        c.request("HEAD", "/x", host="other.test", headers={"Accept": "text/plain"})
        r = c.read_response(head=True)
        assert r.status == 404, r
        # The length a GET would get: the page's.
        assert int(r.header("content-length")) > 0, r.raw_head
        assert not r.has("connection"), r.raw_head
        c.request("GET", "/x", host="other.test", headers={"Accept": "text/plain"})
        r2 = c.read_response()
        assert r2.status == 404, "the GET after the HEAD: %r" % r2
        assert int(r.header("content-length")) == len(r2.body)
        c.request("GET", "/echo", host="only.test")
        r3 = c.read_response()
        assert r3.status == 200, "the request after them: %r" % r3
        assert json.loads(r3.body)["target"] == "/echo"
