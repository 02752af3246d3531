# SPDX-License-Identifier: ISC
"""frontdoor's response cache side by side with nginx's proxy_cache, both in
front of the same test backend: the same requests for each RFC 9111
behaviour (frontdoor.ini(5), cache), pass or fail per behaviour per proxy,
a printed table, and frontdoor must pass every behaviour nginx passes.

nginx (/usr/sbin/nginx, package nginx-light) runs in the test's directory
with its own prefix, in the foreground, on an ephemeral port, with
proxy_cache_path there and no proxy_cache_valid (so it follows the
response's headers), proxy_cache_revalidate on; it is stopped by its PID.
Whether a request was answered from the cache is read from the backend's
own log of the targets it was asked for (not from X-Cache), so the two
proxies are judged alike."""

import os
import shutil
import signal
import subprocess
import time
import urllib.parse

import pytest

from helpers import HttpConn, free_port, port_accepts, wait_until
from testbackend import pattern

NGINX = "/usr/sbin/nginx"

NGINX_CONF = """
daemon off;
master_process on;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    proxy_cache_path {dir}/cache levels=1:2 keys_zone=c:1m max_size=16m
                     inactive=10m use_temp_path=off;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{backend};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_cache c;
            proxy_cache_key $scheme$host$request_uri;
            proxy_cache_revalidate on;
            proxy_cache_lock on;
            add_header X-Cache $upstream_cache_status always;
        }}
    }}
}}
"""


class Proxy:
    """A name, a port, and the backend's count of targets it was asked."""

    def __init__(self, name, port, backend):
        self.name, self.port, self.backend = name, port, backend

    def get(self, target, headers=None, method="GET", body=b""):
        with HttpConn(self.port) as c:
            c.request(method, target, headers=headers, host="app.test", body=body)
            return c.read_response(head=(method == "HEAD"))

    def get_raw(self, target):
        """(status, every byte after the head, read until the close)."""
        with HttpConn(self.port) as c:
            c.request("GET", target, host="app.test", headers={"Connection": "close"})
            head = c.read_head()
            return head.status, c.read_to_close(timeout=5)

    def asked(self, target):
        """The backend's requests for target so far."""
        with self.backend.lock:
            return [r for r in self.backend.log if r.target == target]


@pytest.fixture
def nginx(workdir, backend):
    assert os.path.exists(NGINX), \
        "no %s: nginx-light is a check dependency (scripts/deps.sh check)" % NGINX
    d = workdir / "nginx"
    d.mkdir()
    port = free_port()
    (d / "nginx.conf").write_text(NGINX_CONF.format(dir=d, port=port, backend=backend.addr))
    p = subprocess.Popen([NGINX, "-p", str(d), "-c", str(d / "nginx.conf")],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=open(d / "stderr", "w"))
    try:
        assert wait_until(lambda: port_accepts(port), 10), \
            "nginx did not start: " + (d / "stderr").read_text() + \
            ((d / "error.log").read_text() if (d / "error.log").exists() else "")
        yield Proxy("nginx", port, backend)
    finally:
        # The master's PID (ours, and in its pid file): a graceful stop.
        p.send_signal(signal.SIGQUIT)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)
        shutil.rmtree(d / "cache", ignore_errors=True)


# Why a check failed, per (check token), printed under the table.
NOTES = {}


def q(s):
    return urllib.parse.quote(s, safe="")


# Each check is a generator over one proxy: it may yield once to ask for the
# stored responses to go stale (one shared sleep for all), then returns
# whether the proxy behaved as RFC 9111 says.  t: a token unique to the
# proxy and check, so the backend's log tells the proxies' requests apart.

def c_maxage_hit(p, t):
    u = "/cacheable?maxage=60&t=" + t
    a, b = p.get(u), p.get(u)
    return len(p.asked(u)) == 1 and a.body == b.body
    yield


def not_stored(query):
    def check(p, t):
        u = "/cacheable?%s&t=%s" % (query, t)
        p.get(u)
        p.get(u)
        return len(p.asked(u)) == 2
        yield
    return check


def c_vary(p, t):
    u = "/cacheable?maxage=60&vary=X-Lang&t=" + t
    de = p.get(u, headers={"X-Lang": "de"})
    en = p.get(u, headers={"X-Lang": "en"})
    de2 = p.get(u, headers={"X-Lang": "de"})
    return len(p.asked(u)) == 2 and de2.body == de.body != en.body
    yield


def c_smaxage(p, t):
    # s-maxage wins over max-age in a shared cache (RFC 9111 5.2.2.10).
    u = "/cacheable?maxage=0&smaxage=60&t=" + t
    p.get(u)
    p.get(u)
    return len(p.asked(u)) == 1
    yield


def c_expires_valid(p, t):
    ok = True
    now = time.time() + 60
    for form in ("%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                 "%a %b %e %H:%M:%S %Y"):
        u = "/cacheable?expires_raw=%s&t=%s" % (q(time.strftime(form, time.gmtime(now))), t)
        p.get(u)
        p.get(u)
        ok = ok and len(p.asked(u)) == 1
    return ok
    yield


def c_expires_invalid(p, t):
    ok = True
    for raw in ("0", "-1", "garbage", "Thu, 1 Jan 2099 00:00:00 GMT",
                "Sat, 31 Feb 2099 00:00:00 GMT", "Thu, 01 Jan 2099 24:00:00 GMT"):
        u = "/cacheable?expires_raw=%s&t=%s" % (q(raw), t)
        p.get(u)
        p.get(u)
        ok = ok and len(p.asked(u)) == 2
    return ok
    yield


def c_age_list(p, t):
    # Age: 7200, 0 -- the first member counts (RFC 9111 5.1): stale.
    u = "/cacheable?maxage=3600&age=%s&t=%s" % (q("7200, 0"), t)
    p.get(u)
    p.get(u)
    return len(p.asked(u)) == 2
    yield


def c_revalidate(p, t):
    u = "/cacheable?maxage=1&etag=v1&xv=1&r304=1&r304_maxage=60&t=" + t
    first = p.get(u)
    yield   # stale now
    r = p.get(u)
    asked = p.asked(u)
    ok = (len(asked) == 2 and asked[1].header("if-none-match") == '"v1"' and
          r.status == 200 and r.body == first.body and
          r.header("x-version") not in (None, first.header("x-version")))
    again = p.get(u)
    NOTES[t] = ("asked %d times; If-None-Match %r; status %d; stored body %s; "
                "X-Version %s then %s" % (
                    len(p.asked(u)), asked[1].header("if-none-match") if len(asked) > 1 else None,
                    r.status, "served" if r.body == first.body else "not served",
                    first.header("x-version"), r.header("x-version")))
    return ok and len(p.asked(u)) == 2 and again.body == first.body


def c_post_invalidates(p, t):
    u = "/cacheable?maxage=60&t=" + t
    p.get(u)
    p.get(u)
    p.get(u, method="POST", body=b"x")
    p.get(u)
    return len(p.asked(u)) == 3
    yield


def c_cookie_request(p, t):
    u = "/cacheable?maxage=60&t=" + t
    p.get(u)
    r = p.get(u, headers={"Cookie": "sid=bob"})
    return len(p.asked(u)) == 1 and r.status == 200
    yield


def c_authorization(p, t):
    # RFC 9111 3.5: not shared with a request with Authorization unless
    # public, s-maxage or must-revalidate says so.
    auth = {"Authorization": "Basic YWxpY2U6c2VjcmV0"}
    u = "/cacheable?maxage=60&t=" + t
    p.get(u, headers=auth)
    b = p.get(u)
    v = "/cacheable?maxage=60&public=1&t=" + t
    p.get(v, headers=auth)
    p.get(v)
    return len(p.asked(u)) == 2 and b"alice" not in b.body and len(p.asked(v)) == 1
    yield


def c_close_delimited_coding(p, t):
    # RFC 9112 6.3: codings without chunked: the body ends at close, and is
    # read and passed on, not answered 502.  (frontdoor also does not store
    # it, test_apps.py; nginx does, which this row does not judge.)
    u = "/tecoded?n=500&t=" + t
    a = p.get_raw(u)
    b = p.get_raw(u)
    NOTES[t] = "statuses %d, %d; bodies %d, %d bytes; backend asked %d times" % (
        a[0], b[0], len(a[1]), len(b[1]), len(p.asked(u)))
    return a[0] == b[0] == 200 and pattern(500) in a[1] and pattern(500) in b[1]
    yield


# (behaviour, check, required: frontdoor must pass it whatever nginx does)
CHECKS = [
    ("max-age hit", c_maxage_hit, False),
    ("no-store not stored", not_stored("maxage=60&nostore=1"), False),
    ("private not stored", not_stored("maxage=60&private=1"), False),
    ("Set-Cookie not stored", not_stored("maxage=60&cookie=1"), False),
    ("Vary keeps variants apart", c_vary, False),
    ("s-maxage over max-age", c_smaxage, False),
    ("Authorization not shared", c_authorization, False),
    ("Expires valid (3 forms)", c_expires_valid, False),
    ("Expires invalid = expired", c_expires_invalid, True),
    ("Age list: first member", c_age_list, True),
    ("revalidation 304 refresh", c_revalidate, True),
    ("POST invalidates", c_post_invalidates, True),
    ("Cookie request hits", c_cookie_request, True),
    ("unknown coding read to close", c_close_delimited_coding, True),
]


def test_compare_with_nginx(start_fd, backend, nginx):
    fd = start_fd({"app": {"path": "/", "backends": backend.addr, "cache": "1m"}})
    proxies = [Proxy("frontdoor", fd.port, backend), nginx]
    results = {}
    pending = []
    tokens = {}
    for i, (name, check, _) in enumerate(CHECKS):
        for p in proxies:
            tokens[(name, p.name)] = "%s-%d" % (p.name, i)
            g = check(p, tokens[(name, p.name)])
            try:
                next(g)
                pending.append((name, p, g))
            except StopIteration as e:
                results[(name, p.name)] = bool(e.value)
    if pending:
        time.sleep(2.2)   # max-age=1; Date is whole seconds
        for name, p, g in pending:
            try:
                next(g)
                raise AssertionError("check %s yielded twice" % name)
            except StopIteration as e:
                results[(name, p.name)] = bool(e.value)
    w = max(len(n) for n, _, _ in CHECKS)
    lines = ["%-*s | %-9s | %s" % (w, "behaviour", "frontdoor", "nginx"),
             "%s-+-%s-+-%s" % ("-" * w, "-" * 9, "-" * 5)]
    for name, _, _ in CHECKS:
        lines.append("%-*s | %-9s | %s" % (
            w, name, "pass" if results[(name, "frontdoor")] else "FAIL",
            "pass" if results[(name, "nginx")] else "FAIL"))
    score = {p.name: sum(results[(n, p.name)] for n, _, _ in CHECKS) for p in proxies}
    lines.append("%-*s | %-9s | %s" % (w, "passed", score["frontdoor"], score["nginx"]))
    for (name, pname), tok in tokens.items():
        if not results[(name, pname)] and tok in NOTES:
            lines.append("%s, %s: %s" % (pname, name, NOTES[tok]))
    table = "\n".join(lines)
    print("\n" + table)
    (fd.dir / "cache-compare.txt").write_text(table + "\n")
    for name, _, required in CHECKS:
        if required:
            assert results[(name, "frontdoor")], "frontdoor fails %r\n%s" % (name, table)
    assert score["frontdoor"] >= score["nginx"], table
