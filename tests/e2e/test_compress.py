# SPDX-License-Identifier: ISC
"""Compression (frontdoor.ini(5) compress): gzip and zstd toward clients that
ask, byte-exact after decoding with curl, gzip and the zstd CLI; every
exclusion; flushes that let SSE and dripping responses through one by one."""

import gzip
import subprocess
import time
import zlib

import pytest

from helpers import curl
from testbackend import text_body


@pytest.fixture
def zfd(start_fd, backend):
    """A compressing any-host route for / to the main backend."""
    return start_fd({"app": {"path": "/", "backends": backend.addr,
                             "compress": "yes"}})


def headers_of(dump):
    """curl -D output -> {lower-case name: value} of the last response."""
    out = {}
    for line in dump.decode("latin-1").split("\r\n"):
        if line.startswith("HTTP/"):
            out = {}
        elif ":" in line:
            k, v = line.split(":", 1)
            out[k.strip().lower()] = v.strip()
    return out


def curl_get(fd, path, *args, workdir):
    hdr = workdir / "headers.txt"
    p = curl("-D", str(hdr), *args, fd.url(path))
    assert p.returncode == 0, "curl failed: %s" % p.stderr
    return headers_of(hdr.read_bytes()), p.stdout


def test_curl_compressed_gets_gzip_byte_exact(zfd, workdir):
    h, body = curl_get(zfd, "/text?kb=64&etag=v1", "--compressed", "-H",
                       "Accept-Encoding: gzip", workdir=workdir)
    assert h.get("content-encoding") == "gzip", "no gzip: %r" % h
    assert body == text_body(64 * 1024), "gzip body differs after curl decoded it"
    assert "content-length" not in h, "Content-Length kept on a compressed body"
    assert h.get("transfer-encoding") == "chunked"
    assert "accept-encoding" in h.get("vary", "").lower(), "no Vary: Accept-Encoding"
    assert h.get("etag") == 'W/"v1"', "strong ETag not made weak: %r" % h.get("etag")


def test_gzip_raw_bytes_decode_with_gzip(zfd):
    r = zfd.get("/text?kb=100", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") == "gzip"
    assert len(r.body) < 100 * 1024 // 4, "gzip output is hardly smaller (%d)" % len(r.body)
    assert gzip.decompress(r.body) == text_body(100 * 1024)


def test_zstd_when_asked_and_preferred(zfd, workdir):
    # curl --compressed offers deflate, gzip, br and zstd at q=1: zstd wins.
    h, body = curl_get(zfd, "/text?kb=64", "--compressed", workdir=workdir)
    assert h.get("content-encoding") == "zstd", "equal q-values must prefer zstd: %r" % h
    assert body == text_body(64 * 1024)
    r = zfd.get("/text?kb=80&chunked=1", headers={"Accept-Encoding": "zstd"})
    assert r.header("content-encoding") == "zstd"
    p = subprocess.run(["zstd", "-d", "-c"], input=r.body, capture_output=True,
                       timeout=30)
    assert p.returncode == 0, "zstd CLI cannot decode: %s" % p.stderr
    assert p.stdout == text_body(80 * 1024), "zstd body differs after zstd -d"


@pytest.mark.parametrize("ae,want", [
    ("gzip;q=0.5, zstd;q=0.4", "gzip"),
    ("gzip;q=1, zstd;q=1", "zstd"),
    ("zstd;q=0, *", "gzip"),
    ("*;q=0.3", "zstd"),
    ("br", None),
    ("gzip;q=0", None),
    ("identity", None),
])
def test_accept_encoding_q_values(zfd, ae, want):
    r = zfd.get("/text?kb=4", headers={"Accept-Encoding": ae})
    assert r.header("content-encoding") == want, "Accept-Encoding %r" % ae
    assert "accept-encoding" in (r.header("vary") or "").lower()
    if want == "gzip":
        assert gzip.decompress(r.body) == text_body(4096)
    elif want is None:
        assert r.body == text_body(4096)


@pytest.mark.parametrize("path,method,headers,why", [
    ("/text?kb=8", "GET", {}, "client did not ask"),
    ("/text?kb=8&ce=br", "GET", {"Accept-Encoding": "gzip"}, "already coded"),
    ("/text?kb=8&type=image/png", "GET", {"Accept-Encoding": "gzip"}, "not a text type"),
    ("/text?kb=8&type=text/event-stream", "GET", {"Accept-Encoding": "gzip"}, "event stream"),
    ("/text?kb=8&status=206", "GET", {"Accept-Encoding": "gzip"}, "206"),
    ("/text?kb=8", "GET", {"Accept-Encoding": "gzip", "Range": "bytes=0-99"}, "Range"),
    ("/text?kb=0.1", "GET", {"Accept-Encoding": "gzip"}, "under compress_min_size"),
    ("/text?kb=8", "HEAD", {"Accept-Encoding": "gzip"}, "HEAD"),
    ("/status/204", "GET", {"Accept-Encoding": "gzip"}, "204"),
    ("/cond304", "GET", {"Accept-Encoding": "gzip"}, "304"),
    ("/text?kb=8&cc=no-transform", "GET", {"Accept-Encoding": "gzip"}, "no-transform"),
    ("/text?kb=8&cc=max-age=60,%20No-Transform", "GET", {"Accept-Encoding": "gzip, zstd"},
     "no-transform in a list"),
])
def test_exclusions(zfd, path, method, headers, why):
    r = zfd.get(path, headers=headers, method=method)
    assert r.header("content-encoding") in (None, "br"), \
        "compressed although %s: %r" % (why, r)
    if path.startswith("/text") and method == "GET":
        n = int(float(path.split("kb=")[1].split("&")[0]) * 1024)
        assert r.body == text_body(n), "body changed although %s" % why
        if "Range" not in headers and "ce=" not in path:
            assert r.header("content-length") == str(n), "Content-Length dropped (%s)" % why
    if method == "HEAD":
        assert r.header("content-length") == "8192", "HEAD lost its Content-Length"


def test_route_without_compress_never_compresses(fd):
    r = fd.get("/text?kb=8", headers={"Accept-Encoding": "gzip, zstd"})
    assert r.header("content-encoding") is None
    assert r.header("vary") is None
    assert r.body == text_body(8192)


def test_http10_client_gets_close_delimited(zfd):
    with zfd.conn() as c:
        c.send(b"GET /text?kb=20&chunked=1 HTTP/1.0\r\nHost: app.test\r\n"
               b"Accept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n")
        r = c.read_head()
        assert r.header("content-encoding") == "gzip"
        assert r.header("transfer-encoding") is None, "chunked sent to HTTP/1.0"
        assert r.header("content-length") is None
        body = c.read_to_close(timeout=10)
    assert gzip.decompress(body) == text_body(20 * 1024)


def test_close_delimited_backend_compressed(zfd):
    r = zfd.get("/text?kb=30&nolen=1", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") == "gzip"
    assert gzip.decompress(r.body) == text_body(30 * 1024)


def test_keepalive_after_compressed_responses(zfd, backend):
    with zfd.conn() as c:
        for i, ae in enumerate(["gzip", "zstd", "gzip", ""]):
            c.request("GET", "/text?kb=%d&chunked=%d" % (10 + i, i % 2),
                      headers={"Accept-Encoding": ae} if ae else {})
            r = c.read_response()
            assert r.status == 200
            want = text_body((10 + i) * 1024)
            if ae == "gzip":
                assert gzip.decompress(r.body) == want
            elif ae == "zstd":
                p = subprocess.run(["zstd", "-d", "-c"], input=r.body,
                                   capture_output=True, timeout=30)
                assert p.stdout == want
            else:
                assert r.body == want
    assert backend.connections == 1, "backend connection not reused"


def test_sse_events_arrive_one_by_one(zfd):
    with zfd.conn() as c:
        c.request("GET", "/sse?n=3&ms=700", headers={"Accept-Encoding": "gzip"})
        r = c.read_head()
        assert r.status == 200
        assert r.header("content-encoding") is None, "event stream compressed"
        t0 = time.monotonic()
        seen = []
        while len(seen) < 3:
            size = int(c._until(b"\r\n").split(b";")[0], 16)
            assert size > 0, "stream ended after %d events" % len(seen)
            seen.append((time.monotonic() - t0, c._exact(size)))
            c._exact(2)
    assert [d for _, d in seen] == [b"data: event %d\n\n" % i for i in range(3)]
    assert seen[0][0] < 0.5, "first event held back %.2fs" % seen[0][0]
    assert seen[1][0] > 0.4 and seen[2][0] > 1.0, "events not spread out: %r" % seen


def read_chunks_for(c, seconds):
    """Chunk data that arrives within seconds (the stream stays open)."""
    import socket
    out = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        c.sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            c._fill()
        except socket.timeout:
            break
    c.sock.settimeout(c.timeout)
    # Take the complete chunks in the buffer.
    while True:
        i = c.buf.find(b"\r\n")
        if i < 0:
            break
        size = int(c.buf[:i].split(b";")[0], 16)
        if size == 0 or len(c.buf) < i + 2 + size + 2:
            break
        out += c.buf[i + 2:i + 2 + size]
        c.buf = c.buf[i + 2 + size + 2:]
    return out


def decode_prefix(enc, data):
    if enc == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    # The zstd CLI writes what it decoded, then complains of the cut frame.
    return subprocess.run(["zstd", "-d", "-c"], input=data, capture_output=True,
                          timeout=30).stdout


@pytest.mark.parametrize("enc", ["gzip", "zstd"])
def test_compressed_stream_flushes_each_piece(zfd, enc):
    """A slow chunked text response: each piece must be decodable as soon
    as it arrives (a flush per step), not only when the body ends."""
    with zfd.conn() as c:
        c.request("GET", "/text?kb=1&drip=800&pieces=3&type=text/plain",
                  headers={"Accept-Encoding": enc})
        r = c.read_head()
        assert r.header("content-encoding") == enc
        first = read_chunks_for(c, 0.5)
        text = decode_prefix(enc, first)
        assert b"piece 0: " in text, "piece 0 not decodable before piece 1 was sent"
        assert b"piece 1" not in text
        body = first
        while True:
            size = int(c._until(b"\r\n").split(b";")[0], 16)
            if size == 0:
                c._until(b"\r\n")
                break
            body += c._exact(size)
            c._exact(2)
    full = decode_prefix(enc, body)
    want = b"".join(b"piece %d: " % i + text_body(1024) for i in range(3))
    assert full == want, "stream differs after decoding"


def test_compress_types_and_min_size_keys(start_fd, backend):
    fd = start_fd({"app": {"path": "/", "backends": backend.addr, "compress": "yes",
                           "compress_types": "application/x-thing, text/*",
                           "compress_min_size": "10k"}})
    r = fd.get("/text?kb=12&type=application/x-thing", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") == "gzip"
    r = fd.get("/text?kb=12&type=text/whatever", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") == "gzip", "text/* did not match"
    r = fd.get("/text?kb=12&type=application/json", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") is None, "type outside compress_types compressed"
    r = fd.get("/text?kb=9&type=text/html", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") is None, "body under compress_min_size compressed"
    r = fd.get("/text?kb=12&type=text/event-stream", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") is None, "event stream compressed via text/*"


def test_bad_compress_values_name_file_and_line(start_fd, backend, workdir):
    fd = start_fd({"app": {"path": "/", "backends": backend.addr, "compress": "maybe",
                           "compress_types": "html", "compress_min_size": "lots",
                           "cache": "1k"}}, start=False)
    p = subprocess.run([__import__("helpers").FRONTDOORD, "-t", "-c", str(fd.config_path)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    for key in ("compress:", "compress_types:", "compress_min_size:", "cache:"):
        assert any(key in l and str(fd.config_path) + ":" in l for l in p.stderr.splitlines()), \
            "no FILE:LINE error for %s in:\n%s" % (key, p.stderr)
