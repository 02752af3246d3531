# SPDX-License-Identifier: ISC
"""The response cache under hostile keys (frontdoor.ini(5) cache): http and
https are cached apart (the backend is told the scheme in X-Forwarded-Proto),
a key keeps a bounded number of Vary variants, and a Vary'd header's value
keeps its inner white space."""

import ssl

import pytest

from helpers import HttpConn, free_port, port_accepts, wait_until
from test_cache import route_cache
from test_tls import make_cert

VARIANTS_MAX = 16


def https_get(port, path, host="app.test", headers=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c = HttpConn(port)
    try:
        c.sock = ctx.wrap_socket(c.sock, server_hostname=host)
        c.request("GET", path, headers=headers, host=host)
        return c.read_response()
    finally:
        c.close()


@pytest.fixture
def https_fd(start_fd, backend, workdir):
    """A caching route for any host, over HTTP and HTTPS."""
    make_cert(workdir, "default", "app.test", "DNS:app.test")
    port = free_port()
    fd = start_fd({"app": {"path": "/", "backends": backend.addr, "cache": "1m"}},
                  {"listen_https": "127.0.0.1:%d" % port}, start=False)
    text = fd.config_path.read_text()
    text += "\n[tls]\ncert = %s\nkey = %s\n" % (workdir / "default.crt",
                                              workdir / "default.key")
    fd.write_config(None, text=text)
    fd.start()
    assert wait_until(lambda: port_accepts(port), timeout=5), \
        "nothing listens on listen_https"
    fd.https_port = port
    return fd


@pytest.mark.parametrize("query", ["maxage=60", "maxage=60&status=301"])
def test_http_and_https_cached_apart(https_fd, backend, query):
    url = "/cacheable?" + query
    plain = https_fd.get(url)
    assert plain.header("x-cache") == "MISS"
    secure = https_get(https_fd.https_port, url)
    assert secure.status == plain.status
    assert secure.header("x-cache") == "MISS", \
        "an HTTPS client got the response the backend gave for http"
    assert backend.heads["/cacheable"] == 2
    assert plain.body != secure.body
    # Each scheme has its own copy now.
    again = https_get(https_fd.https_port, url)
    assert (again.header("x-cache"), again.body) == ("HIT", secure.body)
    again = https_fd.get(url)
    assert (again.header("x-cache"), again.body) == ("HIT", plain.body)
    assert backend.heads["/cacheable"] == 2
    assert route_cache(https_fd)["entries"] == 2


@pytest.fixture
def cfd(start_fd, backend):
    return start_fd({"app": {"path": "/", "backends": backend.addr, "cache": "1m"}})


def test_vary_variants_bounded(cfd, backend):
    url = "/cacheable?maxage=60&vary=User-Agent"
    n = VARIANTS_MAX + 8
    for i in range(n):
        r = cfd.get(url, headers={"User-Agent": "agent-%d" % i})
        assert r.header("x-cache") == "MISS"
    assert route_cache(cfd)["entries"] == VARIANTS_MAX, \
        "a key keeps more than %d variants" % VARIANTS_MAX
    # The newest are kept; the oldest made room.
    r = cfd.get(url, headers={"User-Agent": "agent-%d" % (n - 1)})
    assert r.header("x-cache") == "HIT"
    r = cfd.get(url, headers={"User-Agent": "agent-%d" % (n - VARIANTS_MAX)})
    assert r.header("x-cache") == "HIT"
    r = cfd.get(url, headers={"User-Agent": "agent-0"})
    assert r.header("x-cache") == "MISS"
    assert backend.heads["/cacheable"] == n + 1


def test_vary_value_keeps_inner_space(cfd, backend):
    url = "/cacheable?maxage=60&vary=X-A"
    a = cfd.get(url, headers={"X-A": "a b"})
    b = cfd.get(url, headers={"X-A": "ab"})
    assert b.header("x-cache") == "MISS", "X-A: ab was served X-A: a b's variant"
    assert a.body != b.body
    # White space around list commas does not make a new variant.
    c = cfd.get(url, headers={"X-A": "x , y"})
    d = cfd.get(url, headers={"X-A": "x,y"})
    assert (d.header("x-cache"), d.body) == ("HIT", c.body)
    assert backend.heads["/cacheable"] == 3
