# SPDX-License-Identifier: ISC
"""frontdoor.ini(5) redirect and redirect_code: a route answered with a
redirect, without a backend (a moved app, www. to the bare name)."""

import json
import os
import subprocess

import pytest

from helpers import FRONTDOORD, Frontdoor, render_ini

FRONTDOOR = os.path.join(os.path.dirname(FRONTDOORD), "frontdoor")


def routes(backend, **redirect):
    moved = {"host": "old.test"}
    moved.update(redirect)
    return {"moved": moved, "app": {"path": "/", "backends": backend.addr}}


def test_redirect_keeps_path_and_query(start_fd, backend):
    fd = start_fd(routes(backend, redirect="https://new.example.com"))
    r = fd.get("/a/b?x=1&y=2", host="old.test")
    assert r.status == 308, "a redirect route answered %s" % r.status
    assert r.header("location") == "https://new.example.com/a/b?x=1&y=2", \
        "a target without a path keeps the request's: %r" % r.header("location")
    assert r.header("x-request-id"), "the redirect has no X-Request-Id"
    assert int(r.header("content-length")) == len(r.body)
    # The path is the canonical one every rule sees.
    r = fd.get("/a/./c/../d", host="old.test")
    assert r.header("location") == "https://new.example.com/a/d", r.header("location")
    # Other hosts still reach the backend.
    assert fd.get("/echo").status == 200


def test_redirect_of_a_long_path_is_whole(start_fd, backend):
    fd = start_fd(routes(backend, redirect="https://new.example.com"))
    path = "/" + "a" * 7000
    with fd.conn() as c:
        c.request("GET", path, host="old.test")
        r = c.read_response()
        assert r.status == 308 and r.header("location") == "https://new.example.com" + path, \
            "the Location was cut: %d bytes" % len(r.header("location") or "")
        assert r.header("x-request-id"), "the fields after a long Location are lost"
        c.request("GET", "/echo")
        assert c.read_response().status == 200


def test_redirect_strip_path_drops_the_routes_path(start_fd, backend):
    fd = start_fd(routes(backend, path="/old", strip_path="yes",
                         redirect="https://new.example.com"))
    for got, want in (("/old/x/y?q=1", "/x/y?q=1"), ("/old", "/"), ("/old?q=1", "/?q=1")):
        r = fd.get(got, host="old.test")
        assert r.status == 308 and r.header("location") == "https://new.example.com" + want, \
            "%s with strip_path: %r" % (got, r.header("location"))
    assert b"moved" in fd.get("/old/z", host="old.test").body, "the page says nothing"


def test_check_takes_ipv6_and_ports(workdir):
    for target in ("https://[::1]:8443", "http://new.example.com:8080/x", "https://[fd00::1]"):
        p, path, marks = check(workdir, ["redirect = " + target])
        assert p.returncode == 0, "%s refused:\n%s" % (target, p.stderr)


def test_redirect_with_a_path_is_the_whole_location(start_fd, backend):
    fd = start_fd(routes(backend, redirect="http://new.example.com:8080/moved/",
                         redirect_code="301"))
    r = fd.get("/deep/page?q=1", host="old.test")
    assert r.status == 301 and r.reason == "Moved Permanently", \
        "redirect_code = 301 answered %s %s" % (r.status, r.reason)
    assert r.header("location") == "http://new.example.com:8080/moved/", \
        "a target with a path replaces the request's: %r" % r.header("location")


@pytest.mark.parametrize("code", ["302", "303", "307"])
def test_redirect_codes(start_fd, backend, code):
    fd = start_fd(routes(backend, redirect="https://new.example.com", redirect_code=code))
    assert fd.get("/", host="old.test").status == int(code)


def test_redirect_keeps_the_connection_and_closes_after_a_body(start_fd, backend):
    fd = start_fd(routes(backend, redirect="https://new.example.com"))
    with fd.conn() as c:
        for i in range(3):
            c.request("GET", "/p%d" % i, host="old.test")
            r = c.read_response()
            assert r.status == 308 and r.header("location").endswith("/p%d" % i)
            assert r.header("connection") != "close", "a bodiless request's redirect closed"
    with fd.conn() as c:
        c.request("POST", "/form", host="old.test", body=b"a=1")
        r = c.read_response()
        assert r.status == 308 and r.header("connection") == "close", \
            "a redirect with the request body unread must close: %r" % r
        assert c.closed_by_peer(5)


def test_redirect_to_head_has_no_body(start_fd, backend):
    fd = start_fd(routes(backend, redirect="https://new.example.com"))
    with fd.conn() as c:
        c.request("HEAD", "/x", host="old.test")
        r = c.read_response(head=True)
        assert r.status == 308 and r.header("location") == "https://new.example.com/x"
        c.request("GET", "/echo")
        assert c.read_response().status == 200, "the next response on the connection is not clean"


def test_the_gate_comes_before_the_redirect(start_fd, backend):
    fd = start_fd(routes(backend, redirect="https://new.example.com", deny="127.0.0.0/8"))
    r = fd.get("/", host="old.test")
    assert r.status == 403, "a denied client was redirected (%s)" % r.status
    assert r.header("location") is None


def test_a_redirect_route_in_the_control_commands(start_fd, backend):
    fd = start_fd(routes(backend, redirect="https://new.example.com"))
    fd.get("/", host="old.test")
    sock = str(fd.dir / "control.sock")
    p = subprocess.run([FRONTDOOR, "-s", sock, "--json", "routes"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, "routes with a redirect route: %d %s" % (p.returncode, p.stderr)
    rows = [json.loads(l) for l in p.stdout.splitlines()]
    moved = [r for r in rows if r.get("name") == "moved"]
    assert moved and moved[0]["requests"] >= 1, "the redirect route's requests: %r" % rows
    for cmd in (["routes"], ["backends"], ["status"]):
        p = subprocess.run([FRONTDOOR, "-s", sock] + cmd,
                           capture_output=True, text=True, timeout=20)
        assert p.returncode == 0, "%s with a redirect route: %d %s" % (cmd, p.returncode, p.stderr)
    assert "moved" in subprocess.run([FRONTDOOR, "-s", sock, "routes"], capture_output=True,
                                     text=True, timeout=20).stdout


def check(workdir, route_lines):
    fd = Frontdoor(workdir, {"app": {"path": "/", "backends": "127.0.0.1:9"}})
    lines = render_ini(fd.sections({"app": {"path": "/", "backends": "127.0.0.1:9"}})).splitlines()
    lines.append("[route moved]")
    lines.append("host = old.test")
    marks = {}
    for text in route_lines:
        lines.append(text)
        marks[text] = len(lines)
    fd.write_config({}, text="\n".join(lines) + "\n")
    p = subprocess.run([FRONTDOORD, "-t", "-c", str(fd.config_path)], capture_output=True,
                       text=True, timeout=20)
    return p, fd.config_path, marks


def test_check_takes_a_redirect_route_without_backends(workdir):
    p, path, marks = check(workdir, ["redirect = https://new.example.com"])
    assert p.returncode == 0, "a redirect route without backends refused:\n%s" % p.stderr


@pytest.mark.parametrize("bad", [
    "redirect = ftp://new.example.com",
    "redirect = https://",
    "redirect = https://new example.com",
    "redirect = https://new.example.com/a b",
    "redirect = /relative",
    "redirect = https://new.example.com/a\x7f",
    "redirect = https://new.example.com:0",
    "redirect = https://new.example.com:99999/x",
    "redirect = https://[::1]:70000",
    "redirect_code = 300",
    "redirect_code = 200",
])
def test_check_bad_redirect_names_file_and_line(workdir, bad):
    lines = [bad] if bad.startswith("redirect =") else ["redirect = https://new.example.com", bad]
    p, path, marks = check(workdir, lines)
    assert p.returncode == 1, "-t accepted %r" % bad
    key = bad.split(" ")[0]
    want = "%s:%d:" % (path, marks[bad])
    assert any(l.startswith(want) and key in l for l in p.stderr.splitlines()), \
        "%r not reported at its line:\n%s" % (bad, p.stderr)


def test_check_redirect_and_backends_exclusive(workdir):
    p, path, marks = check(workdir, ["backends = 127.0.0.1:9", "redirect = https://new.example.com"])
    assert p.returncode == 1, "a route with backends and a redirect accepted"
    want = "%s:%d:" % (path, marks["redirect = https://new.example.com"])
    assert any(l.startswith(want) for l in p.stderr.splitlines()), p.stderr
    p, path, marks = check(workdir, ["redirect_code = 301"])
    assert p.returncode == 1, "redirect_code without redirect accepted"
    assert any(l.startswith("%s:%d:" % (path, marks["redirect_code = 301"]))
               for l in p.stderr.splitlines()), p.stderr
