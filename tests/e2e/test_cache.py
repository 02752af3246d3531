# SPDX-License-Identifier: ISC
"""The response cache (frontdoor.ini(5) cache): one backend fetch for many
requests (coalesced across workers), the RFC 9111 subset, Vary, Age and
conditional requests, purge, the size bound, reloads, and the counters."""

import gzip
import json
import os
import signal
import subprocess
import threading
import time
import urllib.parse

import pytest

from helpers import REPO, wait_until

FRONTDOOR = os.path.abspath(os.environ.get("FRONTDOOR", str(REPO / "build" / "frontdoor")))


def cli(fd, *args):
    p = subprocess.run([FRONTDOOR, "-s", str(fd.dir / "control.sock"), "--json"] + list(args),
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    return p


def route_cache(fd, name="app"):
    p = cli(fd, "routes")
    assert p.returncode == 0, p.stderr
    for line in p.stdout.splitlines():
        d = json.loads(line)
        if d["name"] == name:
            return d["cache"]
    raise AssertionError("no route %s in %s" % (name, p.stdout))


def routes(backend, **keys):
    r = {"path": "/", "backends": backend.addr, "cache": "1m"}
    r.update(keys)
    return {"app": r}


@pytest.fixture
def cfd(start_fd, backend):
    return start_fd(routes(backend), main={"workers": 2})


def test_fetched_once_for_50_requests(cfd, backend):
    url = "/cacheable?maxage=60&ms=500"
    results = []

    def one():
        results.append(cfd.get(url))
    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for _ in range(30):
        results.append(cfd.get(url))
    assert len(results) == 50
    assert all(r.status == 200 for r in results)
    assert backend.heads["/cacheable"] == 1, \
        "backend fetched %d times for 50 requests" % backend.heads["/cacheable"]
    bodies = {r.body for r in results}
    assert len(bodies) == 1, "different bodies served from one fetch"
    kinds = [r.header("x-cache") for r in results]
    assert kinds.count("MISS") == 1 and kinds.count("HIT") == 49, kinds
    hit = results[-1]
    assert hit.header("age") is not None and int(hit.header("age")) >= 0, "no Age on a hit"
    assert hit.header("content-length") == str(len(hit.body))
    c = route_cache(cfd)
    assert (c["hits"], c["misses"]) == (49, 1), c
    assert c["entries"] == 1 and c["bytes"] == 49 * len(hit.body)


def test_head_and_keepalive_hits(cfd, backend):
    with cfd.conn() as c:
        for i in range(3):
            c.request("GET", "/cacheable?maxage=60")
            r = c.read_response()
            assert r.status == 200
        c.request("HEAD", "/cacheable?maxage=60")
        h = c.read_response(head=True)
        assert h.header("x-cache") == "HIT"
        assert h.header("content-length") == str(len(r.body))
        c.request("GET", "/cacheable?maxage=60")
        assert c.read_response().body == r.body
    assert backend.heads["/cacheable"] == 1


@pytest.mark.parametrize("query,a_headers,why", [
    ("maxage=60&private=1", {}, "private"),
    ("maxage=60&cookie=1", {}, "Set-Cookie"),
    ("maxage=60&nostore=1", {}, "no-store"),
    ("maxage=60", {"Authorization": "Basic YWxpY2U6c2VjcmV0"}, "Authorization"),
    ("maxage=60&vary=*", {}, "Vary: *"),
    ("status=200", {}, "no explicit freshness"),
])
def test_never_served_to_another_client(cfd, backend, query, a_headers, why):
    url = "/cacheable?" + query
    a1 = cfd.get(url, headers=a_headers)
    b = cfd.get(url, headers={"Cookie": "sid=bob"} if why == "Set-Cookie" else {})
    a2 = cfd.get(url, headers=a_headers)
    assert backend.heads["/cacheable"] == 3, \
        "%s response served from the cache (%d fetches)" % (why, backend.heads["/cacheable"])
    assert b"alice" not in b.body, "client B got client A's response (%s)" % why
    assert a1.body != b.body and b.body != a2.body
    assert b.header("x-cache") == "MISS"


def test_request_cookie_does_not_prevent_hits(cfd, backend):
    # RFC 9111: a request's Cookie does not keep a shared cache from a
    # response the origin marked cacheable (cache_ignore_cookies = yes).
    url = "/cacheable?maxage=60"
    a = cfd.get(url)
    b = cfd.get(url, headers={"Cookie": "sid=bob"})
    assert b.header("x-cache") == "HIT", "a Cookie request bypassed the cache"
    assert b.body == a.body and backend.heads["/cacheable"] == 1
    # What the origin keeps to one user is still not stored.
    for q in ("private=1", "nostore=1", "cookie=1"):
        url = "/cacheable?maxage=60&" + q
        for _ in range(2):
            r = cfd.get(url, headers={"Cookie": "sid=bob"})
            assert r.header("x-cache") == "MISS", q
    assert backend.heads["/cacheable"] == 7
    # Authorization still needs public, s-maxage or must-revalidate.
    auth = {"Authorization": "Basic YWxpY2U6c2VjcmV0", "Cookie": "sid=alice"}
    cfd.get("/cacheable?maxage=61")
    assert cfd.get("/cacheable?maxage=61", headers=auth).header("x-cache") == "MISS"
    cfd.get("/cacheable?smaxage=61")
    assert cfd.get("/cacheable?smaxage=61", headers=auth).header("x-cache") == "HIT"


def test_request_cookie_bypasses_when_not_ignored(start_fd, backend):
    fd = start_fd(routes(backend, cache_ignore_cookies="no"))
    url = "/cacheable?maxage=60"
    a1 = fd.get(url, headers={"Cookie": "sid=alice"})
    b = fd.get(url)
    a2 = fd.get(url, headers={"Cookie": "sid=alice"})
    assert backend.heads["/cacheable"] == 3, "a Cookie request used the cache"
    assert b"alice" not in b.body and a1.body != b.body
    assert b.header("x-cache") == "MISS" and a2.header("x-cache") == "MISS"
    url = "/cacheable?maxage=60&public=1"
    fd.get(url)
    assert fd.get(url, headers={"Cookie": "sid=alice"}).header("x-cache") == "HIT"


def http_dates(offset):
    t = time.gmtime(time.time() + offset)
    return {"imf": time.strftime("%a, %d %b %Y %H:%M:%S GMT", t),
            "rfc850": time.strftime("%A, %d-%b-%y %H:%M:%S GMT", t),
            "asctime": time.strftime("%a %b %e %H:%M:%S %Y", t)}


@pytest.mark.parametrize("form", ["imf", "rfc850", "asctime"])
def test_expires_in_each_date_form(cfd, backend, form):
    url = "/cacheable?expires_raw=" + urllib.parse.quote(http_dates(60)[form])
    cfd.get(url)
    assert cfd.get(url).header("x-cache") == "HIT", "Expires in %s form not used" % form
    assert backend.heads["/cacheable"] == 1


@pytest.mark.parametrize("raw", [
    "0", "-1", "garbage", "Thu, 1 Jan 2099 00:00:00 GMT",
    "Thu, 01 Jan 2099 0:00:00 GMT", "Sat, 31 Feb 2099 00:00:00 GMT",
    "Thu,01 Jan 2099 00:00:00 GMT", "Thursday, 01 Jan 2099 00:00:00 GMT",
    "Thu, 01 Jan 2099 00:00:00 gmt", "Thu, 01 Jan 2099 24:00:00 GMT",
])
def test_invalid_expires_is_already_expired(cfd, backend, raw):
    # RFC 9110 5.6.7 and RFC 9111 5.3: only the three HTTP-date forms.
    url = "/cacheable?expires_raw=" + urllib.parse.quote(raw)
    cfd.get(url)
    r = cfd.get(url)
    assert r.header("x-cache") == "MISS" and backend.heads["/cacheable"] == 2, \
        "Expires: %r treated as a date in the future" % raw


@pytest.mark.parametrize("age,fresh", [
    ("age=7200,%200", False),         # a list: the first member counts
    ("age=7200&age2=0", False),       # two lines: the first counts
    ("age=0,%207200", True),
    ("age=abc", True),                # not delta-seconds: ignored
    ("age=10", True),
])
def test_age_first_member(cfd, backend, age, fresh):
    url = "/cacheable?maxage=3600&" + age
    cfd.get(url)
    r = cfd.get(url)
    assert (r.header("x-cache") == "HIT") == fresh, \
        "%s with max-age=3600: %s" % (age, r.header("x-cache"))
    if age == "age=10":
        assert int(r.header("age")) >= 10


def test_restricted_request_may_use_public_response(cfd, backend):
    url = "/cacheable?maxage=60&public=1"
    a = cfd.get(url, headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    b = cfd.get(url)
    assert backend.heads["/cacheable"] == 1 and a.body == b.body
    assert b.header("x-cache") == "HIT"


def test_vary_keeps_backend_encodings_apart(cfd, backend):
    url = "/cacheable?maxage=60&vary=Accept-Encoding&gzip_by_ae=1"
    g1 = cfd.get(url, headers={"Accept-Encoding": "gzip"})
    p1 = cfd.get(url)
    g2 = cfd.get(url, headers={"Accept-Encoding": "gzip"})
    p2 = cfd.get(url)
    assert g1.header("content-encoding") == "gzip" and p1.header("content-encoding") is None
    assert g2.header("x-cache") == "HIT" and p2.header("x-cache") == "HIT"
    assert g2.header("content-encoding") == "gzip", "plain client's copy served as gzip"
    assert p2.header("content-encoding") is None, "gzip copy served to a plain client"
    assert gzip.decompress(g2.body) == gzip.decompress(g1.body)
    assert b"ae=gzip" in gzip.decompress(g2.body) and b"ae=None" in p2.body
    assert p2.body == p1.body
    assert backend.heads["/cacheable"] == 2


def test_vary_accept_encoding_with_our_compression(start_fd, backend):
    fd = start_fd(routes(backend, compress="yes"))
    url = "/cacheable?maxage=60&kb=8&type=text/html"
    z = fd.get(url, headers={"Accept-Encoding": "gzip"})
    plain = fd.get(url)
    z2 = fd.get(url, headers={"Accept-Encoding": "gzip"})
    zs = fd.get(url, headers={"Accept-Encoding": "zstd"})
    assert z.header("x-cache") == "MISS" and plain.header("x-cache") == "HIT"
    assert z.header("content-encoding") == "gzip" and plain.header("content-encoding") is None
    assert z2.header("content-encoding") == "gzip" and zs.header("content-encoding") == "zstd"
    for r in (z, plain, z2, zs):
        assert "accept-encoding" in (r.header("vary") or "").lower()
    assert gzip.decompress(z.body) == plain.body == gzip.decompress(z2.body)
    p = subprocess.run(["zstd", "-d", "-c"], input=zs.body, capture_output=True, timeout=30)
    assert p.stdout == plain.body
    assert backend.heads["/cacheable"] == 1


def test_vary_on_a_request_header(cfd, backend):
    url = "/cacheable?maxage=60&vary=X-Lang"
    de = cfd.get(url, headers={"X-Lang": "de"})
    en = cfd.get(url, headers={"X-Lang": "en"})
    de2 = cfd.get(url, headers={"X-Lang": "de"})
    assert backend.heads["/cacheable"] == 2
    assert de2.body == de.body != en.body


def test_conditional_requests_answered_304(cfd, backend):
    url = "/cacheable?maxage=60&etag=abc&lm=1"
    first = cfd.get(url)
    assert first.status == 200
    r = cfd.get(url, headers={"If-None-Match": '"abc"'})
    assert r.status == 304 and r.header("x-cache") == "HIT", r
    assert r.header("etag") == '"abc"'
    r = cfd.get(url, headers={"If-None-Match": 'W/"zzz", W/"abc"'})
    assert r.status == 304
    r = cfd.get(url, headers={"If-None-Match": '"other"'})
    assert r.status == 200 and r.body == first.body
    r = cfd.get(url, headers={"If-Modified-Since": "Wed, 02 Jan 2030 00:00:00 GMT"})
    assert r.status == 304
    r = cfd.get(url, headers={"If-Modified-Since": "Mon, 31 Dec 2029 00:00:00 GMT"})
    assert r.status == 200
    assert backend.heads["/cacheable"] == 1


def test_statuses_methods_and_expiry(cfd, backend):
    for status in (404, 301):
        for _ in range(2):
            r = cfd.get("/cacheable?maxage=60&status=%d" % status)
            assert r.status == status
        assert r.header("x-cache") == "HIT", "%d not cached" % status
    assert backend.heads["/cacheable"] == 2
    r = cfd.get("/cacheable?maxage=60", method="POST", body=b"x")
    assert r.header("x-cache") == "BYPASS"
    r = cfd.get("/cacheable?maxage=60", headers={"Range": "bytes=0-3"})
    assert r.header("x-cache") == "BYPASS"
    # Date and Expires are whole seconds, so the age at the second request
    # may be up to a second: three seconds of life leave room for it.
    cfd.get("/cacheable?expires=3&chunked=1")
    assert cfd.get("/cacheable?expires=3&chunked=1").header("x-cache") == "HIT"
    time.sleep(3.5)
    assert cfd.get("/cacheable?expires=3&chunked=1").header("x-cache") == "MISS", \
        "stale entry served"
    c = route_cache(cfd)
    assert c["bypass"] == 2 and c["hits"] >= 3


def test_purge(cfd, backend):
    for q in ("a=1", "a=2", "b=1"):
        cfd.get("/cacheable?maxage=60&" + q)
    assert cfd.get("/cacheable?maxage=60&a=1").header("x-cache") == "HIT"
    # The key's path is the target as sent: "/cacheable?maxage=60&a=..."
    p = cli(cfd, "cache", "purge", "app", "/cacheable?maxage=60&a")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"route": "app", "prefix": "/cacheable?maxage=60&a",
                                    "purged": 2}
    assert cfd.get("/cacheable?maxage=60&a=1").header("x-cache") == "MISS"
    assert cfd.get("/cacheable?maxage=60&b=1").header("x-cache") == "HIT"
    p = cli(cfd, "cache", "purge", "app")
    assert json.loads(p.stdout) == {"route": "app", "purged": 2}
    assert cfd.get("/cacheable?maxage=60&b=1").header("x-cache") == "MISS"
    assert cli(cfd, "cache", "purge", "nosuch").returncode == 1


def test_purge_of_route_without_cache_refused(fd):
    p = cli(fd, "cache", "purge", "app")
    assert p.returncode == 1 and "no cache" in p.stderr, p.stderr


def test_never_exceeds_size_under_flood(start_fd, backend):
    fd = start_fd(routes(backend, cache="64k"), main={"workers": 2})
    errors = []

    def flood(start):
        for i in range(start, start + 150):
            r = fd.get("/cacheable?maxage=60&kb=3&i=%d" % i)
            if r.status != 200:
                errors.append(r.status)
    threads = [threading.Thread(target=flood, args=(k * 1000,)) for k in range(3)]
    for t in threads:
        t.start()
    peak = 0
    while any(t.is_alive() for t in threads):
        c = route_cache(fd)
        peak = max(peak, c["size"])
        assert c["size"] <= c["max"] == 64 * 1024, c
        time.sleep(0.05)
    for t in threads:
        t.join()
    assert not errors
    c = route_cache(fd)
    assert c["size"] <= 64 * 1024 and 5 <= c["entries"] < 30, c
    # The first ones were evicted; the cache still works.
    assert fd.get("/cacheable?maxage=60&kb=3&i=0").header("x-cache") == "MISS"
    assert fd.get("/cacheable?maxage=60&kb=3&i=0").header("x-cache") == "HIT"


def test_too_large_response_not_stored(start_fd, backend):
    fd = start_fd(routes(backend, cache="64k"))
    for _ in range(2):
        r = fd.get("/cacheable?maxage=60&kb=20")
        assert len(r.body) > 20 * 1024
    assert backend.heads["/cacheable"] == 2, "an entry above 1/8 of the cache was kept"
    assert route_cache(fd)["entries"] == 0


def test_reload_empties_changed_route_only(start_fd, make_backend):
    b1, b2 = make_backend("one"), make_backend("two")
    conf = {"app": {"path": "/", "backends": b1.addr, "cache": "1m"},
            "other": {"host": "other.test", "path": "/", "backends": b2.addr,
                      "cache": "1m"}}
    fd = start_fd(conf)
    for host in ("app.test", "other.test"):
        fd.get("/cacheable?maxage=60", host=host)
        assert fd.get("/cacheable?maxage=60", host=host).header("x-cache") == "HIT"
    conf["app"]["backend_timeout"] = "30s"   # app changes, other does not
    fd.reload(conf)
    assert fd.wait_stderr(r"reloaded .*generation 2")
    time.sleep(0.3)
    assert fd.get("/cacheable?maxage=60", host="app.test").header("x-cache") == "MISS", \
        "changed route kept its cache over a reload"
    assert fd.get("/cacheable?maxage=60", host="other.test").header("x-cache") == "HIT", \
        "unchanged route lost its cache"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_unsafe_method_invalidates_target(cfd, backend, method):
    # RFC 9111 4.4: a 2xx or 3xx to an unsafe method drops the target.
    url = "/cacheable?maxage=60"
    cfd.get(url)
    assert cfd.get(url).header("x-cache") == "HIT"
    r = cfd.get(url, method=method, body=b"x")
    assert r.status == 200 and backend.heads["/cacheable"] == 2
    r = cfd.get(url)
    assert r.header("x-cache") == "MISS", "%s left the stored response" % method
    assert backend.heads["/cacheable"] == 3


def test_unsafe_method_invalidates_location(cfd, backend):
    def stored(target):
        cfd.get(target)
        assert cfd.get(target).header("x-cache") == "HIT"

    def post(q):
        return cfd.get("/cacheable?" + q, method="POST", body=b"x")

    a, b, c = ("/cacheable?maxage=60&k=%s" % k for k in "abc")
    for t in (a, b, c):
        stored(t)
    post("loc=" + urllib.parse.quote(a))
    post("cloc=" + urllib.parse.quote("http://APP.test" + b))
    post("loc=" + urllib.parse.quote("http://other.test" + c))   # not our host
    post("status=500&loc=" + urllib.parse.quote(c))               # an error
    assert cfd.get(a).header("x-cache") == "MISS", "Location kept"
    assert cfd.get(b).header("x-cache") == "MISS", "Content-Location kept"
    assert cfd.get(c).header("x-cache") == "HIT", \
        "another host's Location or a 500 invalidated"


def test_stale_entry_revalidated_with_304(cfd, backend):
    # RFC 9111 4.3: a stale entry with validators is asked for again with
    # them; the 304 renews its header fields and freshness (4.3.4).
    url = "/cacheable?maxage=1&etag=v1&xv=1&r304=1&r304_maxage=60"
    first = cfd.get(url)
    assert first.header("x-version") == "1"
    time.sleep(2.2)   # max-age=1, and Date is whole seconds
    r = cfd.get(url)
    assert backend.heads["/cacheable"] == 2
    assert backend.log[-1].header("if-none-match") == '"v1"', \
        "stale entry not revalidated with its ETag"
    assert r.status == 200 and r.body == first.body, "stored body not served after 304"
    assert r.header("x-version") == "2", "the 304's fields did not replace the stored ones"
    assert "max-age=60" in r.header("cache-control")
    assert int(r.header("content-length")) == len(first.body)
    again = cfd.get(url)
    assert again.header("x-cache") == "HIT" and backend.heads["/cacheable"] == 2, \
        "the renewed freshness was not kept"
    assert again.header("x-version") == "2" and again.body == first.body


def test_revalidation_and_client_conditionals(cfd, backend):
    urls = {k: "/cacheable?maxage=1&etag=v1&r304=1&r304_maxage=60&k=" + k
            for k in ("match", "other", "ims")}
    urls["ims"] = "/cacheable?maxage=1&lm=1&r304=1&r304_maxage=60"
    urls["full"] = "/cacheable?maxage=1&etag=v1&xv=1&k=full"
    first = {k: cfd.get(u) for k, u in urls.items()}
    time.sleep(2.2)
    # The client's own matching condition: it gets a 304 itself.
    r = cfd.get(urls["match"], headers={"If-None-Match": '"v1"'})
    assert r.status == 304 and r.body == b""
    # Another condition is the client's, not ours: the backend sees ours.
    r = cfd.get(urls["other"], headers={"If-None-Match": '"nope"'})
    assert backend.log[-1].header_all("if-none-match") == ['"v1"'], \
        "the client's condition went to the backend in place of ours"
    assert r.status == 200 and r.body == first["other"].body
    # Last-Modified only: If-Modified-Since.
    r = cfd.get(urls["ims"])
    assert backend.log[-1].header("if-modified-since") == "Tue, 01 Jan 2030 00:00:00 GMT"
    assert r.status == 200 and r.body == first["ims"].body
    # A 200 to the revalidation replaces the entry.
    r = cfd.get(urls["full"])
    assert backend.log[-1].header("if-none-match") == '"v1"'
    assert r.header("x-version") == "8" and r.body != first["full"].body
    assert cfd.get(urls["full"]).body == r.body
    assert backend.heads["/cacheable"] == 8
    for k in ("match", "other", "ims"):
        assert cfd.get(urls[k]).header("x-cache") == "HIT", k
    assert backend.heads["/cacheable"] == 8


def test_revalidation_304_with_too_many_fields(cfd, backend):
    # A merged head past the field bound (128, as for any response head)
    # is not stored: the stored response answers as it was, and the daemon
    # carries on.  The 304 itself has 128 fields, the most a backend's head
    # may have; with the stored Content-Type the merge would have 129.
    url = "/cacheable?maxage=1&etag=v1&xv=1&r304=1&r304_maxage=60&r304_many=124"
    first = cfd.get(url)
    time.sleep(2.2)
    r = cfd.get(url)
    assert backend.heads["/cacheable"] == 2
    assert r.status == 200 and r.body == first.body
    assert r.header("x-version") == first.header("x-version")
    assert r.header("x-junk-1") is None
    r = cfd.get(url)
    assert r.status == 200 and r.body == first.body and backend.heads["/cacheable"] == 3
