# SPDX-License-Identifier: ISC
"""Raw HTTP/1.1 backends that parse the way three families of real servers
do, for the differential tests (tests/e2e/test_differential.py).

Each backend listens on 127.0.0.1 only, keeps connections alive (so that
frontdoor pools them and a desync shows on the next request), is bounded
(connections, head and body size, idle time) and RECORDS every request it
parsed: method, raw target, its own reading of the path, headers, body, and
every parse error it answered with 400.  Each request is answered 200 with a
small JSON body naming what the backend saw (probe ids, target, its path
reading, every header and the body), so that a client can tell whose
request a response belongs to.

Families (the `family` argument):

strict    RFC 9112 exactly: CRLF line ends only, no obs-fold, no whitespace
          before the colon, field values without control characters, one
          Host, Content-Length a single run of digits, Transfer-Encoding
          exactly "chunked" and never with Content-Length, chunk lines
          1*HEXDIG [chunk-ext] CRLF, chunk data followed by CRLF, trailers
          parsed and dropped.  Anything else is answered 400 and the
          connection closed.  Path reading (RFC 3986 6.2.2): percent-decode
          the unreserved characters only (so %2F stays a literal inside its
          segment), remove dot segments; slashes are not merged.

lenient   the way old or naive servers (old gunicorn/werkzeug, a hand-rolled
          Node parser) read requests, each leniency on purpose:
          - a bare LF ends a line anywhere (head, chunk lines, trailers);
            empty lines before a request line are skipped;
          - obs-fold lines are appended to the previous field's value;
          - whitespace around a field name is stripped
            ("Transfer-Encoding : chunked" is Transfer-Encoding);
          - the fields named in Connection are removed from its view of
            the request BEFORE it frames the body (so "Connection:
            content-length" leaves a body unframed: it becomes the next
            request);
          - Content-Length wins over Transfer-Encoding when both are there;
            the first Content-Length field counts, read with int() on its
            first list element ("+5" and "5, 5" are 5);
          - only the first Transfer-Encoding field counts and the body is
            chunked only when that field's value is exactly "chunked"
            (trimmed, any case): "identity, chunked", "chunked,", ",chunked",
            "xchunked" all mean no body;
          - a chunk size is int(line-before-";", 16) after trimming
            whitespace ("0x5", "+5", " 5 " all parse); a line that does not
            parse as a chunk size ends the body and is read as the start of
            the next request (so a desync turns a body into a request);
          - the line after chunk data is read and ignored whatever it holds;
          - trailer fields are merged into the request's headers (the way
            CGI-style bridges expose them);
          - it switches to h2c on "Upgrade: h2c" with "Connection: upgrade"
            even without HTTP2-Settings;
          - underscores in field names are kept, and its path reading is a
            WSGI PATH_INFO: fully percent-decoded (%2F becomes "/"), dot
            segments removed, slashes not merged.

decoding  strict framing (as above), but reads the path the way Tomcat,
          Jetty, Spring and IIS-style servers do, which is what it would
          serve: a raw backslash, %2F and %5C become "/", ";params" is cut
          from every segment ("/..;/" is "..", "/admin;x/y" is "/admin/y"),
          the rest is percent-decoded, a NUL ends the path (C string),
          dot segments are removed and slashes merged.

After answering `Upgrade: h2c` with `Connection: Upgrade` and
`HTTP2-Settings` with 101 (as an h2c server does), a backend reads the
connection raw and records it as a tunnel (kind "tunnel"); what follows
the HTTP/2 preface is parsed as HTTP/1 again so that a request smuggled
through a tunnel is recorded like any other.

LyingBackend answers each request with canned raw bytes chosen by the path
(/lie/NAME), to test what frontdoor makes of hostile response framing.
"""

import json
import re
import socket
import threading
import urllib.parse

MAX_HEAD = 64 * 1024
MAX_BODY = 1 << 20
MAX_CONNS = 64
IDLE_S = 10.0
TCHAR = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
HEX = re.compile(rb"^[0-9A-Fa-f]+$")
# chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )  (RFC 9112 7.1.1)
TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
QUOTED = rb'"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\t -~\x80-\xff])*"'
CHUNK_EXT = re.compile(rb"^(?:[ \t]*;[ \t]*" + TOKEN + rb"(?:[ \t]*=[ \t]*(?:" + TOKEN
                       + rb"|" + QUOTED + rb"))?)*$")
REQ_LINE = re.compile(rb"^(" + TOKEN + rb") ([^ \x00-\x20\x7f]+) HTTP/1\.([01])$")
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


class Gone(Exception):
    """The peer closed, or the connection idled out."""


class Bad(Exception):
    """The backend refuses this input (answered 400, connection closed)."""


# -- path readings -----------------------------------------------------------

def target_path(target):
    """The path part of an origin-form or absolute-form target."""
    if "://" in target and not target.startswith("/"):
        rest = target.split("://", 1)[1]
        i = rest.find("/")
        target = rest[i:] if i >= 0 else "/"
    return target.split("?", 1)[0].split("#", 1)[0]


def remove_dot_segments(path):
    """RFC 3986 5.2.4."""
    out = []
    inp = path
    while inp:
        if inp.startswith("../"):
            inp = inp[3:]
        elif inp.startswith("./"):
            inp = inp[2:]
        elif inp.startswith("/./"):
            inp = inp[2:]
        elif inp == "/.":
            inp = "/"
        elif inp.startswith("/../"):
            inp = inp[3:]
            if out:
                out.pop()
        elif inp == "/..":
            inp = "/"
            if out:
                out.pop()
        elif inp in (".", ".."):
            inp = ""
        else:
            i = inp.find("/", 1)
            seg, inp = (inp, "") if i < 0 else (inp[:i], inp[i:])
            out.append(seg)
    return "".join(out)


def decode_unreserved(path):
    def one(m):
        c = int(m.group(1), 16)
        return chr(c) if c in UNRESERVED else "%" + m.group(1).upper()
    return re.sub(r"%([0-9A-Fa-f]{2})", one, path)


def read_path_strict(target):
    return remove_dot_segments(decode_unreserved(target_path(target)))


def read_path_lenient(target):
    p = urllib.parse.unquote(target_path(target), encoding="latin-1")
    return remove_dot_segments(p)


def read_path_decoding(target):
    p = target_path(target).replace("\\", "/")
    p = re.sub(r"%(2[Ff]|5[Cc])", "/", p)
    segs = [s.split(";", 1)[0] for s in p.split("/")]
    p = urllib.parse.unquote("/".join(segs), encoding="latin-1")
    p = p.split("\x00", 1)[0].replace("\\", "/")
    p = remove_dot_segments(p)
    return re.sub(r"/{2,}", "/", p) or "/"


READ_PATH = {"strict": read_path_strict, "lenient": read_path_lenient,
             "decoding": read_path_decoding}


def norm_name(name):
    """How a CGI/WSGI bridge names a field: X_Remote_User is X-Remote-User."""
    return name.strip().lower().replace("_", "-")


# -- reading -----------------------------------------------------------------

class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self):
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, OSError):
            data = b""
        if not data:
            raise Gone()
        self.buf += data

    def line(self, lf_ok, limit=MAX_HEAD):
        """One line without its end.  Strict: CRLF only, a bare CR or LF is
        Bad; lenient: LF ends it and a CR before it is dropped."""
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                raw, self.buf = self.buf[:i], self.buf[i + 1:]
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                elif not lf_ok:
                    raise Bad("bare LF after %r" % raw[-40:])
                if not lf_ok and b"\r" in raw:
                    raise Bad("bare CR in %r" % raw[:80])
                return raw
            if len(self.buf) > limit:
                raise Bad("line longer than %d" % limit)
            self.fill()

    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def unread(self, data):
        self.buf = data + self.buf


class Req:
    """One request as a backend parsed it."""

    def __init__(self):
        self.kind = "request"      # or "error", "tunnel"
        self.conn = 0
        self.n = 0
        self.method = ""
        self.target = ""
        self.version = ""
        self.path = ""
        self.headers = []          # [(name, value)] as parsed, trailers merged (lenient)
        self.trailers = []
        self.body = b""
        self.chunked = False
        self.error = ""
        self.raw = b""             # tunnel bytes, or the input an error was about

    def header_all(self, name):
        n = name.lower()
        return [v for k, v in self.headers if k.lower() == n]

    def tokens(self, name):
        out = []
        for v in self.header_all(name):
            out += [t.strip().lower() for t in v.split(",") if t.strip()]
        return out

    def probes(self):
        return [v.strip() for v in self.header_all("x-probe")]

    def describe(self):
        if self.kind == "error":
            return "conn %d #%d: PARSE ERROR (answered 400): %s; near %r" % (
                self.conn, self.n, self.error, self.raw[:160])
        if self.kind == "tunnel":
            return "conn %d #%d: TUNNEL after 101 (h2c); raw bytes %r" % (
                self.conn, self.n, self.raw[:160])
        return "conn %d #%d: %s %r (reads path %r) headers=%r body=%r%s" % (
            self.conn, self.n, self.method, self.target, self.path, self.headers,
            self.body[:160], " trailers=%r" % self.trailers if self.trailers else "")

    def to_json(self, family):
        return {"family": family, "probes": self.probes(), "method": self.method,
                "target": self.target, "path": self.path, "headers": self.headers,
                "body": self.body[:4096].decode("latin-1"), "chunked": self.chunked}


def parse_head_strict(r, req):
    line = r.line(False)
    m = REQ_LINE.match(line)
    if not m:
        raise Bad("bad request line %r" % line[:120])
    req.method = m.group(1).decode()
    req.target = m.group(2).decode("latin-1")
    req.version = "HTTP/1." + m.group(3).decode()
    size = len(line)
    while True:
        line = r.line(False)
        size += len(line) + 2
        if size > MAX_HEAD:
            raise Bad("head too large")
        if not line:
            return
        if line[:1] in (b" ", b"\t"):
            raise Bad("obs-fold %r" % line[:80])
        if b":" not in line:
            raise Bad("field line without colon %r" % line[:80])
        k, v = line.split(b":", 1)
        if not TCHAR.match(k):
            raise Bad("bad field name %r" % k[:80])
        v = v.strip(b" \t")
        if re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", v):
            raise Bad("control character in %r" % line[:80])
        req.headers.append((k.decode("latin-1"), v.decode("latin-1")))


def parse_head_lenient(r, req):
    line = b""
    for _ in range(64):
        line = r.line(True)
        if line.strip():
            break
    parts = line.split()
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/"):
        raise Bad("bad request line %r" % line[:120])
    req.method = parts[0].decode("latin-1")
    req.target = parts[1].decode("latin-1")
    req.version = parts[2].decode("latin-1")
    size = len(line)
    while True:
        line = r.line(True)
        size += len(line) + 1
        if size > MAX_HEAD:
            raise Bad("head too large")
        if not line:
            break
        if line[:1] in (b" ", b"\t") and req.headers:
            k, v = req.headers[-1]
            req.headers[-1] = (k, v + " " + line.strip().decode("latin-1"))
            continue
        if b":" not in line:
            continue
        k, v = line.split(b":", 1)
        req.headers.append((k.strip().decode("latin-1"), v.strip().decode("latin-1")))
    # Connection names fields to drop: this server drops them itself, first.
    named = set(req.tokens("connection")) - {"close", "keep-alive", "upgrade"}
    if named:
        req.headers = [(k, v) for k, v in req.headers if norm_name(k) not in named]


def read_chunked_strict(r, req):
    body = []
    total = 0
    while True:
        line = r.line(False)
        m = re.match(rb"^([0-9A-Fa-f]+)(.*)$", line)
        if not m or not CHUNK_EXT.match(m.group(2)):
            raise Bad("bad chunk line %r" % line[:80])
        if len(m.group(1)) > 8:
            raise Bad("chunk size too long %r" % line[:80])
        n = int(m.group(1), 16)
        total += n
        if total > MAX_BODY:
            raise Bad("chunked body too large")
        if n == 0:
            break
        body.append(r.exact(n))
        if r.exact(2) != b"\r\n":
            raise Bad("chunk data not followed by CRLF")
    while True:
        line = r.line(False)
        if not line:
            break
        if b":" not in line or not TCHAR.match(line.split(b":", 1)[0]):
            raise Bad("bad trailer line %r" % line[:80])
        k, v = line.split(b":", 1)
        req.trailers.append((k.decode("latin-1"), v.strip(b" \t").decode("latin-1")))
    return b"".join(body)


def read_chunked_lenient(r, req):
    body = []
    total = 0
    while True:
        line = r.line(True)
        try:
            n = int(line.split(b";", 1)[0].strip().decode("latin-1"), 16)
            if n < 0:
                raise ValueError()
        except ValueError:
            # Not a chunk size: the body is over and this is a request.
            r.unread(line + b"\r\n")
            return b"".join(body)
        total += n
        if total > MAX_BODY:
            raise Bad("chunked body too large")
        if n == 0:
            break
        body.append(r.exact(n))
        r.line(True)  # whatever ends the chunk data
    while True:
        line = r.line(True)
        if not line:
            break
        if b":" in line:
            k, v = line.split(b":", 1)
            t = (k.strip().decode("latin-1"), v.strip().decode("latin-1"))
            req.trailers.append(t)
            req.headers.append(t)
    return b"".join(body)


def read_body_strict(r, req):
    te = req.header_all("transfer-encoding")
    cl = req.header_all("content-length")
    hosts = req.header_all("host")
    if req.version == "HTTP/1.1" and len(hosts) != 1:
        raise Bad("%d Host fields" % len(hosts))
    if te and cl:
        raise Bad("both Transfer-Encoding %r and Content-Length %r" % (te, cl))
    if te:
        codings = [c.strip().lower() for c in ",".join(te).split(",")]
        if codings != ["chunked"]:
            raise Bad("Transfer-Encoding %r is not exactly chunked" % te)
        req.chunked = True
        return read_chunked_strict(r, req)
    if cl:
        if len(cl) != 1 or not re.match(r"^[0-9]{1,9}$", cl[0]):
            raise Bad("bad Content-Length %r" % cl)
        n = int(cl[0])
        if n > MAX_BODY:
            raise Bad("body too large")
        return r.exact(n)
    return b""


def read_body_lenient(r, req):
    cl = req.header_all("content-length")
    if cl:
        try:
            n = int(cl[0].split(",")[0].strip())
        except ValueError:
            raise Bad("bad Content-Length %r" % cl)
        if n < 0 or n > MAX_BODY:
            raise Bad("bad Content-Length %r" % cl)
        return r.exact(n)
    te = req.header_all("transfer-encoding")
    if te and te[0].strip().lower() == "chunked":
        req.chunked = True
        return read_chunked_lenient(r, req)
    return b""


# -- the servers ---------------------------------------------------------------

class _Server:
    """Listener, connection threads and the bounds shared by both kinds."""

    def __init__(self, name):
        self.name = name
        self.lock = threading.Lock()
        self.sock = None
        self.port = None
        self.conns = {}
        self.nconn = 0
        self.stopping = False
        self.thread = None

    @property
    def addr(self):
        return "127.0.0.1:%d" % self.port

    def start(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        s.settimeout(0.2)
        self.sock = s
        self.port = s.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True,
                                       name="raw-%s" % self.name)
        self.thread.start()
        return self

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                if len(self.conns) >= MAX_CONNS:
                    c.close()
                    continue
                self.nconn += 1
                cid = self.nconn
                self.conns[cid] = c
            c.settimeout(IDLE_S)
            threading.Thread(target=self._run, args=(c, cid), daemon=True).start()

    def _run(self, c, cid):
        try:
            self.serve(c, cid)
        except (Gone, OSError):
            pass
        finally:
            with self.lock:
                self.conns.pop(cid, None)
            try:
                c.close()
            except OSError:
                pass

    def drop_connections(self):
        """Close every connection (frontdoor's pooled ones see EOF)."""
        with self.lock:
            socks = list(self.conns.values())
        for c in socks:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self.stopping = True
        self.drop_connections()
        try:
            self.sock.close()
        except OSError:
            pass
        if self.thread:
            self.thread.join(2)


class RawBackend(_Server):
    """A backend of one family (strict, lenient, decoding) that records."""

    def __init__(self, family, name=None):
        assert family in READ_PATH, family
        super().__init__(name or family)
        self.family = family
        self.records = []

    def take(self):
        """The records so far, and forget them."""
        with self.lock:
            out, self.records = self.records, []
        return out

    def _record(self, req):
        with self.lock:
            self.records.append(req)

    def serve(self, c, cid):
        r = Reader(c)
        lenient = self.family == "lenient"
        n = 0
        while not self.stopping and n < 1000:
            n += 1
            req = Req()
            req.conn, req.n = cid, n
            try:
                if lenient:
                    parse_head_lenient(r, req)
                    req.body = read_body_lenient(r, req)
                else:
                    parse_head_strict(r, req)
                    req.body = read_body_strict(r, req)
            except Bad as e:
                req.kind, req.error, req.raw = "error", str(e), r.buf[:400]
                self._record(req)
                c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                          b"Connection: close\r\n\r\n")
                return
            req.path = READ_PATH[self.family](req.target)
            self._record(req)
            if ("h2c" in req.tokens("upgrade") and "upgrade" in req.tokens("connection")
                    and (lenient or req.header_all("http2-settings"))):
                c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                          b"Upgrade: h2c\r\n\r\n")
                self._tunnel(r, cid, n)
                continue
            body = json.dumps(req.to_json(self.family)).encode()
            close = "close" in req.tokens("connection") or req.version == "HTTP/1.0"
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n%s\r\n" % (
                          len(body), b"Connection: close\r\n" if close else b"") + body)
            if close:
                return

    def _tunnel(self, r, cid, n):
        """After a 101 to h2c: record what came raw, then go on reading
        HTTP/1 after the preface (a stand-in for the h2 frames an attacker
        would send)."""
        try:
            while len(r.buf) < len(H2_PREFACE):
                r.fill()
        except Gone:
            pass
        t = Req()
        t.conn, t.n, t.kind, t.raw = cid, n, "tunnel", r.buf[:400]
        self._record(t)
        if r.buf.startswith(H2_PREFACE):
            r.buf = r.buf[len(H2_PREFACE):]


class LyingBackend(_Server):
    """Answers GET /lie/NAME with lies[NAME] (raw bytes), keep-alive; any
    other path gets a plain 200 whose body is "plain:" and the path."""

    def __init__(self, lies, name="liar"):
        super().__init__(name)
        self.lies = lies
        self.seen = []

    def serve(self, c, cid):
        r = Reader(c)
        for _ in range(1000):
            req = Req()
            try:
                parse_head_strict(r, req)
                read_body_strict(r, req)
            except Bad:
                c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                          b"Connection: close\r\n\r\n")
                return
            with self.lock:
                self.seen.append((cid, req.target))
            path = target_path(req.target)
            if path.startswith("/lie/") and path[5:] in self.lies:
                c.sendall(self.lies[path[5:]])
            else:
                body = b"plain:" + path.encode("latin-1")
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
                          + body)
