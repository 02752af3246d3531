# SPDX-License-Identifier: ISC
"""Differential tests: every trick a client can play with paths, framing and
identity headers, sent through frontdoor to three backends that each parse
the way a family of real servers does (tests/backends/rawbackends.py:
strict RFC 9112, lenient old/naive servers, decoding Tomcat/Spring-style
path readers).  Each backend records every request it parsed and its own
reading of the path.

One frontdoord per family (module scope) has three routes on the same
backend: `app` on /, `admin` on /admin behind basic auth (one user), `api` on
/api with a deny rule for all of 127.0.0.0/8.  Attackers and victims connect
from 127.0.0.2 and 127.0.0.3, which are not trusted proxies.  Attack
requests carry no credentials unless a case says so.

For each trick (one row of TRICKS) and family, the invariants are:

(a) Every request the backend parsed is one the client sent: the client
    tags each request with `X-Probe: <id>`; the backend must never see a
    request without a known id, one id twice, two ids in one request, a
    request whose method the client did not send, nor ever as a request
    a probe the client hid inside a body (a "smuggled" probe).  The backend
    must also parse whatever frontdoor sends it (a strict backend's 400 is
    a failure), and no HTTP/2 tunnel may open.
(b) A gated path is never served without its gate: a request whose path,
    in THAT BACKEND'S OWN READING, is /admin or under it must carry the
    X-Remote-User frontdoor sets after a good password (and only that one,
    in any spelling: WSGI servers read X_Remote_User as X-Remote-User); a
    request under /api must never arrive.
(c) No response reaches the wrong client: right after the attack a victim
    on another connection sends its own probe and a cookie; its response
    must be for its probe, and nothing the attacker receives (including the
    answer to one more request on its connection) may hold the cookie or
    another client's probe.
(d) frontdoor answers: every read has a deadline, a trick with no answer
    within 5 s fails; where the man page / RFC 9112 make a request
    malformed the answer is that 4xx and the connection is closed; a 5xx is
    never the answer to a client's trick.

The response direction: a lying backend answers with hostile framing, and
the client must get a 502 or a response framed by frontdoor itself (one
Content-Length, or chunked with bare chunk lines and only harmless
trailers), and the next response on the connection must be the right one.

A new trick is one row in TRICKS (or LIES).
"""

import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backends"))

from helpers import Frontdoor  # noqa: E402
from rawbackends import LyingBackend, RawBackend, norm_name  # noqa: E402

FAMILIES = ("strict", "lenient", "decoding")
USER, PASSWORD = "ann", "pw-ann"
ATTACKER, VICTIM = "127.0.0.2", "127.0.0.3"
ANSWER_S = 5.0          # first answer to a trick
NEXT_S = 1.0            # each further answer on the same connection
SECRET_PATH = "/admin/secret"


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


# -- building tricks -----------------------------------------------------------

class Probes:
    """The probe ids one case sends, and what each one is."""

    def __init__(self, case):
        self.tag = re.sub(r"[^a-z0-9]", "", case.lower())[:10] + secrets.token_hex(3)
        self.info = {}      # id -> {"kind", "method", "target", "authed"}

    def new(self, kind, method="", target="", authed=False):
        pid = "%s-%s%d" % (self.tag, kind[0], len(self.info))
        self.info[pid] = {"kind": kind, "method": method, "target": target,
                          "authed": authed}
        return pid

    def requests(self):
        return [p for p, i in self.info.items() if i["kind"] == "request"]


def head(p, method, target, *fields, host="app.test", auth=False, kind="request",
         version="HTTP/1.1"):
    """A request head tagged with a new probe.  fields are raw lines (a
    field may hold its own odd line ends); each gets CRLF."""
    pid = p.new(kind, method, target, auth)
    lines = ["%s %s %s" % (method, target, version)]
    if host is not None:
        lines.append("Host: " + host)
    lines.append("X-Probe: " + pid)
    if auth:
        lines.append("Authorization: " + basic(USER, PASSWORD))
    lines += list(fields)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def get(target, *fields, **kw):
    return lambda p: head(p, "GET", target, *fields, **kw)


def smug(p, path=SECRET_PATH, kind="smuggled"):
    """A request for a gated path: hidden in a body (smuggled) it must never
    arrive; pipelined (kind="request") it must meet the gate."""
    return head(p, "GET", path, kind=kind)


def chunk(data):
    return b"%x\r\n" % len(data) + data + b"\r\n"


ZERO = b"0\r\n\r\n"


def post(fields, body, target="/"):
    """POST with raw field lines and a body; "{len}" in a field is the
    body's length.  body(p) -> bytes, built first so that its probes exist.
    A body may return (bytes, after): after is sent right behind it."""
    def build(p):
        b = body(p) if callable(body) else body
        after = b""
        if isinstance(b, tuple):
            b, after = b
        fs = [f.replace("{len}", str(len(b))) for f in fields]
        return head(p, "POST", target, *fs) + b + after
    return build


def te_cl(te_fields):
    """TE.CL: Transfer-Encoding (however spelt) and a Content-Length that
    covers only the chunk-size line, so a reader of Content-Length sees the
    chunk data (a request for /admin/secret) as the next request."""
    def build(p):
        s = smug(p)
        size = b"%x\r\n" % len(s)
        return head(p, "POST", "/", *te_fields, "Content-Length: %d" % len(size)) + \
            size + s + b"\r\n" + ZERO
    return build


def te_only(te_fields):
    """Transfer-Encoding (however spelt) alone: the chunk data is a request
    for /admin/secret; a reader that does not see the body as chunked reads
    the chunk lines as requests."""
    def build(p):
        return head(p, "POST", "/", *te_fields) + chunk(smug(p)) + ZERO
    return build


def chunked_then(raw_body, pipelined=True):
    """A chunked POST whose body is raw_body (bytes), then a request for
    /admin/secret in the same packet."""
    def build(p):
        h = head(p, "POST", "/", "Transfer-Encoding: chunked")
        return h + raw_body + smug(p, kind="request" if pipelined else "smuggled")
    return build


def cl_te(p):
    s = smug(p)
    body = ZERO + s
    return head(p, "POST", "/", "Content-Length: %d" % len(body),
                "Transfer-Encoding: chunked") + body


def h2c(p):
    h = head(p, "GET", "/", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA",
             "Connection: Upgrade, HTTP2-Settings")
    return h + b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + smug(p)


def h2c_bare(p):
    """h2c without HTTP2-Settings: a proxy that drops the fields named in
    Connection but keeps Upgrade lets a lax h2c server switch."""
    h = head(p, "GET", "/", "Upgrade: h2c", "Connection: Upgrade")
    return h + b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + smug(p)


def pipeline3(p):
    return b"".join(head(p, "GET", "/n%d" % i) for i in range(3))


OK, SAFE, REJECT = "ok", "safe", "reject"


class T:
    """One trick.  expect: OK (every request answered 2xx and seen once by
    the backend), SAFE (answered, any status below 500), REJECT (the first
    answer's status is in `statuses`, the connection is closed and nothing
    reaches the backend).  forbid: (field, substring) pairs the backend must
    never see.  want: the statuses of the answers, in order.  check:
    f(records, responses) -> problems."""

    def __init__(self, name, build, expect=SAFE, statuses=(400,), forbid=(), want=None,
                 check=None):
        self.name, self.build, self.expect = name, build, expect
        self.statuses, self.forbid, self.want, self.check = statuses, forbid, want, check


def saw_admin_user(records, responses):
    ok = [r for r in records if r.kind == "request" and r.path.startswith("/admin/")
          and r.header_all("x-remote-user") == [USER]]
    return [] if ok else ["the backend never saw /admin/... with X-Remote-User: %s" % USER]


def saw_body(want):
    def check(records, responses):
        bodies = [r.body for r in records if r.kind == "request"]
        return [] if want in bodies else ["no request arrived with body %r: %r" % (want, bodies)]
    return check


def no_trailer(*names):
    def check(records, responses):
        out = []
        for r in records:
            for k, v in r.trailers:
                if norm_name(k) in names:
                    out.append("trailer %s: %s reached the backend (conn %d #%d)"
                               % (k, v, r.conn, r.n))
        return out
    return check


TE = "Transfer-Encoding: "
# The Transfer-Encoding spellings of the TE.TE tricks: (id, field lines,
# expected without Content-Length).  With a Content-Length every one is a
# request with both, which is malformed.
TE_SPELLINGS = [
    ("chunked+identity", [TE + "chunked", TE + "identity"], REJECT),
    ("odd-whitespace", [TE + "   chunked \t "], SAFE),
    ("vtab", [TE + "\x0bchunked"], REJECT),
    ("xchunked", [TE + "xchunked"], REJECT),
    ("chunked,identity", [TE + "chunked, identity"], REJECT),
    ("identity,chunked", [TE + "identity, chunked"], SAFE),
    (",chunked", [TE + ",chunked"], SAFE),
    ("chunked,", [TE + "chunked,"], SAFE),
    ("tab", ["Transfer-Encoding:\tchunked"], SAFE),
    ("space-before-colon", ["Transfer-Encoding : chunked"], REJECT),
    ("obs-fold-value", ["Transfer-Encoding:\r\n chunked"], REJECT),
    ("obs-fold-name", ["X-Fold: x\r\n Transfer-Encoding: chunked"], REJECT),
    ("chunked-twice", [TE + "chunked", TE + "chunked"], SAFE),
]

PATHS = [
    "/%61dmin/x", "//admin/x", "/./admin/x", "/x/../admin/x", "/admin%2fx", "/admin%2Fx",
    "/app/..%2Fadmin/x", "/app/..%2fadmin", "/app%2F..%2Fadmin/x", "/admin;x/y",
    "/app/..;/admin/x", "/%2e%2e/admin", "/.%2e/admin", "/admin%5cx", "/app\\..\\admin",
    "/admin%00", "/ADMIN", "/%2561dmin/x", "/admin/../admin/x",
    "/%61pi/x", "//api/x", "/app/..%2Fapi/x", "/api;x/y", "/app/..;/api", "/api%2fx",
]

TRICKS = [
    # The control group: ordinary requests that must work.
    T("control plain GET", get("/"), OK),
    T("control admin with credentials", get("/admin/x", auth=True), OK, check=saw_admin_user),
    T("control chunked POST", post(["Transfer-Encoding: chunked"],
                                   chunk(b"hello ") + chunk(b"world") + ZERO), OK,
      check=saw_body(b"hello world")),
    T("control sized POST", post(["Content-Length: {len}"], b"hello"), OK,
      check=saw_body(b"hello")),
    T("control pipeline of 3", pipeline3, OK),
] + [
    T("path " + t, get(t)) for t in PATHS
] + [
    T("path absolute-form", get("http://app.test/admin/x")),
    T("path absolute-form other host", get("http://other.test/admin/x")),
    T("path absolute-form api", get("http://app.test/api/x")),
    # Framing.
    T("CL.TE", cl_te, REJECT),
    T("TE.CL", te_cl([TE + "chunked"]), REJECT),
] + [
    T("TE.CL " + name, te_cl(fields), REJECT) for name, fields, _ in TE_SPELLINGS
] + [
    T("TE " + name, te_only(fields), exp) for name, fields, exp in TE_SPELLINGS
] + [
    T("Connection: transfer-encoding", te_only(["Connection: transfer-encoding", TE + "chunked"])),
    T("Connection: content-length", post(["Connection: content-length", "Content-Length: {len}"],
                                         lambda p: smug(p))),
    T("Connection: host", get("/", "Connection: host")),
    T("CL twice identical", post(["Content-Length: {len}", "Content-Length: {len}"],
                                 lambda p: (b"hello", smug(p, kind="request"))),
      check=saw_body(b"hello")),
    T("CL list 5, 5", post(["Content-Length: {len}, {len}"],
                           lambda p: (b"hello", smug(p, kind="request")))),
    T("CL differing", post(["Content-Length: 5", "Content-Length: 6"], b"hello!"), REJECT),
    T("CL +5", post(["Content-Length: +{len}"], b"hello"), REJECT),
    T("CL -1", post(["Content-Length: -1"], b"hello"), REJECT),
    T("CL 0x5", post(["Content-Length: 0x5"], b"hello"), REJECT),
    T("chunk bare LF after data", chunked_then(b"5\r\nhello\n" + ZERO)),
    T("chunk bare LF in size line", chunked_then(b"5\nhello\r\n" + ZERO)),
    T("chunk bare LF in extension", chunked_then(b"5;ext\nhello\r\n" + ZERO)),
    T("chunk extension then request", chunked_then(b"5;a=b;c=\"d\"\r\nhello\r\n0;e\r\n\r\n"),
      want=[200, 401]),
    T("chunk long extension", chunked_then(b"5;" + b"x" * 200 + b"\r\nhello\r\n" + ZERO)),
    T("chunk size '5 x'", chunked_then(b"5 x\r\nhello\r\n" + ZERO), REJECT),
    T("chunk size '0x5'", chunked_then(b"0x5\r\nhello\r\n" + ZERO), REJECT),
    T("chunk size '5;'", chunked_then(b"5;\r\nhello\r\n" + ZERO)),
    T("chunk size ' 5'", chunked_then(b" 5\r\nhello\r\n" + ZERO), REJECT),
    T("chunk size '+5'", chunked_then(b"+5\r\nhello\r\n" + ZERO), REJECT),
    T("chunk size 2^64", chunked_then(b"10000000000000000\r\nhello\r\n" + ZERO), REJECT),
    T("chunk size 2^64+5", chunked_then(b"10000000000000005\r\nhello\r\n" + ZERO), REJECT),
    T("chunk size 2^63", chunked_then(b"8000000000000000\r\nhello\r\n" + ZERO), (REJECT),
      statuses=(400, 413)),
    T("chunk data longer than size", chunked_then(b"3\r\nhello\r\n" + ZERO), REJECT),
    T("chunk smuggled in unterminated data", post(
        [TE + "chunked"], lambda p: b"5\r\nhello" + smug(p) + b"\r\n" + ZERO), REJECT),
    T("smuggled after 0 CRLF CRLF", chunked_then(chunk(b"hello") + ZERO), want=[200, 401]),
    T("smuggled api after 0 CRLF CRLF",
      lambda p: head(p, "POST", "/", TE + "chunked") + ZERO + smug(p, "/api/x", kind="request"),
      want=[200, 403]),
    T("trailer Host", chunked_then(chunk(b"hello") + b"0\r\nHost: evil.test\r\n\r\n"),
      forbid=[("host", "evil.test")], check=no_trailer("host")),
    T("trailer Content-Length", chunked_then(chunk(b"hello") + b"0\r\nContent-Length: 99\r\n\r\n"),
      check=no_trailer("content-length")),
    T("trailer Transfer-Encoding",
      chunked_then(chunk(b"hello") + b"0\r\nTransfer-Encoding: chunked\r\n\r\n"),
      check=no_trailer("transfer-encoding")),
    T("trailer X-Remote-User",
      chunked_then(chunk(b"hello") + b"0\r\nX-Remote-User: root\r\n\r\n"),
      check=no_trailer("x-remote-user")),
    T("trailer X-Probe", chunked_then(chunk(b"hello") + b"0\r\nX-Probe: forged\r\n\r\n")),
    T("bare CR in field", get("/", "X-A: a\rTransfer-Encoding: chunked"), REJECT),
    T("NUL in field", get("/", "X-A: a\x00b"), REJECT),
    T("two Host fields", get("/", "Host: evil.test"), REJECT),
    T("no Host", get("/", host=None), REJECT),
    T("Host with path", get("/", host="app.test/admin"), REJECT),
    T("Upgrade h2c then preface", h2c),
    T("Upgrade h2c without settings", h2c_bare),
    T("Upgrade h2c on admin", get("/admin/x", "Upgrade: h2c", "Connection: Upgrade"), want=[401]),
    # Identity headers from a client that is no trusted proxy.
    T("client X_Remote_User", get("/", "X_Remote_User: root")),
    T("client X-Remote-User", get("/", "X-Remote-User: root")),
    T("client x-remote-user", get("/", "x-remote-user: root")),
    T("client X-Remote-User on admin", get("/admin/x", "X-Remote-User: root"), want=[401]),
    T("client X_Remote_User with credentials", get("/admin/x", "X_Remote_User: root", auth=True),
      check=saw_admin_user),
    T("client X-Remote-User with credentials", get("/admin/x", "X-Remote-User: root", auth=True),
      check=saw_admin_user),
    T("client Forwarded", get("/", "Forwarded: for=1.2.3.4;host=evil"),
      forbid=[("forwarded", "evil"), ("forwarded", "1.2.3.4")]),
    T("client X-Forwarded-Port", get("/", "X-Forwarded-Port: 1"), forbid=[("x-forwarded-port", "1")]),
    T("client X-Forwarded-Prefix", get("/", "X-Forwarded-Prefix: /admin"),
      forbid=[("x-forwarded-prefix", "/admin")]),
    T("client X-Forwarded-For", get("/", "X-Forwarded-For: 1.2.3.4"),
      forbid=[("x-forwarded-for", "1.2.3.4")]),
    T("client X-Real-IP", get("/", "X-Real-IP: 1.2.3.4"), forbid=[("x-real-ip", "1.2.3.4")]),
    T("client X-Forwarded-Host", get("/", "X-Forwarded-Host: evil.test"),
      forbid=[("x-forwarded-host", "evil.test")]),
    T("client X-Forwarded-Proto", get("/", "X-Forwarded-Proto: https"),
      forbid=[("x-forwarded-proto", "https")]),
]


# -- the client ------------------------------------------------------------------

class Closed(Exception):
    pass


class Resp:
    def __init__(self):
        self.status = 0
        self.headers = []
        self.body = b""
        self.raw = b""
        self.framing = []   # problems with how frontdoor framed it
        self.trailers = []

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __repr__(self):
        return "%d %r" % (self.status, self.body[:120])


class Client:
    """A raw client socket whose every read has a deadline."""

    def __init__(self, port, source):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=ANSWER_S,
                                             source_address=(source, 0))
        self.buf = b""
        self.seen = b""       # every byte received
        self.closed = False

    def close(self):
        self.sock.close()

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            self.closed = True

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
            raise Closed()
        self.buf += data
        self.seen += data

    def _line(self, deadline):
        while b"\r\n" not in self.buf:
            if len(self.buf) > 1 << 20:
                raise AssertionError("no CRLF in a megabyte from frontdoor")
            self._fill(deadline)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n, deadline):
        while len(self.buf) < n:
            self._fill(deadline)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, timeout, head_only=False):
        """One response (1xx skipped); None on timeout; raises Closed."""
        deadline = time.monotonic() + timeout
        r = Resp()
        try:
            while True:
                status = self._line(deadline)
                m = re.match(rb"^HTTP/1\.[01] (\d{3}) ", status + b" ")
                if not m:
                    raise AssertionError("frontdoor's status line %r" % status[:100])
                r.status = int(m.group(1))
                r.headers = []
                while True:
                    line = self._line(deadline)
                    if not line:
                        break
                    if b"\n" in line or b":" not in line:
                        r.framing.append("bad field line %r" % line[:80])
                        continue
                    k, v = line.split(b":", 1)
                    r.headers.append((k.decode("latin-1"), v.strip().decode("latin-1")))
                if r.status >= 200 or r.status == 101:
                    break
            if head_only or r.status in (101, 204, 304):
                return r
            cl, te = r.header_all("content-length"), r.header_all("transfer-encoding")
            if len(cl) > 1:
                r.framing.append("%d Content-Length fields %r" % (len(cl), cl))
            if cl and te:
                r.framing.append("both Content-Length %r and Transfer-Encoding %r" % (cl, te))
            if te:
                if [t.strip().lower() for t in ",".join(te).split(",")] != ["chunked"]:
                    r.framing.append("Transfer-Encoding %r" % te)
                r.body = self._chunked(r, deadline)
            elif cl:
                if not re.match(r"^\d+$", cl[0]):
                    r.framing.append("Content-Length %r" % cl[0])
                    return r
                r.body = self._exact(int(cl[0]), deadline)
            else:
                try:
                    while True:
                        self._fill(deadline)
                except Closed:
                    r.body, self.buf = self.buf, b""
            return r
        except socket.timeout:
            return None

    def _chunked(self, r, deadline):
        body = []
        while True:
            line = self._line(deadline)
            if not re.match(rb"^[0-9a-fA-F]{1,16}$", line):
                r.framing.append("chunk line %r (not bare hex)" % line[:60])
            n = int(re.match(rb"^\s*([0-9a-fA-F]*)", line).group(1) or b"0", 16)
            if n == 0:
                break
            body.append(self._exact(n, deadline))
            end = self._exact(2, deadline)
            if end != b"\r\n":
                r.framing.append("chunk data followed by %r" % end)
        while True:
            line = self._line(deadline)
            if not line:
                break
            name = line.split(b":", 1)[0].decode("latin-1")
            r.trailers.append(line.decode("latin-1"))
            if norm_name(name) in ("content-length", "transfer-encoding", "host",
                                   "set-cookie", "content-type", "trailer",
                                   "authorization", "x-remote-user"):
                r.framing.append("trailer %r passed to the client" % line[:80])
        return b"".join(body)


def read_answers(c, n):
    """Up to n responses: the first within ANSWER_S, later ones within
    NEXT_S each.  Returns (responses, problems)."""
    out, problems = [], []
    for i in range(max(n, 1)):
        try:
            r = c.response(ANSWER_S if i == 0 else NEXT_S)
        except Closed:
            break
        except AssertionError as e:
            problems.append(str(e))
            break
        if r is None:
            if i == 0:
                problems.append("(d) no complete answer within %gs and the connection stays "
                                "open; received so far %r" % (ANSWER_S, c.seen[-300:]))
            break
        out.append(r)
        if r.status == 101:
            break
    return out, problems


# -- fixtures ---------------------------------------------------------------------

def start_frontdoor(d, routes):
    fd = Frontdoor(d, routes, {"ban_after": 0})
    fd.start()
    return fd


@pytest.fixture(scope="module")
def moddir():
    d = tempfile.mkdtemp(prefix="fd-diff-")
    os.chmod(d, 0o777)
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def users(moddir):
    p = subprocess.run(["htpasswd", "-nbB", "-C", "5", USER, PASSWORD],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    path = moddir / "users.htpasswd"
    path.write_text(p.stdout.strip() + "\n")
    os.chmod(path, 0o644)
    return str(path)


@pytest.fixture(scope="module")
def families(moddir, users):
    """family -> (frontdoord, backend): one pair per family, for the module."""
    pairs = {}
    try:
        for fam in FAMILIES:
            b = RawBackend(fam).start()
            d = moddir / fam
            d.mkdir()
            os.chmod(d, 0o777)
            fd = start_frontdoor(d, {
                "app": {"path": "/", "backends": b.addr},
                "admin": {"path": "/admin", "backends": b.addr, "auth_file": users},
                "api": {"path": "/api", "backends": b.addr, "deny": "127.0.0.0/8"},
            })
            pairs[fam] = (fd, b)
        yield pairs
    finally:
        problems = []
        for fam, (fd, b) in pairs.items():
            problems += ["%s: %s" % (fam, p) for p in fd.stop()]
            b.stop()
        if problems:
            pytest.fail("frontdoord teardown:\n" + "\n".join(problems), pytrace=False)


# -- judging --------------------------------------------------------------------

def judge_records(trick, probes, records):
    problems = []
    seen = {}
    for r in records:
        where = "backend saw " + r.describe()
        if r.kind == "error":
            problems.append("(a) the backend could not parse what frontdoor sent: " + where)
            continue
        if r.kind == "tunnel":
            problems.append("(a) frontdoor opened a tunnel for a non-WebSocket upgrade: " + where)
            continue
        ps = r.probes()
        if not ps:
            problems.append("(a) a request without a probe id: " + where)
        if len(ps) > 1:
            problems.append("(a) one request carrying probes %r (requests merged): %s" % (ps, where))
        authed = False
        for pid in ps:
            info = probes.info.get(pid)
            if info is None:
                problems.append("(a) unknown probe %r: %s" % (pid, where))
                continue
            if info["kind"] == "smuggled":
                problems.append("(a) SMUGGLED request arrived (it was inside a body): " + where)
            if pid in seen:
                problems.append("(a) probe %s arrived twice: %s" % (pid, where))
            seen[pid] = r
            if info["method"] and r.method != info["method"]:
                problems.append("(a) method %r where the client sent %r: %s"
                                % (r.method, info["method"], where))
            authed = authed or info["authed"]
        # (b) the gates, in this backend's own reading of the path.
        users_seen = [(k, v) for k, v in r.headers if norm_name(k) == "x-remote-user"]
        gated_ok = authed and users_seen == [("X-Remote-User", USER)]
        if users_seen and not gated_ok:
            problems.append("(b) X-Remote-User not set by frontdoor reached the backend %r: %s"
                            % (users_seen, where))
        if (r.path == "/admin" or r.path.startswith("/admin/")) and not gated_ok:
            problems.append("(b) GATE BYPASS: the backend reads the path as %r (under /admin) "
                            "and it came without frontdoor's X-Remote-User: %s" % (r.path, where))
        if r.path == "/api" or r.path.startswith("/api/"):
            problems.append("(b) GATE BYPASS: the backend reads the path as %r (under /api, "
                            "denied to 127.0.0.0/8) and it arrived: %s" % (r.path, where))
        for name, sub in trick.forbid:
            for k, v in r.headers + r.trailers:
                if norm_name(k) == name and sub in v:
                    problems.append("the client's %s (%r) reached the backend: %s" % (k, v, where))
    return problems, seen


def run_trick(fd, backend, trick):
    """Attack, victim, the attacker's next request; returns problems and a
    report of what happened."""
    backend.drop_connections()
    time.sleep(0.05)
    backend.take()
    p = Probes(trick.name)
    data = trick.build(p)
    problems = []
    att = Client(fd.port, ATTACKER)
    vic = None
    try:
        att.send(data)
        answers, pr = read_answers(att, len(p.requests()))
        problems += pr
        secret = "victim-" + secrets.token_hex(8)
        vic = Client(fd.port, VICTIM)
        vpid = p.new("victim", "GET", "/victim")
        vic.send(("GET /victim HTTP/1.1\r\nHost: app.test\r\nX-Probe: %s\r\n"
                  "Cookie: session=%s\r\n\r\n" % (vpid, secret)).encode())
        vans, pr = read_answers(vic, 1)
        problems += ["victim: " + x for x in pr]
        follow = None
        if not att.closed and not any(a.status == 101 for a in answers):
            fpid = p.new("follow", "GET", "/after")
            att.send(("GET /after HTTP/1.1\r\nHost: app.test\r\nX-Probe: %s\r\n\r\n"
                      % fpid).encode())
            try:
                follow = att.response(ANSWER_S)
            except (Closed, AssertionError):
                follow = "closed"
            if follow is None:
                problems.append("(d) the attacker's next request got no answer within %gs"
                                % ANSWER_S)
        closed_after_first = att.closed or follow == "closed"
    finally:
        att.close()
        if vic:
            vic.close()
    time.sleep(0.05)
    records = backend.take()
    rp, seen = judge_records(trick, p, records)
    problems += rp
    # (c) responses to the right clients.
    if not vans:
        problems.append("(c) the victim got no answer")
    else:
        v = vans[0]
        j = v.json()
        if v.status != 200 or not j or j.get("probes") != [vpid]:
            problems.append("(c) the victim's answer is not for its own request: %d %r"
                            % (v.status, v.body[:300]))
    if secret.encode() in att.seen:
        problems.append("(c) the attacker received the victim's cookie: %r" % att.seen[:600])
    got = answers + ([follow] if isinstance(follow, Resp) else [])
    own = [x for x, i in p.info.items() if i["kind"] in ("request", "follow")]
    pos = 0
    for a in got:
        j = a.json() if a.status == 200 else None
        if a.framing:
            problems.append("frontdoor's answer is badly framed: %r" % a.framing)
        if a.status >= 500:
            problems.append("(d) frontdoor answered %d: %r" % (a.status, a.body[:200]))
        if isinstance(j, dict) and "probes" in j:
            ps = j["probes"]
            if len(ps) != 1 or ps[0] not in own[pos:]:
                problems.append("(c) the attacker got an answer for %r, not for its own next "
                                "request: %r" % (ps, a.body[:300]))
            else:
                pos = own.index(ps[0]) + 1
    statuses = [a.status for a in answers]
    if trick.expect == OK:
        if len(answers) != len(p.requests()) or any(not 200 <= s < 300 for s in statuses):
            problems.append("control: wanted %d answers 2xx, got %r"
                            % (len(p.requests()), statuses))
        for pid in p.requests():
            if pid not in seen:
                problems.append("control: request %s never reached the backend" % pid)
    elif trick.expect == REJECT:
        if not statuses or statuses[0] not in trick.statuses:
            problems.append("(d) malformed: wanted %s and a close, got %r"
                            % ("/".join(map(str, trick.statuses)), statuses))
        elif not closed_after_first:
            problems.append("(d) malformed: answered %d but kept the connection open"
                            % statuses[0])
        leaked = [x for x in p.info if x in seen and p.info[x]["kind"] == "request"]
        if leaked:
            problems.append("(d) malformed, yet the backend got it: "
                            + "; ".join(seen[x].describe() for x in leaked))
    if trick.want is not None and statuses != trick.want:
        problems.append("wanted answers %r, got %r" % (trick.want, statuses))
    if trick.check:
        problems += trick.check(records, answers)
    if not fd.alive():
        problems.append("frontdoord died; stderr tail:\n" + fd.stderr()[-2000:])
    report = ["sent: %r" % data[:1200],
              "frontdoor answered the attacker: %r" % [(a.status, a.body[:160]) for a in got],
              "backend records:"] + ["  " + r.describe() for r in records]
    return problems, report


def case_id(t):
    return re.sub(r"\s+", "_", t.name)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("trick", TRICKS, ids=case_id)
def test_trick(families, family, trick):
    fd, backend = families[family]
    problems, report = run_trick(fd, backend, trick)
    if problems:
        pytest.fail("trick %r against the %s backend:\n  %s\n%s" % (
            trick.name, family, "\n  ".join(problems), "\n".join(report)), pytrace=False)


# -- the response direction ------------------------------------------------------

def resp(*fields, body=b""):
    return ("HTTP/1.1 200 OK\r\n" + "".join(f + "\r\n" for f in fields) + "\r\n").encode() + body


# name -> (raw response, what the client may get: "502" only, or "either"
# 502 or a clean response with body b"hello").
LIES = {
    "dup-cl": (resp("Content-Length: 5", "Content-Length: 5", body=b"hello"), "either"),
    "cl-list": (resp("Content-Length: 5, 5", body=b"hello"), "either"),
    "cl-differ": (resp("Content-Length: 5", "Content-Length: 6", body=b"hello!"), "502"),
    "cl-plus": (resp("Content-Length: +5", body=b"hello"), "502"),
    "cl-and-te": (resp("Content-Length: 100", "Transfer-Encoding: chunked",
                       body=b"5\r\nhello\r\n0\r\n\r\n"), "either"),
    "te-identity-chunked": (resp("Transfer-Encoding: identity, chunked",
                                 body=b"5\r\nhello\r\n0\r\n\r\n"), "either"),
    "te-chunked-identity": (resp("Transfer-Encoding: chunked, identity",
                                 body=b"5\r\nhello\r\n0\r\n\r\n"), "either"),
    "te-twice": (resp("Transfer-Encoding: chunked", "Transfer-Encoding: chunked",
                      body=b"5\r\nhello\r\n0\r\n\r\n"), "either"),
    "bare-lf-chunks": (resp("Transfer-Encoding: chunked", body=b"5\nhello\n0\n\n"), "either"),
    "trailers": (resp("Transfer-Encoding: chunked", "Trailer: Content-Length, Set-Cookie",
                      body=b"5\r\nhello\r\n0\r\nContent-Length: 99\r\nSet-Cookie: evil=1\r\n"
                           b"Transfer-Encoding: chunked\r\nX-Fine: 1\r\n\r\n"), "either"),
    "chunk-ext": (resp("Transfer-Encoding: chunked",
                       body=b"5;ext=\"v\"\r\nhello\r\n0;last=1\r\n\r\n"), "either"),
    "chunk-size-0x": (resp("Transfer-Encoding: chunked",
                           body=b"0x5\r\nhello\r\n0\r\n\r\n"), "502"),
    "extra-response": (resp("Content-Length: 5", body=b"hello")
                       + resp("Content-Length: 8", body=b"SMUGGLED"), "either"),
    "obs-fold": (resp("X-A: a", " Content-Length: 3", "Content-Length: 5", body=b"hello"),
                 "either"),
}


@pytest.fixture(scope="module")
def liar(moddir):
    b = LyingBackend({k: v[0] for k, v in LIES.items()}).start()
    d = moddir / "liar"
    d.mkdir()
    os.chmod(d, 0o777)
    fd = None
    try:
        fd = start_frontdoor(d, {"app": {"path": "/", "backends": b.addr}})
        yield fd, b
    finally:
        problems = fd.stop() if fd else []
        b.stop()
        if problems:
            pytest.fail("frontdoord teardown:\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("lie", sorted(LIES))
def test_lying_backend(liar, lie):
    fd, backend = liar
    backend.drop_connections()
    time.sleep(0.05)
    raw, may = LIES[lie]
    problems = []
    c = Client(fd.port, ATTACKER)
    try:
        c.send(b"GET /lie/%s HTTP/1.1\r\nHost: app.test\r\n\r\n" % lie.encode())
        answers, problems = read_answers(c, 1)
        nxt = None
        if answers and not c.closed:
            c.send(b"GET /next HTTP/1.1\r\nHost: app.test\r\n\r\n")
            try:
                nxt = c.response(ANSWER_S)
            except Closed:
                nxt = None
            except AssertionError as e:
                problems.append(str(e))
    finally:
        c.close()
    if answers:
        a = answers[0]
        if a.status == 502:
            pass
        elif may == "502":
            problems.append("wanted 502, got %d %r" % (a.status, a.body[:100]))
        else:
            if a.status != 200 or a.body != b"hello":
                problems.append("wanted 502 or 200 'hello', got %d %r" % (a.status, a.body[:100]))
            if a.framing:
                problems.append("the backend's framing reached the client: %r" % a.framing)
            if a.header_all("set-cookie"):
                problems.append("a trailer became a header: Set-Cookie %r"
                                % a.header_all("set-cookie"))
        if nxt is not None and (nxt.status != 200 or nxt.body != b"plain:/next"):
            problems.append("the next answer on the connection is not for /next: %d %r"
                            % (nxt.status, nxt.body[:100]))
    with backend.lock:
        asked = [t for _, t in backend.seen]
    if "/lie/" + lie not in asked:
        problems.append("the lying backend was never asked for /lie/%s (it saw %r): the "
                        "answer is not its lie" % (lie, asked[-5:]))
    if not fd.alive():
        problems.append("frontdoord died; stderr tail:\n" + fd.stderr()[-2000:])
    if problems:
        pytest.fail("lying backend %r (sent %r):\n  %s\nthe client received: %r" % (
            lie, raw, "\n  ".join(problems), c.seen[:800]), pytrace=False)
