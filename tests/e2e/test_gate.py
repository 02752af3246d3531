# SPDX-License-Identifier: ISC
"""The gate: basic auth from real htpasswd and openssl output, IP and country
rules, rate limits and bans, driven by real clients from 127.0.0.2 and
127.0.0.3 (loopback source addresses)."""

import base64
import ctypes
import ctypes.util
import json
import os
import select
import selectors
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from helpers import FRONTDOORD, HttpConn, curl, wait_until
from test_control import Ctl
from test_frontdoor_cli import cli

MAKE_MMDB = Path(__file__).resolve().parent / "make_mmdb.pl"


def basic(user, password):
    raw = user.encode() + b":" + (password if isinstance(password, bytes)
                                 else password.encode())
    return "Basic " + base64.b64encode(raw).decode()


def get(fd, path="/echo", source=None, headers=None, host="app.test"):
    with HttpConn(fd.port, source=source) as c:
        c.request("GET", path, headers=headers, host=host)
        return c.read_response()


def echoed(resp):
    """The request head as the backend saw it: {lower name: [values]}."""
    out = {}
    for k, v in resp.json()["headers"]:
        out.setdefault(k.lower(), []).append(v)
    return out


def htpasswd(*args):
    p = subprocess.run(["htpasswd"] + list(args), capture_output=True, text=True)
    assert p.returncode == 0, "htpasswd %s: %s" % (args, p.stderr)
    return p.stdout.strip()


def openssl_passwd(*args):
    p = subprocess.run(["openssl", "passwd"] + list(args), capture_output=True, text=True)
    assert p.returncode == 0, "openssl passwd %s: %s" % (args, p.stderr)
    return p.stdout.strip()


def yescrypt(password):
    """A yescrypt hash from the system's libcrypt (what mkpasswd and
    passwd(1) make on Debian)."""
    lib = ctypes.CDLL(ctypes.util.find_library("crypt") or "libcrypt.so.1")
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    setting = lib.crypt_gensalt(b"$y$", 0, None, 0)
    assert setting, "libcrypt cannot make a yescrypt setting"
    h = lib.crypt(password.encode(), setting).decode()
    assert h.startswith("$y$"), h
    return h


def write(path, text, mode=0o644):
    Path(path).write_text(text)
    os.chmod(path, mode)
    return str(path)


def ctl(fd):
    return Ctl(fd.dir / "control.sock")


def route_stats(fd, name):
    c = ctl(fd)
    try:
        ok, routes = c.cmd("routes")
        assert ok, routes
        return next(r for r in routes if r["name"] == name)
    finally:
        c.close()


# -- basic auth --------------------------------------------------------------

def users_file(workdir):
    """One user per hash format, each made by the real tool."""
    bcrypt = htpasswd("-nbB", "-C", "5", "bcrypt", "pw-bcrypt").split(":", 1)[1]
    lines = [
        "bcrypt:" + bcrypt,                                  # $2y$
        # $2b$ and $2a$: the same bcrypt under its other prefixes.
        "bcrypt2b:$2b$" + htpasswd("-nbB", "-C", "5", "x", "pw-2b").split("$2y$", 1)[1],
        "bcrypt2a:$2a$" + htpasswd("-nbB", "-C", "5", "x", "pw-2a").split("$2y$", 1)[1],
        htpasswd("-nbm", "apr1", "pw-apr1"),                 # $apr1$
        htpasswd("-nb2", "sha256", "pw-sha256"),             # $5$
        htpasswd("-nb5", "sha512", "pw-sha512"),             # $6$
        htpasswd("-nbs", "sha1", "pw-sha1"),                 # {SHA}
        "osslmd5:" + openssl_passwd("-1", "pw-md5"),         # $1$
        "osslapr1:" + openssl_passwd("-apr1", "pw-oapr1"),
        "ossl5:" + openssl_passwd("-5", "pw-o5"),
        "ossl6:" + openssl_passwd("-6", "pw-o6"),
        "yes:" + yescrypt("pw-yes"),                         # $y$
        "# a comment line, and an empty one",
        "",
    ]
    return write(workdir / "users.htpasswd", "\n".join(lines) + "\n")


PASSWORDS = {
    "bcrypt": "pw-bcrypt", "bcrypt2b": "pw-2b", "bcrypt2a": "pw-2a",
    "apr1": "pw-apr1", "sha256": "pw-sha256", "sha512": "pw-sha512",
    "sha1": "pw-sha1", "osslmd5": "pw-md5", "osslapr1": "pw-oapr1",
    "ossl5": "pw-o5", "ossl6": "pw-o6", "yes": "pw-yes",
}


@pytest.fixture
def authfd(start_fd, backend, workdir):
    users = users_file(workdir)
    fd = start_fd({
        "private": {"path": "/", "backends": backend.addr,
                    "auth_file": users, "auth_realm": "Home Lab"},
        "open": {"path": "/open", "backends": backend.addr},
    }, main={"ban_after": 0})
    return fd


def test_every_hash_format_from_real_tools(authfd):
    for user, pw in PASSWORDS.items():
        r = get(authfd, "/echo", headers={"Authorization": basic(user, pw)})
        assert r.status == 200, "%s: %r\n%s" % (user, r, authfd.stderr()[-2000:])
        seen = echoed(r)
        assert seen.get("x-remote-user") == [user], (user, seen)
        assert "authorization" not in seen, "the password went to the backend: %r" % seen
        r = get(authfd, "/echo", headers={"Authorization": basic(user, pw + "x")})
        assert r.status == 401, "%s with a wrong password: %r" % (user, r)
    assert authfd.wait_stderr(r'users\.htpasswd:\d+: user "sha1": \{SHA\}'), \
        "no warning for the {SHA} entry"



def test_user_name_cannot_forge_log_words(authfd):
    # The name is the client's: in the error log it is one quoted word,
    # with no byte that could pose as more of the line or move a terminal.
    user = 'x client 198.51.100.7 banned\u009b31m"q\\'
    r = get(authfd, "/echo", headers={"Authorization": basic(user, "pw")})
    assert r.status == 401, r
    assert authfd.wait_stderr(
        r'wrong credentials for user "x\\x20client\\x20198\.51\.100\.7'
        r'\\x20banned\\xc2\\x9b31m\\x22q\\x5c"$'.replace("$", r"\n")), \
        authfd.stderr()[-1000:]
    raw = authfd.stderr_path.read_bytes()
    assert b"\xc2\x9b" not in raw and b"198.51.100.7 banned" not in raw



def test_password_flood_leaves_pool_threads_for_the_log(start_fd, backend, workdir):
    # Wrong passwords against a slow hash queue up; the checks take only
    # their share of the thread pool, so the access log is still written.
    users = write(workdir / "u.htpasswd", htpasswd("-nbB", "-C", "13", "ann", "pw") + "\n")
    fd = start_fd({"private": {"path": "/", "backends": backend.addr, "auth_file": users},
                   "open": {"path": "/open", "backends": backend.addr}},
                  main={"ban_after": 0})
    req = ("GET / HTTP/1.1\r\nHost: app.test\r\nAuthorization: %s\r\n\r\n"
           % basic("ann", "nope")).encode()
    socks = []
    try:
        for _ in range(40):
            s = socket.create_connection(("127.0.0.1", fd.port))
            s.sendall(req)
            socks.append(s)
        time.sleep(0.5)
        assert get(fd, "/open/echo").status == 200
        assert wait_until(lambda: any("/open/echo" in l for l in fd.access_lines()), 2), \
            "the access log waited behind the password checks"
    finally:
        for s in socks:
            s.close()

def test_401_on_missing_wrong_malformed_and_nul(authfd):
    r = get(authfd, "/echo")
    assert r.status == 401, r
    assert r.header("WWW-Authenticate") == 'Basic realm="Home Lab", charset="UTF-8"', r.headers
    bad = [
        basic("bcrypt", "wrong"),
        basic("nobody", "pw-bcrypt"),
        "Basic !!!notbase64!!!",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Basic " + base64.b64encode(b"bcrypt:pw-bcrypt").decode()[:-2],  # cut
        "Bearer abc.def",
        "Basic",
        basic("", "pw-bcrypt"),
        # NUL bytes: after a correct password, and inside one.
        basic("sha1", b"pw-sha1\x00junk"),
        basic("bcrypt", b"pw-bcrypt\x00"),
        basic("apr1", b"pw-\x00apr1"),
        basic("x" * 300, "long user"),
        basic("bcrypt", "p" * 5000),
    ]
    for value in bad:
        r = get(authfd, "/echo", headers={"Authorization": value})
        assert r.status == 401, "%r: %r" % (value[:60], r)
        assert r.header("WWW-Authenticate", ) is not None, value
    # Two Authorization headers: refused, even when one is right.
    r = get(authfd, "/echo", headers=[("Authorization", basic("bcrypt", "pw-bcrypt")),
                                      ("Authorization", basic("bcrypt", "pw-bcrypt"))])
    assert r.status == 401, r
    st = route_stats(authfd, "private")
    assert st["denied"]["auth"] >= len(bad) + 2, st["denied"]
    assert st["status"]["5xx"] == 0, st


def test_client_x_remote_user_never_reaches_backend(authfd):
    r = get(authfd, "/open/echo", headers={"X-Remote-User": "admin",
                                           "x-remote-user": "root"})
    assert r.status == 200, r
    assert "x-remote-user" not in echoed(r), echoed(r)
    r = get(authfd, "/echo", headers={"Authorization": basic("apr1", "pw-apr1"),
                                      "X-Remote-User": "admin"})
    assert r.status == 200 and echoed(r)["x-remote-user"] == ["apr1"], echoed(r)
    # A route without auth_file passes Authorization on: it is the app's.
    r = get(authfd, "/open/echo", headers={"Authorization": "Bearer app-token"})
    assert echoed(r)["authorization"] == ["Bearer app-token"], echoed(r)


def test_plain_text_refused_by_check_and_reload(start_fd, backend, workdir):
    good = write(workdir / "good.htpasswd", htpasswd("-nbB", "-C", "5", "ann", "pw") + "\n")
    fd = start_fd({"app": {"backends": backend.addr, "auth_file": good}})
    assert get(fd, "/echo", headers={"Authorization": basic("ann", "pw")}).status == 200
    bad = write(workdir / "bad.htpasswd",
                htpasswd("-nbB", "-C", "5", "ann", "pw") + "\nbob:plaintext\n")
    text = fd.config_path.read_text().replace(good, bad)
    other = write(workdir / "check.ini", text)
    p = subprocess.run([FRONTDOORD, "-t", "-c", other], capture_output=True, text=True)
    assert p.returncode != 0, p.stdout
    assert "%s:2: user \"bob\": plain-text" % bad in p.stderr, p.stderr
    # The same file at reload: refused, the running configuration stays.
    fd.reload(text=text)
    assert fd.wait_stderr(r"reload failed"), fd.stderr()[-2000:]
    assert "%s:2:" % bad in fd.stderr()
    assert get(fd, "/echo", headers={"Authorization": basic("ann", "pw")}).status == 200


def test_reload_drops_the_credential_cache(start_fd, backend, workdir):
    path = workdir / "u.htpasswd"
    write(path, htpasswd("-nbB", "-C", "5", "ann", "old") + "\n")
    fd = start_fd({"app": {"backends": backend.addr, "auth_file": str(path)}})
    assert get(fd, "/echo", headers={"Authorization": basic("ann", "old")}).status == 200
    # Cached now; a new password file and a reload must end it at once.
    write(path, htpasswd("-nbB", "-C", "5", "ann", "new") + "\n")
    fd.reload(text=fd.config_path.read_text())
    assert fd.wait_stderr(r"generation 2")
    assert get(fd, "/echo", headers={"Authorization": basic("ann", "old")}).status == 401
    assert get(fd, "/echo", headers={"Authorization": basic("ann", "new")}).status == 200


def test_no_auth_route_answers_while_bcrypt_checks_run(start_fd, backend, workdir):
    """Slow bcrypt checks in flight must not hold the event loop: a request
    to a route without auth, sent after all of them, is answered before any
    of them.  (Were the checks on the loop, the one it took first would be
    answered before the loop could even read the fast request.)"""
    users = write(workdir / "slow.htpasswd",
                  htpasswd("-nbB", "-C", "12", "slow", "pw") + "\n")
    fd = start_fd({"slow": {"path": "/", "backends": backend.addr, "auth_file": users},
                   "fast": {"path": "/fast", "backends": backend.addr}},
                  main={"ban_after": 0})
    conns = []
    for _ in range(8):
        c = HttpConn(fd.port, timeout=60)
        c.request("GET", "/echo", headers={"Authorization": basic("slow", "pw")})
        conns.append(c)
    time.sleep(0.05)  # the daemon has read them: they are being checked
    with HttpConn(fd.port) as c:
        c.request("GET", "/fast/echo")
        assert c.read_response().status == 200
    done = [c for c in conns if select.select([c.sock], [], [], 0)[0]]
    assert not done, ("%d bcrypt check(s) were answered before a later "
                      "no-auth request: checks hold the event loop" % len(done))
    for c in conns:
        assert c.read_response().status == 200
        c.close()


# -- IP rules ----------------------------------------------------------------

def test_allow_and_deny_by_source_address(start_fd, backend):
    fd = start_fd({
        "allowed": {"host": "allow.test", "backends": backend.addr,
                    "allow": "127.0.0.2/32, 10.0.0.0/8"},
        "denied": {"host": "deny.test", "backends": backend.addr,
                   "deny": "127.0.0.3"},
        "both": {"host": "both.test", "backends": backend.addr,
                 "allow": "127.0.0.0/8", "deny": "127.0.0.3/32"},
    })
    assert get(fd, source="127.0.0.2", host="allow.test").status == 200
    assert get(fd, source="127.0.0.3", host="allow.test").status == 403
    assert get(fd, source="127.0.0.2", host="deny.test").status == 200
    assert get(fd, source="127.0.0.3", host="deny.test").status == 403
    assert get(fd, source="127.0.0.2", host="both.test").status == 200
    assert get(fd, source="127.0.0.3", host="both.test").status == 403, "deny must beat allow"
    assert route_stats(fd, "allowed")["denied"]["ip"] == 1
    assert route_stats(fd, "both")["denied"]["ip"] == 1


def test_untrusted_x_forwarded_for_is_not_believed(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr, "allow": "198.51.100.7"}},
                  main={"trusted_proxies": "127.0.0.1/32"})
    xff = {"X-Forwarded-For": "198.51.100.7"}
    # 127.0.0.2 is no trusted proxy: its X-Forwarded-For is a claim.
    r = get(fd, source="127.0.0.2", headers=xff)
    assert r.status == 403, r
    # From the trusted proxy the same header names the client.
    r = get(fd, source="127.0.0.1", headers=xff)
    assert r.status == 200, r
    assert echoed(r)["x-real-ip"] == ["198.51.100.7"]


# -- countries ---------------------------------------------------------------

def make_mmdb(path, *nets):
    p = subprocess.run(["perl", str(MAKE_MMDB), str(path)] + list(nets),
                       capture_output=True, text=True)
    if p.returncode != 0 and "MaxMind/DB/Writer" in p.stderr:
        pytest.fail("libmaxmind-db-writer-perl is missing (scripts/deps.sh check)")
    assert p.returncode == 0, p.stderr
    os.chmod(path, 0o644)
    return str(path)


def test_country_rules_log_stats_events_and_reload(start_fd, backend, workdir):
    db = make_mmdb(workdir / "geo.mmdb", "198.51.100.0/24=DE", "203.0.113.0/24=NL",
                   "127.0.0.3/32=RU")
    routes = {
        "de": {"host": "de.test", "backends": backend.addr, "allow_countries": "de"},
        "nonl": {"host": "nonl.test", "backends": backend.addr, "deny_countries": "NL, RU"},
    }
    main = {"geoip_db": db, "trusted_proxies": "127.0.0.1/32",
            "access_log_format": "json"}
    fd = start_fd(routes, main=main)
    c = ctl(fd)
    assert c.cmd("subscribe")[0]

    def via(client, host):
        return get(fd, host=host, source="127.0.0.1",
                   headers={"X-Forwarded-For": client}).status

    assert via("198.51.100.7", "de.test") == 200
    assert via("203.0.113.9", "de.test") == 403
    assert via("192.0.2.1", "de.test") == 200, "an address the database lacks was blocked"
    assert via("198.51.100.7", "nonl.test") == 200
    assert via("203.0.113.9", "nonl.test") == 403
    # Loopback is never blocked by country, whatever a database says.
    assert get(fd, host="nonl.test", source="127.0.0.3").status == 200
    assert get(fd, host="de.test", source="127.0.0.3").status == 200

    lines = [json.loads(l) for l in fd.wait_access_lines(7)]
    got = [(l["remote_addr"], l["country"], l["status"]) for l in lines]
    assert ("198.51.100.7", "DE", 200) in got and ("203.0.113.9", "NL", 403) in got, got
    assert ("192.0.2.1", "", 200) in got and ("127.0.0.3", "", 200) in got, got
    st = route_stats(fd, "de")
    assert st["countries"] == {"DE": 1, "NL": 1}, st["countries"]
    assert st["denied"]["country"] == 1
    # The live event carries the country too.
    countries = []
    end = time.monotonic() + 10
    while time.monotonic() < end and "NL" not in countries:
        l = c.line()
        if l.startswith("%event "):
            ev = json.loads(l[7:])
            if ev.get("type") == "request":
                countries.append(ev["country"])
    assert "DE" in countries and "NL" in countries, countries
    c.close()
    # SIGHUP reopens the database: DE's network now belongs to NL.
    make_mmdb(workdir / "geo.mmdb", "198.51.100.0/24=NL")
    fd.reload(routes, main)
    assert fd.wait_stderr(r"generation 2")
    assert via("198.51.100.7", "de.test") == 403


def test_country_rules_need_a_database(start_fd, backend, workdir):
    fd = start_fd({"app": {"backends": backend.addr, "deny_countries": "CN"}}, start=False)
    p = subprocess.run([FRONTDOORD, "-t", "-c", str(fd.config_path)],
                       capture_output=True, text=True)
    assert p.returncode != 0 and "deny_countries: country rules need a GeoIP database" in p.stderr, p.stderr
    write(workdir / "junk.mmdb", "not a database")
    fd.write_config({"app": {"backends": backend.addr}},
                    main={"geoip_db": str(workdir / "junk.mmdb")})
    p = subprocess.run([FRONTDOORD, "-t", "-c", str(fd.config_path)],
                       capture_output=True, text=True)
    assert p.returncode != 0 and "geoip_db" in p.stderr and "junk.mmdb" in p.stderr, p.stderr


# -- rate limits -------------------------------------------------------------

def test_rate_limit_burst_429_retry_after_and_recovery(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr, "rate_limit": "1/s", "rate_burst": 3}})
    for i in range(3):
        r = get(fd, source="127.0.0.2")
        assert r.status == 200, "request %d of the burst: %r" % (i + 1, r)
    r = get(fd, source="127.0.0.2")
    assert r.status == 429, r
    retry = r.header("Retry-After")
    assert retry is not None and retry.isdigit() and int(retry) >= 1, r.headers
    # Another client has its own bucket.
    assert get(fd, source="127.0.0.3").status == 200
    # Still limited right away; after Retry-After seconds, one more passes.
    assert get(fd, source="127.0.0.2").status == 429
    time.sleep(int(retry) + 0.1)
    assert get(fd, source="127.0.0.2").status == 200
    assert route_stats(fd, "app")["denied"]["rate"] == 2


def test_rate_limit_spans_keepalive_and_connections(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr, "rate_limit": "60/m"}},
                  main={"workers": 2})
    # 60/m: a burst of one second's worth, at least 1 (= 1 here).
    statuses = []
    with HttpConn(fd.port, source="127.0.0.2") as c:
        for _ in range(3):
            c.request("GET", "/echo")
            statuses.append(c.read_response().status)
    for _ in range(3):
        statuses.append(get(fd, source="127.0.0.2").status)
    assert statuses[0] == 200 and statuses.count(429) >= 4, statuses


# -- bans --------------------------------------------------------------------

def test_ban_after_failures_survives_restart_and_unban(start_fd, backend, workdir):
    users = write(workdir / "u.htpasswd", htpasswd("-nbB", "-C", "5", "ann", "pw") + "\n")
    routes = {"private": {"path": "/", "backends": backend.addr, "auth_file": users},
              "public": {"path": "/public", "backends": backend.addr}}
    main = {"ban_after": 3, "ban_window": "1m", "ban_time": "1h"}
    fd = start_fd(routes, main=main)
    c = ctl(fd)
    assert c.cmd("subscribe")[0]
    wrong = {"Authorization": basic("ann", "nope")}
    right = {"Authorization": basic("ann", "pw")}
    # Asking without credentials is no failure.
    for _ in range(5):
        assert get(fd, source="127.0.0.2").status == 401
    for _ in range(3):
        assert get(fd, source="127.0.0.2", headers=wrong).status == 401
    r = get(fd, source="127.0.0.2", headers=right)
    assert r.status == 403, "the right password passed a banned client: %r" % r
    assert get(fd, "/public/echo", source="127.0.0.2").status == 403, "the ban is for every route"
    assert get(fd, source="127.0.0.3", headers=right).status == 200, "another client was banned"
    # The live event.
    ev = None
    end = time.monotonic() + 10
    while ev is None and time.monotonic() < end:
        l = c.line()
        if l.startswith("%event ") and json.loads(l[7:]).get("type") == "ban":
            ev = json.loads(l[7:])
    assert ev and ev["address"] == "127.0.0.2" and ev["reason"] == "auth failures", ev
    ok, bans = c.cmd("bans")
    assert ok and [b["address"] for b in bans] == ["127.0.0.2"], bans
    assert 3590 <= bans[0]["left"] <= 3600 and bans[0]["until"] > time.time() + 3500, bans
    c.close()
    state = fd.dir / "state.ini"
    assert wait_until(lambda: "ban 127.0.0.2 " in state.read_text() if state.exists() else False, 5), \
        "the ban never reached the state file"

    fd.signal(signal.SIGTERM)
    assert fd.wait_exit() == 0
    fd2 = start_fd(routes, main=main)
    assert get(fd2, source="127.0.0.2", headers=right).status == 403, "the ban did not survive a restart"
    assert get(fd2, source="127.0.0.3", headers=right).status == 200
    assert route_stats(fd2, "private")["denied"]["ban"] == 1

    c = ctl(fd2)
    ok, err = c.cmd("unban 192.0.2.77")
    assert not ok and "no ban for 192.0.2.77" in err, err
    ok, err = c.cmd("unban not-an-address")
    assert not ok and "bad address" in err, err
    ok, rep = c.cmd("unban 127.0.0.2")
    assert ok and rep == [{"address": "127.0.0.2", "unbanned": True, "saved": True}], rep
    ok, bans = c.cmd("bans")
    assert ok and bans == [], bans
    c.close()
    assert "ban 127.0.0.2" not in state.read_text()
    assert get(fd2, source="127.0.0.2", headers=right).status == 200


def test_gate_bans_saved_at_most_every_ten_seconds_and_at_stop(start_fd, backend, workdir):
    # Each save writes the whole table: bans the gate makes are written
    # at once when none was lately, then at most every 10 s, and at stop.
    users = write(workdir / "u.htpasswd", htpasswd("-nbB", "-C", "5", "ann", "pw") + "\n")
    fd = start_fd({"private": {"path": "/", "backends": backend.addr, "auth_file": users}},
                  main={"ban_after": 1, "ban_time": "1h"})
    state = fd.dir / "state.ini"
    wrong = {"Authorization": basic("ann", "nope")}

    def saved(ip):
        return state.exists() and ("ban %s " % ip) in state.read_text()

    assert get(fd, source="127.0.0.2", headers=wrong).status == 401
    assert wait_until(lambda: saved("127.0.0.2"), 5), "the first ban was not saved at once"
    assert get(fd, source="127.0.0.3", headers=wrong).status == 401
    assert get(fd, source="127.0.0.3").status == 403
    time.sleep(3)
    assert not saved("127.0.0.3"), "a second ban within 10 s was saved at once"
    fd.signal(signal.SIGTERM)
    assert fd.wait_exit() == 0
    assert saved("127.0.0.3"), "a ban was lost at stop"


def test_checks_waiting_when_their_client_is_banned_cost_no_hash(start_fd, backend, workdir):
    # Ten wrong passwords at once from one client, ban_after 1: two are
    # checked, the client is banned, the eight waiting get 403 unhashed.
    users = write(workdir / "u.htpasswd", htpasswd("-nbB", "-C", "13", "ann", "pw") + "\n")
    fd = start_fd({"private": {"path": "/", "backends": backend.addr, "auth_file": users}},
                  main={"ban_after": 1, "ban_time": "1h"})
    wrong = ("GET / HTTP/1.1\r\nHost: app.test\r\nAuthorization: %s\r\n\r\n"
             % basic("ann", "nope")).encode()
    conns = [HttpConn(fd.port, source="127.0.0.5", timeout=60) for _ in range(10)]
    try:
        for c in conns:
            c.sock.sendall(wrong)
        statuses = sorted(c.read_response().status for c in conns)
    finally:
        for c in conns:
            c.close()
    assert statuses == [401] * 2 + [403] * 8, statuses


def test_ban_made_while_stopping_is_saved(start_fd, backend, workdir):
    # A slow password check still running at SIGTERM bans during the
    # drain, within 10 s of the last save: written once the workers end.
    users = write(workdir / "u.htpasswd", htpasswd("-nbB", "-C", "13", "ann", "pw") + "\n")
    fd = start_fd({"private": {"path": "/", "backends": backend.addr, "auth_file": users}},
                  main={"ban_after": 1, "ban_time": "1h"})
    state = fd.dir / "state.ini"
    wrong = ("GET / HTTP/1.1\r\nHost: app.test\r\nAuthorization: %s\r\n\r\n"
             % basic("ann", "nope")).encode()
    ok, r = ctl(fd).cmd("ban 192.0.2.50")
    assert ok and r[0]["saved"], r
    with HttpConn(fd.port, source="127.0.0.4") as c:
        c.sock.sendall(wrong)
        time.sleep(0.05)
        fd.signal(signal.SIGTERM)
        assert c.read_response().status == 401
    assert fd.wait_exit() == 0
    assert "ban 127.0.0.4 " in state.read_text(), "a ban made while stopping was lost"


def test_ban_after_zero_never_bans(start_fd, backend, workdir):
    users = write(workdir / "u.htpasswd", htpasswd("-nbB", "-C", "4", "ann", "pw") + "\n")
    fd = start_fd({"app": {"backends": backend.addr, "auth_file": users}},
                  main={"ban_after": 0})
    for _ in range(12):
        assert get(fd, source="127.0.0.2", headers={"Authorization": basic("ann", "x")}).status == 401
    assert get(fd, source="127.0.0.2", headers={"Authorization": basic("ann", "pw")}).status == 200


def test_order_ip_before_rate_before_auth(start_fd, backend, workdir):
    """IP rules -> country -> ban -> rate limit -> auth: a denied address is
    never counted against its rate, a limited client never costs a check."""
    users = write(workdir / "u.htpasswd", htpasswd("-nbB", "-C", "4", "ann", "pw") + "\n")
    fd = start_fd({"app": {"backends": backend.addr, "auth_file": users,
                           "deny": "127.0.0.3", "rate_limit": "1/m", "rate_burst": 2}},
                  main={"ban_after": 0})
    for _ in range(5):
        assert get(fd, source="127.0.0.3").status == 403
    assert get(fd, source="127.0.0.2").status == 401
    assert get(fd, source="127.0.0.2", headers={"Authorization": basic("ann", "pw")}).status == 200
    assert get(fd, source="127.0.0.2", headers={"Authorization": basic("ann", "pw")}).status == 429
    st = route_stats(fd, "app")["denied"]
    assert st == {"auth": 1, "ip": 5, "country": 0, "rate": 1, "ban": 0}, st


def test_frontdoor_cli_bans(start_fd, backend, workdir):
    users = write(workdir / "u.htpasswd", htpasswd("-nbB", "-C", "4", "ann", "pw") + "\n")
    fd = start_fd({"app": {"backends": backend.addr, "auth_file": users}},
                  main={"ban_after": 1})
    assert get(fd, source="127.0.0.2", headers={"Authorization": basic("ann", "x")}).status == 401
    sock = fd.dir / "control.sock"
    p = cli(sock, "--json", "bans")
    assert p.returncode == 0 and json.loads(p.stdout)["address"] == "127.0.0.2", (p.stdout, p.stderr)
    p = cli(sock, "bans")
    assert p.returncode == 0 and "127.0.0.2" in p.stdout and "auth failures" in p.stdout, p.stdout
    p = cli(sock, "unban", "127.0.0.2")
    assert p.returncode == 0 and "unbanned" in p.stdout, (p.stdout, p.stderr)
    p = cli(sock, "unban", "127.0.0.2")
    assert p.returncode == 1 and "no ban for 127.0.0.2" in p.stderr, (p.stdout, p.stderr)


# -- the password queue ------------------------------------------------------

def test_password_queue_holds_1024_then_503(start_fd, backend, workdir):
    # frontdoord(8): at most 1024 password checks may wait per worker; past
    # that the answer is 503 with Retry-After: 1, at once, without a hash.
    users = write(workdir / "u.htpasswd", htpasswd("-nbB", "-C", "13", "ann", "pw") + "\n")
    fd = start_fd({"private": {"path": "/", "backends": backend.addr, "auth_file": users}},
                  main={"ban_after": 0, "workers": 1})
    req = ("GET / HTTP/1.1\r\nHost: app.test\r\nAuthorization: %s\r\n\r\n"
           % basic("ann", "nope")).encode()
    n = 1100
    socks = []
    try:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", fd.port))
            s.sendall(req)
            socks.append(s)
        # Each real check takes a bcrypt of cost 13 on one of two threads:
        # in these few seconds only a handful can answer; the 503s come now.
        answers = {}
        sel = selectors.DefaultSelector()  # epoll: more than 1024 sockets
        for s in socks:
            sel.register(s, selectors.EVENT_READ)
        end = time.monotonic() + 3
        while time.monotonic() < end:
            for key, _ in sel.select(0.2):
                s = key.fileobj
                sel.unregister(s)
                s.settimeout(2)
                data = b""
                while b"\r\n\r\n" not in data:
                    more = s.recv(65536)
                    if not more:
                        break
                    data += more
                answers[s] = data
    finally:
        for s in socks:
            s.close()
    busy = [a for a in answers.values() if a.startswith(b"HTTP/1.1 503")]
    other = [a[:12] for a in answers.values() if not a.startswith(b"HTTP/1.1 503")]
    # 1024 wait (those checked meanwhile make room for a few more).
    assert 40 <= len(busy) <= n - 1024, \
        "%d of %d got 503 (wanted those past 1024 waiting); others: %r" % (
            len(busy), n, other[:10])
    assert all(b"\r\nRetry-After: 1\r\n" in a for a in busy), busy[0]
    assert all(a.startswith(b"HTTP/1.1 401") for a in answers.values() if a not in busy), other
    assert fd.wait_stderr(r"password checks waiting; answering 503"), "the 503s were not logged"


def test_unknown_user_costs_a_real_hash(start_fd, backend, workdir):
    # frontdoord(8): for an unknown user a real hash of the file is checked
    # anyway, so the time to a 401 does not tell which users exist.
    users = write(workdir / "u.htpasswd", htpasswd("-nbB", "-C", "12", "ann", "pw") + "\n")
    fd = start_fd({"private": {"path": "/", "backends": backend.addr, "auth_file": users}},
                  main={"ban_after": 0})

    def took(user):
        t0 = time.monotonic()
        r = get(fd, "/", headers={"Authorization": basic(user, "wrong")})
        assert r.status == 401, (user, r)
        return time.monotonic() - t0

    known = min(took("ann") for _ in range(3))
    unknown = min(took("nosuchuser") for _ in range(3))
    assert known > 0.05, "a bcrypt of cost 12 took only %.3f s" % known
    assert unknown > known / 3, \
        "an unknown user answered in %.3f s, a known one in %.3f s: no hash for the unknown" % (
            unknown, known)
