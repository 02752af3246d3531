# SPDX-License-Identifier: ISC
"""frontdoor(1): the frontdoor command: every command against a real frontdoord,
with its effect on real traffic; exit codes 0/1/2/3; --json; and the
client's handling of a misbehaving daemon, played by a fake control socket
in this file."""

import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from helpers import REPO, Frontdoor, curl, wait_until

FRONTDOOR = os.path.abspath(os.environ.get("FRONTDOOR", str(REPO / "build" / "frontdoor")))


def cli(sock, *args, timeout=30, env_extra=None, **kw):
    """Run frontdoor -s SOCK ARGS; returns CompletedProcess (text)."""
    if not os.access(FRONTDOOR, os.X_OK):
        raise AssertionError("%s is not built (run `make build/frontdoor`)" % FRONTDOOR)
    env = dict(os.environ)
    env.pop("FRONTDOOR_SOCKET", None)
    env.update(env_extra or {})
    argv = [FRONTDOOR] + (["-s", str(sock)] if sock is not None else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL, **kw)


def sock_of(fd):
    return fd.dir / "control.sock"


def ok(p, what):
    assert p.returncode == 0, "%s: exit %d\nstdout: %s\nstderr: %s" % (
        what, p.returncode, p.stdout, p.stderr)
    return p


def json_lines(p, what):
    ok(p, what)
    out = []
    for line in p.stdout.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            raise AssertionError("%s --json printed a line that is not JSON: %r" % (what, line))
    return out


def status_of(fd, path="/echo", host="app.test"):
    return fd.get(path, host=host).status


def two_backends(start_fd, make_backend):
    a, b = make_backend("a"), make_backend("b")
    fd = start_fd({"app": {"path": "/", "backends": [a.addr, b.addr]}})
    return fd, a, b


# -- read-only commands ------------------------------------------------------

def test_status_human_and_json(fd):
    s = sock_of(fd)
    p = ok(cli(s, "status"), "status")
    for key in ("version:", "uptime:", "config:", "listeners:", "requests:"):
        assert re.search(r"^%s " % key, p.stdout, re.M), "status lacks %r:\n%s" % (key, p.stdout)
    assert "127.0.0.1:%d" % fd.port in p.stdout, "status does not list the listener:\n" + p.stdout
    for argv in (("--json", "status"), ("status", "--json")):
        objs = json_lines(cli(s, *argv), " ".join(argv))
        assert len(objs) == 1, "status --json: %d objects" % len(objs)
        st = objs[0]
        assert st["protocol"] == 1 and st["pid"] == fd.pid, "status --json: %r" % st
        assert "127.0.0.1:%d" % fd.port in st["listeners"]


def test_routes_and_backends(start_fd, make_backend):
    a, b = make_backend("a"), make_backend("b")
    fd = start_fd({"app": {"host": "app.test", "path": "/", "backends": [a.addr, b.addr]},
                   "blog": {"path": "/blog", "backends": a.addr}})
    s = sock_of(fd)
    for _ in range(4):
        assert status_of(fd) == 200
    p = ok(cli(s, "routes"), "routes")
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["NAME", "HOSTS/PATH", "STATE", "REQ/S", "ERRORS", "P50", "P99",
                                "TUNNELS", "OLDEST"], \
        "routes heading: %r" % lines[0]
    rows = {l.split()[0]: l.split() for l in lines[1:]}
    assert rows["app"][1] == "app.test/" and rows["app"][2] == "enabled", "routes: %r" % lines
    assert rows["blog"][1] == "*/blog" and rows["blog"][2] == "enabled", "routes: %r" % lines
    assert rows["app"][-2:] == ["0", "-"], "no tunnels: %r" % lines
    # Columns line up: every row starts its STATE where the heading does.
    col = lines[0].index("STATE")
    assert all(l[col:].split()[0] in ("enabled", "disabled", "maintenance") for l in lines[1:]), \
        "STATE column not aligned:\n" + p.stdout
    assert "differs" not in p.stdout, "nothing differs yet, but a legend is printed"

    routes = json_lines(cli(s, "routes", "--json"), "routes")
    assert [r["name"] for r in routes] == ["app", "blog"]
    # Counters land just after the response is sent: wait for them.
    assert wait_until(lambda: json_lines(cli(s, "routes", "--json"), "routes")[0]["requests"]
                      == 4), "routes --json: app never counted its 4 requests"

    p = ok(cli(s, "backends"), "backends")
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["ROUTE", "ADDRESS", "STATE", "HEALTH", "ACTIVE", "REQUESTS",
                                "FAILURES"], lines[0]
    assert len(lines) == 4, "three backends expected:\n" + p.stdout
    p = ok(cli(s, "backends", "app"), "backends app")
    got = [l.split()[:3] for l in p.stdout.splitlines()[1:]]
    assert got == [["app", a.addr, "up"], ["app", b.addr, "up"]], "backends app: %r" % got
    assert wait_until(lambda: sum(o["requests"] for o in json_lines(
        cli(s, "--json", "backends", "app"), "backends app")) == 4), \
        "backends --json: the 4 requests were not counted"
    p = cli(s, "backends", "nope")
    assert p.returncode == 1 and "nope" in p.stderr, "backends of a missing route: %d %r" % (
        p.returncode, p.stderr)


def test_help_lists_commands(fd):
    p = ok(cli(sock_of(fd), "help"), "help")
    for usage in ("route enable NAME", "backend drain ROUTE ADDR", "reload", "check [FILE]"):
        assert usage in p.stdout, "help lacks %r:\n%s" % (usage, p.stdout)
    objs = json_lines(cli(sock_of(fd), "help", "--json"), "help")
    assert any(o.get("usage") == "route disable NAME" and o.get("admin") for o in objs)


def test_no_command_on_a_terminal_opens_the_dashboard(fd):
    """The dashboard itself is tested in test_dashboard.py; here: it opens
    on a pty and q ends it with 0."""
    master, slave = pty.openpty()
    env = dict(os.environ, FRONTDOOR_SOCKET=str(sock_of(fd)), TERM="xterm")
    try:
        proc = subprocess.Popen([FRONTDOOR], stdin=slave, stdout=slave, stderr=slave, env=env)
        os.close(slave)
        out = b""
        sent = False
        end = time.monotonic() + 10
        while time.monotonic() < end:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    break
                if not data:
                    break
                out += data
            elif proc.poll() is not None:
                break
            if not sent and b"Overview" in out and b"app" in out:
                os.write(master, b"q")
                sent = True
        rc = proc.wait(10)
    finally:
        os.close(master)
    assert sent, "no dashboard on a terminal: %r" % out[-2000:]
    assert rc == 0, "q in the dashboard exited %d" % rc
    # Not on a terminal: usage, exit 2.
    p = cli(sock_of(fd))
    assert p.returncode == 2 and "usage:" in p.stderr, (p.returncode, p.stderr)


# -- switches and their effect on traffic ------------------------------------

def test_route_disable_enable(fd):
    s = sock_of(fd)
    assert status_of(fd) == 200
    p = ok(cli(s, "route", "disable", "app"), "route disable")
    assert p.stdout == "route app: disabled (differs from frontdoor.ini)\n", repr(p.stdout)
    assert status_of(fd) == 503, "a disabled route must answer 503"
    p = ok(cli(s, "routes"), "routes")
    assert re.search(r"^app\s+\S+\s+disabled\*\s", p.stdout, re.M), p.stdout
    assert "* differs from frontdoor.ini" in p.stdout, "no legend for the *:\n" + p.stdout
    p = ok(cli(s, "route", "enable", "app"), "route enable")
    assert p.stdout == "route app: enabled\n", repr(p.stdout)
    assert status_of(fd) == 200, "an enabled route serves again"
    obj = json_lines(cli(s, "--json", "route", "disable", "app"), "route disable --json")[0]
    assert obj["route"] == "app" and obj["state"] == "disabled" and obj["differs"] is True
    assert obj["saved"] is True, "the state file was not written: %r" % obj


def test_maintenance(fd):
    s = sock_of(fd)
    p = ok(cli(s, "maintenance", "on", "app"), "maintenance on")
    assert p.stdout == "route app: maintenance (differs from frontdoor.ini)\n", repr(p.stdout)
    r = fd.get("/echo")
    assert r.status == 503 and r.header("retry-after"), "maintenance: %r" % r
    assert "maintenance" in ok(cli(s, "routes"), "routes").stdout
    ok(cli(s, "maintenance", "off", "app"), "maintenance off")
    assert status_of(fd) == 200


def test_disabled_backend_gets_no_requests(start_fd, make_backend):
    fd, a, b = two_backends(start_fd, make_backend)
    s = sock_of(fd)
    p = ok(cli(s, "backend", "disable", "app", a.addr), "backend disable")
    assert p.stdout == "backend app %s: disabled (differs from frontdoor.ini)\n" % a.addr, \
        repr(p.stdout)
    a.reset_counters()
    b.reset_counters()
    for i in range(10):
        assert status_of(fd, "/echo?i=%d" % i) == 200
    assert a.total_heads == 0, "a disabled backend got %d requests" % a.total_heads
    assert b.total_heads == 10
    p = ok(cli(s, "backends", "app"), "backends")
    assert re.search(r"^app\s+%s\s+disabled\*" % re.escape(a.addr), p.stdout, re.M), p.stdout
    ok(cli(s, "backend", "enable", "app", a.addr), "backend enable")
    for i in range(10):
        assert status_of(fd, "/echo?j=%d" % i) == 200
    assert a.total_heads > 0, "an enabled backend gets requests again"
    p = cli(s, "backend", "disable", "app", "127.0.0.1:1")
    assert p.returncode == 1 and "no such backend" in p.stderr, (p.returncode, p.stderr)


def test_drain_lets_in_flight_finish(start_fd, make_backend):
    fd, a, b = two_backends(start_fd, make_backend)
    s = sock_of(fd)
    # Make sure the slow request lands on a: b off while it starts.
    ok(cli(s, "backend", "disable", "app", b.addr), "disable b")
    result = {}

    def slow():
        result["r"] = fd.get("/slow?ms=2000")
    t = threading.Thread(target=slow)
    t.start()
    assert a.wait_for(lambda be: be.heads["/slow"] >= 1), "the slow request never reached a"
    ok(cli(s, "backend", "enable", "app", b.addr), "enable b")
    p = ok(cli(s, "backend", "drain", "app", a.addr), "drain a")
    assert p.stdout == "backend app %s: draining (differs from frontdoor.ini)\n" % a.addr
    p = ok(cli(s, "backends", "app"), "backends")
    assert re.search(r"^app\s+%s\s+draining\*" % re.escape(a.addr), p.stdout, re.M), p.stdout
    for i in range(6):
        assert status_of(fd, "/echo?d=%d" % i) == 200
    assert a.heads["/echo"] == 0, "a draining backend got new requests"
    assert b.heads["/echo"] == 6
    t.join(15)
    assert not t.is_alive() and result["r"].status == 200, \
        "the in-flight request on the draining backend did not finish: %r" % result.get("r")


def test_switch_survives_restart_and_reload(start_fd, backend, workdir):
    fd = start_fd({"app": {"path": "/", "backends": backend.addr}})
    s = sock_of(fd)
    ok(cli(s, "route", "disable", "app"), "route disable")
    ok(cli(s, "backend", "drain", "app", backend.addr), "drain")
    p = ok(cli(s, "reload"), "reload")
    assert re.fullmatch(r"reload ok \(generation \d+\)\n", p.stdout), repr(p.stdout)
    assert status_of(fd) == 503, "the switch did not survive a reload"
    fd.reload({"app": {"path": "/", "backends": backend.addr}})  # SIGHUP too
    assert wait_until(lambda: '"generation":3' in cli(s, "--json", "status").stdout), \
        "SIGHUP reload not seen"
    assert status_of(fd) == 503, "the switch did not survive SIGHUP"
    assert fd.stop() == [], "frontdoord did not stop cleanly"

    fd2 = Frontdoor(workdir, {"app": {"path": "/", "backends": backend.addr}})
    fd2.start()
    try:
        assert status_of(fd2) == 503, "the switch did not survive a restart"
        routes = json_lines(cli(s, "--json", "routes"), "routes")
        assert routes[0]["state"] == "disabled" and routes[0]["differs"] is True
        bes = json_lines(cli(s, "--json", "backends"), "backends")
        assert bes[0]["state"] == "draining", bes
        ok(cli(s, "route", "enable", "app"), "enable")
        ok(cli(s, "backend", "enable", "app", backend.addr), "backend enable")
        assert status_of(fd2) == 200
    finally:
        problems = fd2.stop()
    assert problems == [], problems


# -- reload and check ---------------------------------------------------------

def test_reload_failure_prints_errors(fd, backend):
    s = sock_of(fd)
    good = fd.config_path.read_text()
    fd.write_config({}, text=good + "[route bad]\nbackends = 127.0.0.1:9\nbogus = 1\n")
    p = cli(s, "reload")
    assert p.returncode == 1, "a failed reload must exit 1: %d %r" % (p.returncode, p.stderr)
    assert re.search(r"^%s:\d+: .*bogus" % re.escape(str(fd.config_path)), p.stderr, re.M), \
        "reload errors not FILE:LINE: message:\n" + p.stderr
    assert status_of(fd) == 200, "the old configuration must stay in force"
    p = cli(s, "reload", "--json")
    assert p.returncode == 1
    obj = json.loads(p.stdout)
    assert obj["ok"] is False and any("bogus" in e for e in obj["errors"]), obj


def test_reload_with_many_errors(fd):
    """A reply line longer than CTL_LINE_MAX still gets through."""
    good = fd.config_path.read_text()
    bad = "".join("[route r%03d]\nbackends = 127.0.0.1:9\nunknown_key_%03d = 1\n" % (i, i)
                  for i in range(200))
    fd.write_config({}, text=good + bad)
    p = cli(sock_of(fd), "reload")
    assert p.returncode == 1, "reload: %d %r" % (p.returncode, p.stderr[-500:])
    errs = [l for l in p.stderr.splitlines() if "unknown_key_" in l]
    assert len(errs) >= 50 and sum(len(l) for l in errs) > 8192, \
        "expected many error lines, got %d:\n%s" % (len(errs), p.stderr[-2000:])


def test_check(fd, workdir):
    s = sock_of(fd)
    p = ok(cli(s, "check", str(fd.config_path)), "check FILE")
    assert p.stdout == "%s: configuration ok\n" % fd.config_path, repr(p.stdout)
    ok(cli(s, "check"), "check (the running file)")
    bad = workdir / "bad.ini"
    bad.write_text(fd.config_path.read_text() + "nonsense_key = 1\n")
    os.chmod(bad, 0o644)
    p = cli(s, "check", "bad.ini", cwd=str(workdir))   # relative: sent absolute
    assert p.returncode == 1, "check of a bad file: %d %r" % (p.returncode, p.stderr)
    # Another file's text is never repeated, not even a key name.
    assert re.search(r'^%s:\d+: .*"\.\.\.": unknown key' % re.escape(str(bad)), p.stderr,
                     re.M), p.stderr
    assert "nonsense_key" not in p.stderr, p.stderr
    obj = json.loads(cli(s, "--json", "check", str(bad)).stdout)
    assert obj["ok"] is False and obj["file"] == str(bad) and obj["errors"], obj
    assert status_of(fd) == 200, "check must not apply anything"


def test_check_without_daemon_runs_locally(workdir):
    fd = Frontdoor(workdir, {"app": {"path": "/", "backends": "127.0.0.1:9"}})
    s = workdir / "no.sock"
    p = cli(s, "check", str(fd.config_path))
    assert p.returncode == 0, "local check: %d %r" % (p.returncode, p.stderr)
    assert "checking locally" in p.stderr and str(s) in p.stderr, repr(p.stderr)
    assert "configuration ok" in p.stdout
    p = cli(s, "--json", "check", str(fd.config_path))
    obj = json.loads(p.stdout)
    assert p.returncode == 0 and obj == {"ok": True, "file": str(fd.config_path), "errors": []}, \
        (p.returncode, p.stdout)
    (workdir / "bad.ini").write_text("[frontdoor]\nbogus = 1\n")
    p = cli(s, "--json", "check", str(workdir / "bad.ini"))
    obj = json.loads(p.stdout)
    assert p.returncode == 1 and obj["ok"] is False and "bogus" in obj["errors"][0], p.stdout


# -- refusals and read-only sessions -----------------------------------------

def test_refusals_exit_1(fd):
    s = sock_of(fd)
    for argv, want in ((("route", "disable", "nope"), "no such route: nope"),
                       (("maintenance", "on", "nope"), "no such route"),
                       (("backend", "drain", "app", "10.9.9.9:1"), "no such backend")):
        p = cli(s, *argv)
        assert p.returncode == 1, "%s: exit %d" % (argv, p.returncode)
        assert want in p.stderr and p.stdout == "", "%s: %r" % (argv, p.stderr)
    # No bans: an empty list is no refusal.
    p = cli(s, "bans")
    assert p.returncode == 0 and p.stderr == "", p


def test_read_only_session(fd):
    s = sock_of(fd)
    ok(cli(s, "-r", "status"), "-r status")
    ok(cli(s, "-r", "routes"), "-r routes")
    p = cli(s, "-r", "route", "disable", "app")
    assert p.returncode == 1 and "read-only" in p.stderr, (p.returncode, p.stderr)
    assert status_of(fd) == 200, "a read-only session changed a route"


# -- log ---------------------------------------------------------------------

def start_log(sock, *extra):
    return subprocess.Popen([FRONTDOOR, "-s", str(sock), "log"] + list(extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)


def read_lines_until(proc, pred, timeout=10.0):
    """Lines from proc.stdout until pred(lines) or timeout."""
    lines = []
    fdn = proc.stdout.fileno()
    buf = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end and not pred(lines):
        r, _, _ = select.select([fdn], [], [], 0.2)
        if not r:
            continue
        data = os.read(fdn, 65536)
        if not data:
            break
        buf += data
        *done, buf = buf.split(b"\n")
        lines += done
    return lines


def wait_subscribed(proc, sock):
    """frontdoor log subscribes after it starts: switch a route back and
    forth until an event shows it is in place.  Returns the lines read."""
    lines = []
    end = time.monotonic() + 15
    while time.monotonic() < end:
        ok(cli(sock, "route", "disable", "app"), "route disable")
        ok(cli(sock, "route", "enable", "app"), "route enable")
        lines += read_lines_until(proc, lambda ls: any(b"route app: " in l for l in ls),
                                  timeout=0.5)
        if any(b"route app: " in l for l in lines):
            return lines
    raise AssertionError("frontdoor log showed no state event within 15 s: %r" % lines)


def stop_log(proc):
    proc.send_signal(signal.SIGINT)
    try:
        rc = proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        raise AssertionError("frontdoor log did not stop on SIGINT")
    err = proc.stderr.read().decode(errors="replace")
    proc.stdout.close()
    proc.stderr.close()
    return rc, err


def test_log_follows_requests(fd):
    s = sock_of(fd)
    proc = start_log(s)
    try:
        lines = wait_subscribed(proc, s)
        assert fd.get("/echo/log-me?q=1").status == 200
        # Raw bytes in the target: refused (400), and the event's line
        # holds no raw byte either.
        with fd.conn() as c:
            c.send(b"GET /x\xff\x1by HTTP/1.1\r\nHost: app.test\r\n\r\n")
            assert c.read_response().status == 400
        lines += read_lines_until(proc, lambda ls: any(b" 400 " in l for l in ls))
    finally:
        rc, err = stop_log(proc)
    assert rc == 0, "log: SIGINT must exit 0, got %d (%s)" % (rc, err)
    reqs = [l.decode() for l in lines if b" GET " in l]
    assert len(reqs) >= 1, "request lines missing: %r" % lines
    m = re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z 127\.0\.0\.1 GET "
                 r"app\.test/echo/log-me\?q=1 200 \d+ms \d+B app 127\.0\.0\.1:\d+$", reqs[0])
    assert m, "log line format: %r" % reqs[0]
    bad = [l.decode() for l in lines if b" 400 " in l]
    assert bad and re.match(r"^\S+ 127\.0\.0\.1 \S+ \S+ 400 \d+ms \d+B", bad[0]), \
        "the 400's log line: %r" % bad
    assert all(b < 0x7f and (b >= 0x20) for l in lines for b in l), \
        "log printed a raw control or non-ASCII byte: %r" % lines


def test_log_json(fd):
    s = sock_of(fd)
    proc = start_log(s, "--json")
    try:
        lines = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert fd.get("/echo/j").status == 200
            lines += read_lines_until(proc, lambda ls: ls, timeout=0.5)
            if any(b"/echo/j" in l for l in lines):
                break
    finally:
        rc, err = stop_log(proc)
    assert rc == 0, err
    objs = [json.loads(l) for l in lines]
    ev = [o for o in objs if o.get("type") == "request" and o.get("path") == "/echo/j"]
    assert ev and ev[0]["status"] == 200 and ev[0]["route"] == "app", objs
    assert not any("subscribed" in o for o in objs), "the subscribe reply is not an event"


def test_log_daemon_stops(fd):
    proc = start_log(sock_of(fd))
    try:
        wait_subscribed(proc, sock_of(fd))
        fd.signal(signal.SIGTERM)
        assert fd.wait_exit() == 0
        rc = proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    err = proc.stderr.read().decode()
    proc.stdout.close()
    proc.stderr.close()
    assert rc == 3, "log: the daemon went away; exit %d, want 3 (%s)" % (rc, err)
    assert "closed the connection" in err, err


# -- exit statuses --------------------------------------------------------------

def test_unreachable_exit_3(workdir):
    missing = workdir / "missing.sock"
    p = cli(missing, "status")
    assert p.returncode == 3, p
    assert str(missing) in p.stderr and "is frontdoord running" in p.stderr, p.stderr
    # A socket file with nobody listening (a daemon killed with -9).
    stale = workdir / "stale.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(stale))
    s.close()
    p = cli(stale, "routes")
    assert p.returncode == 3 and "nobody is listening" in p.stderr and str(stale) in p.stderr, p
    # $FRONTDOOR_SOCKET when there is no -s.
    p = cli(None, "status", env_extra={"FRONTDOOR_SOCKET": str(missing)})
    assert p.returncode == 3 and str(missing) in p.stderr, p


def test_permission_denied_exit_3(workdir):
    d = workdir / "private"
    d.mkdir()
    path = d / "c.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.listen(1)
    try:
        if os.geteuid() == 0:
            os.chmod(d, 0o700)
            argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    FRONTDOOR, "-s", str(path), "status"]
        else:
            os.chmod(path, 0)
            argv = [FRONTDOOR, "-s", str(path), "status"]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    finally:
        s.close()
    assert p.returncode == 3, (p.returncode, p.stderr)
    assert "permission denied" in p.stderr and "control group" in p.stderr, p.stderr


@pytest.mark.parametrize("argv,want", [
    (("frob",), "unknown command"),
    (("route",), "usage: frontdoor route enable NAME"),
    (("route", "enable"), "usage: frontdoor route"),
    (("route", "enable", "a", "b"), "usage: frontdoor route"),
    (("route", "frob", "a"), "usage: frontdoor route"),
    (("maintenance", "on"), "usage: frontdoor maintenance"),
    (("backend", "drain", "app"), "usage: frontdoor backend"),
    (("backends", "a", "b"), "usage: frontdoor backends"),
    (("status", "extra"), "usage: frontdoor status"),
    (("unban",), "usage: frontdoor unban ADDR"),
    (("cache", "purge"), "usage: frontdoor cache purge ROUTE [PREFIX]"),
    (("check", "a", "b"), "usage: frontdoor check"),
    (("route", "enable", "a b"), "cannot be sent"),
    (("route", "enable", "a\x1bb"), "cannot be sent"),
    (("-Z", "status"), "unknown option"),
    (("-s",), "-s needs"),
])
def test_usage_exit_2(workdir, argv, want):
    """Usage is checked before connecting: no socket, still exit 2."""
    if argv[0] == "-s":
        p = cli(None, *argv)
    else:
        p = cli(workdir / "none.sock", *argv)
    assert p.returncode == 2, "%r: exit %d, want 2 (%s)" % (argv, p.returncode, p.stderr)
    assert want in p.stderr, "%r: %r" % (argv, p.stderr)


def test_help_and_version_exit_0():
    p = cli(None, "-h")
    assert p.returncode == 0 and "route enable NAME" in p.stdout, p
    p = cli(None, "-V")
    assert p.returncode == 0 and re.fullmatch(r"frontdoor \d+\.\d+\.\d+\S*\n", p.stdout), p


# -- a misbehaving daemon: a fake control socket ------------------------------

class FakeDaemon:
    """A Unix-socket server for one client at a time.  greeting: bytes sent
    on accept (None: none).  reply(line, conn) handles each request line
    (bytes, no newline) and returns bytes to send, or None to close."""

    def __init__(self, path, greeting=b"%frontdoor 1 0.1.0\n", reply=None):
        self.path = str(path)
        self.greeting = greeting
        self.reply = reply or (lambda line, conn: None)
        self.requests = []
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(self.path)
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self.serve(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def serve(self, conn):
        conn.settimeout(20)
        if self.greeting is not None:
            conn.sendall(self.greeting)
        buf = b""
        while not self.stopping:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.requests.append(line.decode(errors="replace"))
                out = self.reply(line, conn)
                if out is None:
                    return
                conn.sendall(out)

    def close(self):
        self.stopping = True
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def fake(workdir):
    made = []

    def make(**kw):
        f = FakeDaemon(workdir / ("fake%d.sock" % len(made)), **kw)
        made.append(f)
        return f
    yield make
    for f in made:
        f.close()


def tag_of(line):
    return line.split(b" ", 1)[0]


def replies(table):
    """reply() from {command: bytes with TAG for the tag}."""
    def reply(line, conn):
        words = line.split(b" ")
        out = table.get(b" ".join(words[1:]), table.get(words[1], b"%error TAG unknown\n"))
        return out if out is None else out.replace(b"TAG", words[0])
    return reply


def test_fake_not_frontdoord(fake):
    f = fake(greeting=b"SSH-2.0-OpenSSH_9.2\r\n")
    p = cli(f.path, "status")
    assert p.returncode == 3 and "not a frontdoord control socket" in p.stderr, p
    assert f.path in p.stderr


def test_fake_protocol_mismatch(fake):
    f = fake(greeting=b"%frontdoor 2 9.0.0\n")
    p = cli(f.path, "status")
    assert p.returncode == 3 and "protocol 2" in p.stderr, p


def test_fake_no_greeting(fake):
    f = fake(greeting=None)
    f.serve = lambda conn: None   # accept, close at once
    p = cli(f.path, "status")
    assert p.returncode == 3 and "without a greeting" in p.stderr, p
    f2 = fake(greeting=None)      # accept, say nothing
    p = cli(f2.path, "status", env_extra={"FRONTDOOR_TIMEOUT": "1"})
    assert p.returncode == 3 and "no reply within 1 s" in p.stderr, p


def test_fake_refused_connection(fake):
    f = fake(greeting=b"%error - too many clients\n")
    p = cli(f.path, "status")
    assert p.returncode == 3 and "too many clients" in p.stderr, p


def test_fake_closes_mid_reply(fake):
    def partial(line, conn):
        conn.sendall(b"%begin " + tag_of(line) + b'\n{"name":"a"}\n{"name":')
        return None
    f = fake(reply=partial)
    p = cli(f.path, "routes")
    assert p.returncode == 3 and "in the middle of a reply" in p.stderr, p
    assert f.path in p.stderr


def test_fake_no_reply_times_out(fake):
    f = fake(reply=lambda line, conn: b"")
    t0 = time.monotonic()
    p = cli(f.path, "status", env_extra={"FRONTDOOR_TIMEOUT": "1"})
    assert p.returncode == 3 and "no reply within 1 s" in p.stderr, p
    assert time.monotonic() - t0 < 8


def test_fake_error_framing(fake):
    f = fake(reply=replies({
        b"route disable x": b"%error TAG no such route: x\n",
        b"routes": b"%error - malformed request\n",
        b"status": b"%begin 999\n%end 999\n",
    }))
    p = cli(f.path, "route", "disable", "x")
    assert p.returncode == 1 and p.stderr == "frontdoor: no such route: x\n", p
    p = cli(f.path, "routes")
    assert p.returncode == 1 and "malformed request" in p.stderr, p
    p = cli(f.path, "status")   # a reply to some other tag
    assert p.returncode == 3 and "unexpected line" in p.stderr, p


def test_fake_events_between_replies_and_json_passthrough(fake):
    body = b'{"name":"a","hosts":[],"path":"/","state":"enabled"}\n'
    f = fake(reply=replies({b"routes": b'%event {"type":"dropped","count":1}\n'
                                       b"%begin TAG\n" + body + b"%end TAG\n"}))
    p = cli(f.path, "--json", "routes")
    assert p.returncode == 0 and p.stdout == body.decode(), p
    assert f.requests == ["1 routes"], f.requests


def test_fake_read_only_and_absolute_check_path(fake, workdir):
    f = fake(reply=replies({b"readonly": b'%begin TAG\n{"readonly":true}\n%end TAG\n',
                            b"check": b'%begin TAG\n{"ok":true,"file":"/x"}\n%end TAG\n'}))
    p = cli(f.path, "-r", "check", "rel/conf.ini", cwd=str(workdir))
    assert p.returncode == 0 and p.stdout == "/x: configuration ok\n", p
    assert f.requests == ["1 readonly", "2 check %s" % (workdir / "rel/conf.ini")], f.requests


def test_fake_not_json(fake):
    f = fake(reply=replies({b"routes": b"%begin TAG\nnot json\n%end TAG\n"}))
    p = cli(f.path, "routes")
    assert p.returncode == 3 and "not a JSON object" in p.stderr, p


def test_fake_overlong_line(fake):
    def flood(line, conn):
        conn.sendall(b"%begin " + tag_of(line) + b"\n")
        try:
            for _ in range(40):
                conn.sendall(b"x" * 65536)
        except OSError:
            pass
        return None
    f = fake(reply=flood)
    p = cli(f.path, "routes")
    assert p.returncode == 3 and "a line longer than" in p.stderr, p


def test_fake_hostile_strings_are_escaped(fake):
    route = (b'{"name":"a\\u001b[2J","hosts":["h\\u0007"],"path":"/\\u009b",'
             b'"state":"enabled","differs":false}\n')
    f = fake(reply=replies({b"routes": b"%begin TAG\n" + route + b"%end TAG\n",
                            b"route disable x": b"%error TAG evil \x1b]0;t\x07 message\n"}))
    p = cli(f.path, "routes")
    assert p.returncode == 0, p
    assert "\x1b" not in p.stdout and "\x07" not in p.stdout and "\\x1b[2J" in p.stdout, \
        repr(p.stdout)
    p = cli(f.path, "route", "disable", "x")
    assert p.returncode == 1


def test_fake_log(fake):
    events = (b'%event {"type":"request","time":"2026-11-27T09:00:00.123Z","client":"1.2.3.4",'
              b'"country":"","method":"GET","host":"h","path":"/a\\u001b[31mb",'
              b'"status":200,"bytes":5,"ms":4,"route":"r","backend":"127.0.0.1:1","rule":""}\n'
              b'%event {"type":"dropped","count":17}\n'
              b'%event {"type":"backend","route":"r","address":"127.0.0.1:1",'
              b'"state":"draining"}\n')

    def reply(line, conn):
        if line.endswith(b" subscribe"):
            return b'%begin ' + tag_of(line) + b'\n{"subscribed":true}\n%end ' + \
                tag_of(line) + b"\n" + events
        return b"%error " + tag_of(line) + b" unexpected\n"
    f = fake(reply=reply)
    proc = start_log(f.path)
    try:
        lines = read_lines_until(proc, lambda ls: len(ls) >= 3)
    finally:
        rc, err = stop_log(proc)
    assert rc == 0, (rc, err)
    assert lines[0] == (b"2026-11-27T09:00:00.123Z 1.2.3.4 GET h/a\\x1b[31mb 200 4ms 5B r "
                        b"127.0.0.1:1"), lines
    assert b"17 events dropped" in lines[1], lines
    assert lines[2].endswith(b"-- backend r 127.0.0.1:1: draining"), lines
    assert f.requests == ["1 subscribe"], f.requests


def test_fake_log_interrupted_while_waiting(fake):
    """SIGINT ends log at once, even while it waits for the subscribe reply."""
    f = fake(reply=lambda line, conn: b"")   # never answers
    proc = start_log(f.path)
    assert wait_until(lambda: f.requests == ["1 subscribe"]), f.requests
    t0 = time.monotonic()
    rc, err = stop_log(proc)
    assert rc == 0 and err == "", (rc, err)
    assert time.monotonic() - t0 < 3, "log took %.1fs to stop" % (time.monotonic() - t0)
