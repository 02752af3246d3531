# SPDX-License-Identifier: ISC
"""A scriptable HTTP/1.1 backend for frontdoor's end-to-end tests.

Threaded, raw sockets, keep-alive, bounded (connections, head size, idle
time).  Listens on 127.0.0.1 only.  Used in-process by tests/e2e (import
TestBackend) or standalone:  /usr/bin/python3 testbackend.py --port 9000

Paths (the query string scripts the behaviour):
  /echo              200, JSON describing the request as received (method,
                     target, version, headers as a list, body length and
                     sha256, whether it came chunked, this connection's id and
                     request number, the total connection count)
                     ?die_next=1: the NEXT request on this connection is read
                     and the connection closed with no response (stale pool)
                     ?close=1: answer with Connection: close and close
                     ?h=Name:Value (repeatable): add that response header
  /status/NNN        status NNN (no body for 1xx/204/304)
  /bytes?n=N         N pattern bytes (see pattern()); &chunked=1: chunked
  /big?mb=N          N MiB of zeros, streamed with Content-Length
  /slow?ms=N         wait N ms before the response head (then echo JSON)
  /drip?chunks=N&ms=M&size=S  chunked body, one S-byte chunk every M ms
                     (&first_ms=F: the first chunk after F ms instead)
  /close             read the head, close without a response
  /reset             read the head, reset the connection (SO_LINGER 0)
  /garbage           answer with bytes that are not HTTP, then close
  /nolength?n=N      200 with no Content-Length, not chunked: close-delimited
  /tecoded?n=N       200 with Transfer-Encoding: x-custom (a coding no proxy
                     knows) and max-age=60, N pattern bytes, then close
  /continue          on Expect: 100-continue send 100 itself, then read body
  /stall?ms=N        wait N ms before reading the request body (back-pressure)
  /ws                WebSocket handshake, then echo every data frame
  /hopbyhop          a response carrying hop-by-hop headers
  /multi             two Set-Cookie headers and a 6000-byte header value
  /cond304           304 with Content-Length: 1234 and no body
  /headbody          HEAD answered with Content-Length: 1000 and no body
  /text?kb=N         N KiB of compressible text (text_body()); &type= the
                     Content-Type (text/html), &ce= a Content-Encoding to
                     claim, &etag= an ETag ("v" quoted), &chunked=1, &nolen=1
                     (close-delimited), &status=206 (with Content-Range),
                     &drip=MS with &pieces=N: chunked, one piece every MS
  /sse?n=N&ms=M      text/event-stream, one event ("data: i") every M ms
  /cacheable         a response for the cache tests; the body names the
                     request's n (per path), Authorization, Cookie and
                     Accept-Encoding.  &maxage= &smaxage= &expires=SECONDS
                     &public=1 &private=1 &nostore=1 &cookie=1 (Set-Cookie)
                     &vary=NAME &gzip_by_ae=1 (gzip the body when asked)
                     &etag=X &lm=1 (Last-Modified) &status=404|301 &kb=N
                     &ms=N (wait first) &chunked=1 &type=
                     &expires_raw=V (Expires: V as given) &age=V (Age: V)
                     &age2=V (a second Age line) &xv=1 (X-Version: n)
                     &r304=1: a request whose If-None-Match names the etag,
                     or any If-Modified-Since with &lm=1, gets 304 with
                     Cache-Control: max-age=(&r304_maxage=, else &maxage=),
                     ETag, Date and X-Version: n, no body (&r304_many=N:
                     and N more X-Junk-i fields)
                     &loc=U &cloc=U (Location, Content-Location: U)
                     Any method; a request body is read and ignored.
Every request head is counted per path (heads), and requests whose body was
read completely are counted as complete; tests use them to prove that a
request did or did not reach the backend.
"""

import base64
import collections
import hashlib
import json
import socket
import struct
import threading
import time
import urllib.parse

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEAD = 64 * 1024
REASONS = {
    100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created",
    204: "No Content", 301: "Moved Permanently", 302: "Found",
    304: "Not Modified", 400: "Bad Request", 404: "Not Found",
    426: "Upgrade Required", 500: "Internal Server Error",
    503: "Service Unavailable",
}


def pattern(n, offset=0):
    """Deterministic test bytes: byte i is (i % 251)."""
    base = bytes(range(251))
    start = offset % 251
    reps = (start + n) // 251 + 1
    return (base * reps)[start:start + n]


class ClientGone(Exception):
    pass


class BadInput(Exception):
    pass


class Reader:
    """Buffered reads from a socket with bounds."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        try:
            data = self.sock.recv(65536)
        except (ConnectionError, OSError):
            data = b""
        if not data:
            raise ClientGone()
        self.buf += data

    def until(self, sep, limit):
        while True:
            i = self.buf.find(sep)
            if i >= 0:
                out, self.buf = self.buf[:i + len(sep)], self.buf[i + len(sep):]
                return out
            if len(self.buf) > limit:
                raise BadInput("line/head too long")
            self._fill()

    def exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def chunks(self, n):
        """Yield n bytes in pieces without holding them all."""
        while n > 0:
            if not self.buf:
                self._fill()
            piece = self.buf[:n]
            self.buf = self.buf[len(piece):]
            n -= len(piece)
            yield piece


class Request:
    def __init__(self, method, target, version, headers):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers  # list of (name, value)
        parts = urllib.parse.urlsplit(target)
        self.path = parts.path
        self.query = dict(urllib.parse.parse_qsl(parts.query))
        self.body_len = 0
        self.body_sha = hashlib.sha256().hexdigest()
        self.chunked = False

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def tokens(self, name):
        out = []
        for v in self.header_all(name):
            out += [t.strip().lower() for t in v.split(",") if t.strip()]
        return out

    def keep_alive(self):
        conn = self.tokens("connection")
        if self.version == "HTTP/1.0":
            return "keep-alive" in conn
        return "close" not in conn


class Conn:
    def __init__(self, backend, sock, cid):
        self.b = backend
        self.sock = sock
        self.r = Reader(sock)
        self.id = cid
        self.nreq = 0
        self.die_next = False

    # -- reading ---------------------------------------------------------
    def read_head(self):
        idle = self.b.idle_close_ms
        if idle is not None and self.nreq > 0 and not self.r.buf:
            self.sock.settimeout(idle / 1000.0)
            try:
                self.r._fill()
            except socket.timeout:
                raise ClientGone()
            finally:
                self.sock.settimeout(self.b.io_timeout)
        raw = self.r.until(b"\r\n\r\n", MAX_HEAD)
        lines = raw[:-4].split(b"\r\n")
        try:
            method, target, version = lines[0].decode("latin-1").split(" ")
        except ValueError:
            raise BadInput("bad request line %r" % lines[0])
        headers = []
        for line in lines[1:]:
            if b":" not in line:
                raise BadInput("bad header line %r" % line)
            k, v = line.split(b":", 1)
            headers.append((k.decode("latin-1"), v.strip(b" \t").decode("latin-1")))
        return Request(method, target, version, headers)

    def read_body(self, req):
        """Read (and hash) the body; raises on malformed framing."""
        h = hashlib.sha256()
        n = 0
        te = req.tokens("transfer-encoding")
        if te:
            req.chunked = True
            if te[-1] != "chunked":
                raise BadInput("bad transfer-encoding %r" % te)
            while True:
                line = self.r.until(b"\r\n", 4096)[:-2]
                size = line.split(b";", 1)[0].strip()
                try:
                    if not size or len(size) > 15:
                        raise ValueError
                    size = int(size, 16)
                except ValueError:
                    self.b._note("bad_chunk_from_proxy")
                    raise BadInput("bad chunk size %r" % line)
                if size == 0:
                    while self.r.until(b"\r\n", 8192) != b"\r\n":
                        pass  # trailers
                    break
                for piece in self.r.chunks(size):
                    h.update(piece)
                    n += len(piece)
                if self.r.exact(2) != b"\r\n":
                    self.b._note("bad_chunk_from_proxy")
                    raise BadInput("chunk not followed by CRLF")
        else:
            cls = req.header_all("content-length")
            if cls:
                length = int(cls[0])
                for piece in self.r.chunks(length):
                    h.update(piece)
                    n += len(piece)
        req.body_len = n
        req.body_sha = h.hexdigest()
        self.b._complete(req)

    # -- writing ---------------------------------------------------------
    def send(self, data):
        try:
            self.sock.sendall(data)
        except (ConnectionError, OSError):
            raise ClientGone()

    def respond(self, req, status, body=b"", headers=None, ctype="text/plain",
                keep=True, length=True):
        hs = [("Content-Type", ctype)] if ctype else []
        hs += headers or []
        no_body = status in (204, 304) or 100 <= status < 200
        if length and not no_body:
            hs.append(("Content-Length", str(len(body))))
        if not keep:
            hs.append(("Connection", "close"))
        head = "HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, "Status"))
        head += "".join("%s: %s\r\n" % kv for kv in hs) + "\r\n"
        out = head.encode("latin-1")
        if req.method != "HEAD" and not no_body:
            out += body
        self.send(out)
        return keep

    def echo(self, req, status=200, extra=None):
        d = {
            "backend": self.b.name,
            "method": req.method,
            "target": req.target,
            "path": req.path,
            "version": req.version,
            "headers": [[k, v] for k, v in req.headers],
            "body_len": req.body_len,
            "body_sha256": req.body_sha,
            "chunked": req.chunked,
            "conn_id": self.id,
            "conn_request": self.nreq,
            "connections": self.b.connections,
        }
        d.update(extra or {})
        keep = req.keep_alive() and req.query.get("close") != "1"
        query = urllib.parse.urlsplit(req.target).query
        added = [tuple(v.split(":", 1)) for k, v in
                 urllib.parse.parse_qsl(query) if k == "h" and ":" in v]
        return self.respond(req, status, json.dumps(d).encode(),
                            ctype="application/json", keep=keep,
                            headers=added)

    # -- main loop ---------------------------------------------------------
    def serve(self):
        try:
            while not self.b.stopping.is_set():
                req = self.read_head()
                self.nreq += 1
                self.b._head(req)
                if self.die_next:
                    self.b._note("dropped")
                    return
                if self.b.delay_ms:
                    self.b.stopping.wait(self.b.delay_ms / 1000.0)
                handler = ROUTES.get(req.path)
                if handler is None and req.path.startswith("/status/"):
                    handler = h_status
                if req.path not in DEFER_BODY:
                    self.read_body(req)
                if handler is None:
                    handler = h_echo
                if not handler(self, req):
                    return
        except (ClientGone, BadInput, socket.timeout, ValueError):
            return


# -- handlers: return True to keep the connection ----------------------------

def h_echo(c, req):
    keep = c.echo(req)
    if req.query.get("die_next") == "1":
        c.die_next = True
    return keep


def h_status(c, req):
    try:
        code = int(req.path.rsplit("/", 1)[1])
    except ValueError:
        code = 400
    return c.respond(req, code, b"status %d\n" % code, keep=req.keep_alive())


def h_bytes(c, req):
    n = int(req.query.get("n", "1000"))
    if req.query.get("chunked") == "1":
        c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n")
        if req.method == "HEAD":
            return req.keep_alive()
        off = 0
        while off < n:
            piece = pattern(min(65536 - 7, n - off), off)
            c.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            off += len(piece)
        c.send(b"0\r\n\r\n")
        return req.keep_alive()
    return c.respond(req, 200, pattern(n), ctype="application/octet-stream",
                     keep=req.keep_alive())


def h_big(c, req):
    total = int(float(req.query.get("mb", "1")) * 1024 * 1024)
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
           b"Content-Length: %d\r\n\r\n" % total)
    if req.method == "HEAD":
        return req.keep_alive()
    block = bytes(256 * 1024)
    left = total
    while left > 0:
        if c.b.stopping.is_set():
            return False
        piece = block if left >= len(block) else block[:left]
        c.send(piece)
        left -= len(piece)
    return req.keep_alive()


def h_slow(c, req):
    c.b.stopping.wait(int(req.query.get("ms", "1000")) / 1000.0)
    return c.echo(req)


def h_drip(c, req):
    chunks = int(req.query.get("chunks", "5"))
    ms = int(req.query.get("ms", "200"))
    size = int(req.query.get("size", "10"))
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n")
    first = int(req.query.get("first_ms", str(ms)))
    for i in range(chunks):
        c.b.stopping.wait((first if i == 0 else ms) / 1000.0)
        c.send(b"%x\r\n%s\r\n" % (size, pattern(size, i * size)))
    c.send(b"0\r\n\r\n")
    return req.keep_alive()


def h_close(c, req):
    return False


def h_reset(c, req):
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return False


def h_garbage(c, req):
    c.send(b"\x00\x01\x02 this is not HTTP at all \xff\xfe\r\n\r\n")
    return False


def h_nolength(c, req):
    n = int(req.query.get("n", "5000"))
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")
    if req.method != "HEAD":
        c.send(pattern(n))
    return False


def h_tecoded(c, req):
    n = int(req.query.get("n", "500"))
    c.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: x-custom\r\n"
           b"Cache-Control: max-age=60\r\n\r\n")
    if req.method != "HEAD":
        c.send(pattern(n))
    return False


def h_continue(c, req):
    expect = req.header("expect")
    if expect and expect.lower() == "100-continue":
        c.send(b"HTTP/1.1 100 Continue\r\n\r\n")
    c.read_body(req)
    return c.echo(req, extra={"expect": expect})


def h_stall(c, req):
    c.b.stopping.wait(int(req.query.get("ms", "2000")) / 1000.0)
    c.read_body(req)
    return c.echo(req)


def h_hopbyhop(c, req):
    return c.respond(req, 200, b"hop\n", headers=[
        ("Connection", "X-Secret-Hop, keep-alive"),
        ("X-Secret-Hop", "must-not-pass"),
        ("Keep-Alive", "timeout=5, max=100"),
        ("Proxy-Connection", "keep-alive"),
        ("Upgrade", "h2c"),
        ("Trailer", "X-Trailer-Thing"),
        ("X-End-To-End", "kept"),
    ], keep=req.keep_alive())


def h_multi(c, req):
    return c.respond(req, 200, b"multi\n", headers=[
        ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/; HttpOnly"),
        ("X-Long", "v" * 6000), ("Cache-Control", "no-store")], keep=req.keep_alive())


def h_cond304(c, req):
    c.send(b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n"
           b"Content-Length: 1234\r\n\r\n")
    return req.keep_alive()


def h_headbody(c, req):
    if req.method == "HEAD":
        c.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
               b"Content-Length: 1000\r\n\r\n")
        return req.keep_alive()
    return c.respond(req, 200, pattern(1000), keep=req.keep_alive())


TEXT_WORDS = (b"the front door of a home server answers every request for "
              b"apps such as nextcloud jellyfin gitea and home assistant; ")


def text_body(n):
    """n bytes of compressible, deterministic text."""
    reps = n // len(TEXT_WORDS) + 1
    out = bytearray()
    for i in range(reps):
        out += b"%06d " % i + TEXT_WORDS
    return bytes(out[:n])


def h_text(c, req):
    q = req.query
    n = int(float(q.get("kb", "64")) * 1024)
    body = text_body(n)
    status = int(q.get("status", "200"))
    hs = [("Content-Type", q.get("type", "text/html"))]
    if "ce" in q:
        hs.append(("Content-Encoding", q["ce"]))
    if "etag" in q:
        hs.append(("ETag", '"%s"' % q["etag"]))
    if "cc" in q:
        hs.append(("Cache-Control", q["cc"]))
    if status == 206:
        hs.append(("Content-Range", "bytes 0-%d/%d" % (n - 1, n * 2)))
    if "drip" in q:
        pieces = int(q.get("pieces", "3"))
        head = "HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, "Status"))
        head += "".join("%s: %s\r\n" % kv for kv in hs)
        c.send(head.encode() + b"Transfer-Encoding: chunked\r\n\r\n")
        for i in range(pieces):
            if i > 0:
                c.b.stopping.wait(int(q["drip"]) / 1000.0)
            piece = b"piece %d: " % i + body
            c.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        c.send(b"0\r\n\r\n")
        return req.keep_alive()
    if q.get("chunked") == "1" or q.get("nolen") == "1":
        head = "HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, "Status"))
        head += "".join("%s: %s\r\n" % kv for kv in hs)
        if q.get("nolen") == "1":
            c.send(head.encode() + b"\r\n" + (b"" if req.method == "HEAD" else body))
            return False
        c.send(head.encode() + b"Transfer-Encoding: chunked\r\n\r\n")
        if req.method != "HEAD":
            for off in range(0, n, 5000):
                piece = body[off:off + 5000]
                c.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            c.send(b"0\r\n\r\n")
        return req.keep_alive()
    return c.respond(req, status, body, headers=hs[1:], ctype=hs[0][1],
                     keep=req.keep_alive())


def h_sse(c, req):
    n = int(req.query.get("n", "3"))
    ms = int(req.query.get("ms", "300"))
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
           b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n")
    for i in range(n):
        if i > 0:
            c.b.stopping.wait(ms / 1000.0)
        ev = b"data: event %d\n\n" % i
        c.send(b"%x\r\n%s\r\n" % (len(ev), ev))
    c.send(b"0\r\n\r\n")
    return req.keep_alive()


def h_cacheable(c, req):
    import email.utils
    import gzip
    q = req.query
    if "ms" in q:
        c.b.stopping.wait(int(q["ms"]) / 1000.0)
    with c.b.lock:
        count = c.b.heads[req.path]
    body = ("cacheable target=%s n=%d auth=%s cookie=%s ae=%s\n" % (
        req.target, count, req.header("authorization"), req.header("cookie"),
        req.header("accept-encoding"))).encode()
    if "kb" in q:
        body += text_body(int(float(q["kb"]) * 1024))
    if q.get("r304") == "1" and (
            (req.header("if-none-match") is not None and "etag" in q and
             '"%s"' % q["etag"] in req.header("if-none-match")) or
            (req.header("if-modified-since") is not None and q.get("lm") == "1")):
        hs = [("Cache-Control", "max-age=%s" % q.get("r304_maxage", q.get("maxage", "0"))),
              ("Date", email.utils.formatdate(time.time(), usegmt=True)),
              ("X-Version", str(count))]
        if "etag" in q:
            hs.append(("ETag", '"%s"' % q["etag"]))
        hs += [("X-Junk-%d" % i, "j" * 40) for i in range(int(q.get("r304_many", "0")))]
        c.send(("HTTP/1.1 304 Not Modified\r\n" +
                "".join("%s: %s\r\n" % kv for kv in hs) + "\r\n").encode())
        return req.keep_alive()
    cc = []
    if "maxage" in q:
        cc.append("max-age=%s" % q["maxage"])
    if "smaxage" in q:
        cc.append("s-maxage=%s" % q["smaxage"])
    for k, d in (("public", "public"), ("private", "private"),
                 ("nostore", "no-store")):
        if q.get(k) == "1":
            cc.append(d)
    hs = []
    if cc:
        hs.append(("Cache-Control", ", ".join(cc)))
    now = time.time()
    hs.append(("Date", email.utils.formatdate(now, usegmt=True)))
    if "expires" in q:
        hs.append(("Expires", email.utils.formatdate(now + int(q["expires"]), usegmt=True)))
    if "expires_raw" in q:
        hs.append(("Expires", q["expires_raw"]))
    for k in ("age", "age2"):
        if k in q:
            hs.append(("Age", q[k]))
    if q.get("xv") == "1":
        hs.append(("X-Version", str(count)))
    if "loc" in q:
        hs.append(("Location", q["loc"]))
    if "cloc" in q:
        hs.append(("Content-Location", q["cloc"]))
    if q.get("cookie") == "1":
        hs.append(("Set-Cookie", "session=%d; Path=/" % count))
    if "vary" in q:
        hs.append(("Vary", q["vary"]))
    if "etag" in q:
        hs.append(("ETag", '"%s"' % q["etag"]))
    if q.get("lm") == "1":
        hs.append(("Last-Modified", "Tue, 01 Jan 2030 00:00:00 GMT"))
    if q.get("gzip_by_ae") == "1" and "gzip" in (req.header("accept-encoding") or ""):
        body = gzip.compress(body)
        hs.append(("Content-Encoding", "gzip"))
    status = int(q.get("status", "200"))
    if status == 301 and "loc" not in q:
        hs.append(("Location", "/elsewhere"))
    ctype = q.get("type", "text/plain")
    if q.get("chunked") == "1":
        head = "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n" % (
            status, REASONS.get(status, "Status"), ctype)
        head += "".join("%s: %s\r\n" % kv for kv in hs)
        out = head.encode() + b"Transfer-Encoding: chunked\r\n\r\n"
        if req.method != "HEAD":
            out += b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        c.send(out)
        return req.keep_alive()
    return c.respond(req, status, body, headers=hs, ctype=ctype,
                     keep=req.keep_alive())


def ws_read_frame(c):
    b0, b1 = c.r.exact(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", c.r.exact(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", c.r.exact(8))[0]
    if n > 16 * 1024 * 1024:
        raise BadInput("ws frame too big")
    mask = c.r.exact(4) if b1 & 0x80 else None
    data = c.r.exact(n)
    if mask:
        data = bytes(x ^ mask[i % 4] for i, x in enumerate(data))
    return b0 & 0x80, b0 & 0x0F, data, bool(mask)


def ws_frame(opcode, data):
    n = len(data)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + data


def h_ws(c, req):
    if "websocket" not in req.tokens("upgrade") or "upgrade" not in req.tokens("connection"):
        return c.echo(req, status=426)
    key = req.header("sec-websocket-key") or ""
    accept = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()
    c.send(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
    c.b._note("ws_open")
    while True:
        fin, op, data, masked = ws_read_frame(c)
        if not masked:
            c.b._note("ws_unmasked")
        if op == 8:
            c.send(ws_frame(8, data[:2]))
            return False
        if op == 9:
            c.send(ws_frame(10, data))
            continue
        c.b._note("ws_frames")
        c.send(ws_frame(op, data))


def h_healthz(c, req):
    st = c.b.health_status
    return c.respond(req, st, b"%d\n" % st)


ROUTES = {
    "/healthz": h_healthz,
    "/echo": h_echo, "/bytes": h_bytes, "/big": h_big, "/slow": h_slow,
    "/drip": h_drip, "/close": h_close, "/reset": h_reset,
    "/garbage": h_garbage, "/nolength": h_nolength, "/tecoded": h_tecoded, "/continue": h_continue,
    "/stall": h_stall, "/ws": h_ws, "/hopbyhop": h_hopbyhop,
    "/cond304": h_cond304, "/headbody": h_headbody, "/multi": h_multi,
    "/text": h_text, "/sse": h_sse, "/cacheable": h_cacheable,
}
DEFER_BODY = {"/continue", "/stall", "/ws"}


class TestBackend:
    """One backend server.  start() binds an ephemeral port on 127.0.0.1."""

    __test__ = False  # not a pytest test class

    def __init__(self, name="backend", port=0, max_conns=256,
                 idle_close_ms=None, io_timeout=30.0, delay_ms=0):
        self.name = name
        self.delay_ms = delay_ms        # every request waits this long first
        self.health_status = 200        # what /healthz answers
        self.want_port = port
        self.max_conns = max_conns
        self.idle_close_ms = idle_close_ms
        self.io_timeout = io_timeout
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.stopping = threading.Event()
        self.socks = set()
        self.threads = []
        self.reset_counters()

    def reset_counters(self):
        with self.lock:
            self.connections = 0
            self.heads = collections.Counter()
            self.completes = collections.Counter()
            self.notes = collections.Counter()
            self.log = collections.deque(maxlen=1000)

    # -- counters, under the lock ------------------------------------------
    def _head(self, req):
        with self.cond:
            self.heads[req.path] += 1
            self.log.append(req)
            self.cond.notify_all()

    def _complete(self, req):
        with self.cond:
            self.completes[req.path] += 1
            self.cond.notify_all()

    def _note(self, what):
        with self.cond:
            self.notes[what] += 1
            self.cond.notify_all()

    @property
    def total_heads(self):
        with self.lock:
            return sum(self.heads.values())

    @property
    def total_completes(self):
        with self.lock:
            return sum(self.completes.values())

    def wait_for(self, pred, timeout=10.0):
        """Wait until pred(self) is true (called under the lock); bounded."""
        end = time.monotonic() + timeout
        with self.cond:
            while not pred(self):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.2))
            return True

    @property
    def addr(self):
        return "127.0.0.1:%d" % self.port

    # -- lifecycle -----------------------------------------------------------
    def start(self):
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", self.want_port))
        self.lsock.listen(128)
        self.port = self.lsock.getsockname()[1]
        t = threading.Thread(target=self._accept_loop, name="accept-" + self.name,
                             daemon=True)
        t.start()
        self.accept_thread = t
        return self

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                s, _ = self.lsock.accept()
            except OSError:
                return
            with self.cond:
                if len(self.socks) >= self.max_conns or self.stopping.is_set():
                    s.close()
                    continue
                self.connections += 1
                cid = self.connections
                self.socks.add(s)
                self.cond.notify_all()
            s.settimeout(self.io_timeout)
            t = threading.Thread(target=self._serve, args=(s, cid), daemon=True)
            self.threads = [x for x in self.threads if x.is_alive()] + [t]
            t.start()

    def _serve(self, s, cid):
        try:
            Conn(self, s, cid).serve()
        finally:
            with self.cond:
                self.socks.discard(s)
            try:
                s.close()
            except OSError:
                pass

    @property
    def open_connections(self):
        with self.lock:
            return len(self.socks)

    def stop(self, timeout=5.0):
        self.stopping.set()
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.lsock.close()
        with self.lock:
            socks = list(self.socks)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        end = time.monotonic() + timeout
        for t in [self.accept_thread] + self.threads:
            t.join(max(0.0, end - time.monotonic()))


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--name", default="backend")
    args = ap.parse_args()
    b = TestBackend(args.name, port=args.port).start()
    print("listening on %s" % b.addr, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        b.stop()


if __name__ == "__main__":
    main()
