# SPDX-License-Identifier: ISC
"""frontdoor.ini(5) route selection: exact host > wildcard > any host, then the longest
path prefix on segment boundaries; fall-through; 404; strip_path."""

import pytest


def which(fd, path, host):
    r = fd.get(path, host=host)
    if r.status != 200:
        return r.status
    return r.json()["backend"]


@pytest.fixture
def hosts(start_fd, make_backend):
    exact, wild, anyh = make_backend("exact"), make_backend("wild"), make_backend("any")
    return start_fd({
        "any": {"path": "/", "backends": anyh.addr},
        "wild": {"host": "*.example.com", "path": "/", "backends": wild.addr},
        "exact": {"host": "app.example.com", "path": "/", "backends": exact.addr},
    })


@pytest.mark.parametrize("host,want", [
    ("app.example.com", "exact"),
    ("foo.example.com", "wild"),
    ("a.b.example.com", "wild"),
    ("example.com", "any"),          # *.example.com does not match the bare name
    ("other.org", "any"),
    ("xapp.example.com", "wild"),
])
def test_host_precedence(hosts, host, want):
    got = which(hosts, "/echo", host)
    assert got == want, "Host %s went to %r, expected route %r" % (host, got, want)


@pytest.mark.parametrize("host", [
    "APP.Example.COM", "app.example.com:8080", "app.example.com.", "App.Example.Com.:81",
])
def test_host_case_port_trailing_dot(hosts, host):
    got = which(hosts, "/echo", host)
    assert got == "exact", "Host %r should match route host app.example.com (case, port "\
        "and trailing dot ignored), went to %r" % (host, got)


@pytest.fixture
def prefixes(start_fd, make_backend):
    root, api, v2 = make_backend("root"), make_backend("api"), make_backend("v2")
    return start_fd({
        "root": {"path": "/", "backends": root.addr},
        "v2": {"path": "/api/v2", "backends": v2.addr},
        "api": {"path": "/api", "backends": api.addr},
    })


@pytest.mark.parametrize("path,want", [
    ("/api", "api"), ("/api/", "api"), ("/api/x", "api"), ("/api?q=1", "api"),
    ("/api/v2", "v2"), ("/api/v2/users", "v2"), ("/api/v20", "api"),
    ("/apix", "root"), ("/ap", "root"), ("/", "root"), ("/other/api", "root"),
])
def test_longest_prefix_on_segment_boundary(prefixes, path, want):
    got = which(prefixes, path, "h.test")
    assert got == want, "%s went to %r, expected route %r" % (path, got, want)


def test_fall_through_to_any_host(start_fd, make_backend):
    anyh, api = make_backend("any"), make_backend("api")
    fd = start_fd({
        "any": {"path": "/", "backends": anyh.addr},
        "hostapi": {"host": "h.example.com", "path": "/api", "backends": api.addr},
    })
    assert which(fd, "/api/x", "h.example.com") == "api"
    got = which(fd, "/other", "h.example.com")
    assert got == "any", "/other on a host whose only route is /api must fall through "\
        "to the any-host / route, got %r" % got


def test_exact_host_beats_longer_any_host_path(start_fd, make_backend):
    host, anyh = make_backend("host"), make_backend("any")
    fd = start_fd({
        "anyapi": {"path": "/api", "backends": anyh.addr},
        "host": {"host": "h.example.com", "path": "/", "backends": host.addr},
    })
    got = which(fd, "/api/x", "h.example.com")
    assert got == "host", "host match must beat a longer any-host path, got %r" % got
    assert which(fd, "/api/x", "other.test") == "any"


def test_no_route_is_404(start_fd, backend):
    fd = start_fd({"only": {"host": "only.test", "path": "/app", "backends": backend.addr}})
    for host, path in (("other.test", "/app"), ("only.test", "/"), ("only.test", "/apps")):
        r = fd.get(path, host=host)
        assert r.status == 404, "Host %s %s matches no route: expected 404, got %s" % (
            host, path, r.status)
    assert backend.total_heads == 0, "a request with no route reached a backend"


@pytest.mark.parametrize("path,want", [
    ("/api/x", "/x"), ("/api/x/y?q=1", "/x/y?q=1"), ("/api", "/"), ("/api/", "/"),
    ("/api?q=1", "/?q=1"),
])
def test_strip_path(start_fd, backend, path, want):
    fd = start_fd({"api": {"path": "/api", "strip_path": True, "backends": backend.addr}})
    r = fd.get(path)
    assert r.status == 200, "strip_path route answered %s" % r.status
    got = r.json()["target"]
    assert got == want, "strip_path: %s reached the backend as %r, expected %r" % (path, got, want)


def test_no_strip_path_keeps_target(start_fd, backend):
    fd = start_fd({"api": {"path": "/api", "backends": backend.addr}})
    got = fd.get("/api/x?q=1").json()["target"]
    assert got == "/api/x?q=1", "strip_path = no changed the target to %r" % got
