# SPDX-License-Identifier: ISC
"""The dashboard (frontdoor with no command on a terminal), driven for real
in tmux: keys with send-keys, the screen with capture-pane.  Each test runs
its own tmux server on a socket in the test dir and kills it at the end.
A fake control socket plays a daemon where the real one cannot: a request
path holding terminal escapes (frontdoord's parser refuses such bytes, so
only a broken or future daemon could send them), bans, a missing command.
"""

import json
import os
import re
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from helpers import FRONTDOORD, REPO, curl, free_port, port_accepts, wait_until
from test_control import Ctl

FRONTDOOR = os.path.abspath(os.environ.get("FRONTDOOR", str(REPO / "build" / "frontdoor")))
TMUX = "tmux"

pytestmark = pytest.mark.skipif(
    subprocess.run(["sh", "-c", "command -v tmux"], capture_output=True).returncode != 0,
    reason="tmux is not installed (scripts/deps.sh check)")


class Dash:
    """The dashboard in a detached tmux session of its own server."""

    def __init__(self, workdir, sock, args=(), width=100, height=30, env=None,
                 command=None):
        self.dir = Path(workdir)
        self.tmux_sock = str(self.dir / "tmux.sock")
        self.status_file = self.dir / "dash.exit"
        if self.status_file.exists():
            self.status_file.unlink()
        script = self.dir / "dash.sh"
        extra = "".join("export %s='%s'\n" % kv for kv in (env or {}).items())
        script.write_text(
            "#!/bin/sh\n"
            "export LANG=C.UTF-8 LC_ALL=C.UTF-8\n"
            "unset NO_COLOR\n" + extra +
            "%s\n"
            "echo $? > '%s'\n"
            "sleep 120\n" % (command or "'%s' -s '%s' %s" % (FRONTDOOR, sock, " ".join(args)),
                              self.status_file))
        os.chmod(script, 0o755)
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "dash",
                  "-x", str(width), "-y", str(height), str(script))

    def tmux(self, *args, check=True):
        p = subprocess.run([TMUX, "-S", self.tmux_sock] + list(args),
                           capture_output=True, timeout=10)
        if check and p.returncode != 0:
            raise AssertionError("tmux %s: %s" % (" ".join(args), p.stderr.decode()))
        return p.stdout.decode(errors="replace")

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "dash", *keys)

    def literal(self, text):
        self.tmux("send-keys", "-t", "dash", "-l", text)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "dash")

    def wait(self, pred, timeout=5.0, what="the screen"):
        """Poll the screen until pred(text) holds; fail with the screen."""
        last = [""]

        def check():
            last[0] = self.screen()
            return pred(last[0])
        if not wait_until(check, timeout, 0.05):
            raise AssertionError("%s did not show within %.1fs; screen:\n%s"
                                 % (what, timeout, last[0]))
        return last[0]

    def wait_text(self, text, timeout=5.0):
        return self.wait(lambda s: text in s, timeout, repr(text))

    def exit_status(self, timeout=5.0):
        if not wait_until(self.status_file.exists, timeout):
            raise AssertionError("frontdoor did not exit within %.1fs; screen:\n%s"
                                 % (timeout, self.screen()))
        if not wait_until(lambda: self.status_file.read_text().strip() != "", 1):
            raise AssertionError("no exit status written to %s" % self.status_file)
        return int(self.status_file.read_text().strip())

    def pid(self):
        """The frontdoor process: the child of the pane's shell."""
        shell = int(self.tmux("display-message", "-p", "-t", "dash", "#{pane_pid}").strip())
        for _ in range(50):
            try:
                kids = Path("/proc/%d/task/%d/children" % (shell, shell)).read_text().split()
            except OSError:
                kids = []
            for k in kids:
                try:
                    if Path("/proc/%s/exe" % k).resolve() == Path(FRONTDOOR).resolve():
                        return int(k)
                except OSError:
                    pass
            time.sleep(0.05)
        raise AssertionError("no frontdoor process under the tmux pane")

    def kill(self):
        self.tmux("kill-server", check=False)


@pytest.fixture
def dash(workdir):
    made = []

    def make(sock, *args, **kw):
        d = Dash(workdir, sock, args, **kw)
        made.append(d)
        return d
    yield make
    for d in made:
        d.kill()


@pytest.fixture
def two_routes(start_fd, backend):
    return start_fd({
        "app": {"path": "/", "backends": backend.addr},
        "api": {"host": "api.test", "path": "/v1", "strip_path": True,
                "backends": backend.addr},
    })


def sock_of(fd):
    return fd.dir / "control.sock"


def get_status(fd, path="/echo", host="app.test"):
    return fd.get(path, host=host).status


def curl_status(fd, path="/echo"):
    p = curl("-o", "/dev/null", "-w", "%{http_code}", fd.url(path), timeout=10)
    return int(p.stdout or b"0")


# -- the real daemon ----------------------------------------------------------

def test_routes_and_a_live_request_appear(two_routes, dash):
    fd = two_routes
    d = dash(sock_of(fd))
    screen = d.wait(lambda s: re.search(r"^ app\s+enabled", s, re.M)
                    and re.search(r"^ api\s+enabled", s, re.M), 5, "both routes")
    assert "1 Overview" in screen and "6 Help" in screen, screen
    d.keys("4")
    d.wait_text("following", 2)
    path = "/echo/live-%d" % os.getpid()
    assert get_status(fd, path) == 200
    t0 = time.monotonic()
    screen = d.wait_text(path, 1.0)
    took = time.monotonic() - t0
    row = [l for l in screen.splitlines() if path in l][0]
    assert re.search(r"127\.0\.0\.1\s+--\s+GET\s+app\.test\s+/echo/live-\d+\s+200\s+\d+ms\s+app",
                     row), "the live row lacks a column: %r" % row
    print("live request on screen %.0f ms after its response" % (took * 1000))
    # The Routes and Backends screens name them too.
    d.keys("2")
    d.wait(lambda s: re.search(r"^ api\s+enabled\s+api\.test/v1", s, re.M), 2, "Routes")
    d.keys("3")
    d.wait(lambda s: re.search(r"^ app\s+127\.0\.0\.1:\d+\s+up", s, re.M), 2, "Backends")
    d.keys("5")
    d.wait(lambda s: re.search(r"^ 127\.0\.0\.1\s+\d+", s, re.M), 2, "Clients")


def test_space_y_disables_a_route_and_u_undoes(two_routes, dash):
    fd = two_routes
    assert curl_status(fd) == 200
    d = dash(sock_of(fd))
    d.keys("2")
    d.wait(lambda s: re.search(r"^ app\s+enabled", s, re.M), 5, "the app route")
    # n (or anything but y) cancels.
    d.keys("Space")
    d.wait_text("disable route app? y/N", 2)
    d.keys("n")
    d.wait_text("cancelled: disable route app", 2)
    assert curl_status(fd) == 200
    d.keys("Space")
    d.wait_text("disable route app? y/N", 2)
    d.keys("y")
    d.wait_text("disable route app: done, now disabled", 3)
    assert curl_status(fd) == 503, "a route disabled from the dashboard must answer 503 to curl"
    assert get_status(fd) == 503, "and to raw HTTP"
    d.wait(lambda s: re.search(r"^ app\s+disabled\*", s, re.M), 3, "app disabled*")
    d.keys("U")
    d.wait_text("undo: route enable app? y/N", 2)
    d.keys("y")
    d.wait_text("now enabled", 3)
    assert curl_status(fd) == 200, "U + y must bring the route back"
    # Maintenance, on the Overview screen this time.
    d.keys("1", "m")
    d.wait_text("put route app in maintenance? y/N", 2)
    d.keys("y")
    d.wait_text("now maintenance", 3)
    assert get_status(fd) == 503
    d.keys("m")
    d.wait_text("end maintenance of route app? y/N", 2)
    d.keys("y")
    d.wait(lambda s: re.search(r"^ app\s+enabled", s, re.M), 3, "app enabled")
    assert get_status(fd) == 200


def test_backend_drain_and_reload(start_fd, make_backend, dash):
    a, b = make_backend("a"), make_backend("b")
    fd = start_fd({"app": {"path": "/", "backends": "%s, %s" % (a.addr, b.addr)}})
    d = dash(sock_of(fd))
    d.keys("3")
    d.wait(lambda s: s.count(" up ") >= 2, 5, "two backends up")
    d.keys("d")
    d.wait_text("drain backend app %s? y/N" % a.addr, 2)
    d.keys("y")
    d.wait(lambda s: re.search(r"draining \(0\)", s), 3, "draining (0)")
    a.reset_counters()
    for _ in range(4):
        assert get_status(fd) == 200
    assert a.heads.get("/echo", 0) == 0, "a draining backend got new requests"
    d.keys("e")
    d.wait_text("enable backend app %s? y/N" % a.addr, 2)
    d.keys("y")
    d.wait_text("now up", 3)
    d.keys("r")
    d.wait_text("reload the configuration? y/N", 2)
    d.keys("y")
    d.wait_text("reload ok: generation 2", 5)
    # A failing reload shows its errors.
    fd.write_config({}, text="[frontdoor]\nbogus_key = 1\n")
    d.keys("r", "y")
    d.wait(lambda s: "reload failed:" in s and "bogus_key" in s, 5, "the reload's errors")


def test_ban_unban_and_backend_disable_reach_the_daemon(start_fd, make_backend, dash):
    # frontdoor(1): b and u ban and unban the selected client, x disables
    # the selected backend, each after y; the real daemon then acts on it.
    a, b = make_backend("a"), make_backend("b")
    fd = start_fd({"app": {"path": "/", "backends": "%s, %s" % (a.addr, b.addr)}})
    ctl = Ctl(sock_of(fd))
    d = dash(sock_of(fd))
    d.wait(lambda s: re.search(r"^ app\s+enabled", s, re.M), 5, "the app route")
    for _ in range(3):
        assert fd.get("/echo", source="127.0.0.2").status == 200
    d.keys("5")
    d.wait(lambda s: re.search(r"^ 127\.0\.0\.2\s+3\s", s, re.M), 3, "client 127.0.0.2")
    d.keys("b")
    d.wait_text("ban 127.0.0.2? y/N", 2)
    d.keys("y")
    d.wait_text("ban 127.0.0.2: done", 3)
    assert fd.get("/echo", source="127.0.0.2").status == 403, "banned from the dashboard, still served"
    ok, bans = ctl.cmd("bans")
    assert ok and [x["address"] for x in bans] == ["127.0.0.2"], bans
    d.wait(lambda s: re.search(r"^ 127\.0\.0\.2\s.*(59m|1h 0m)", s, re.M), 3, "the ban row")
    d.keys("u")
    d.wait_text("unban 127.0.0.2? y/N", 2)
    d.keys("y")
    d.wait_text("unban 127.0.0.2: done", 3)
    assert fd.get("/echo", source="127.0.0.2").status == 200, "unbanned, still refused"
    ok, bans = ctl.cmd("bans")
    assert ok and bans == [], bans
    d.keys("3")
    d.wait(lambda s: s.count(" up ") >= 2, 5, "two backends up")
    d.keys("x")
    d.wait_text("disable backend app %s? y/N" % a.addr, 2)
    d.keys("y")
    d.wait_text("now disabled", 3)
    ok, bes = ctl.cmd("backends")
    assert ok and {x["address"]: x["state"] for x in bes}.get(a.addr) == "disabled", bes
    a.reset_counters()
    for _ in range(4):
        assert get_status(fd) == 200
    assert a.heads.get("/echo", 0) == 0, "a backend disabled from the dashboard got requests"


def test_filter_narrows_the_live_list(two_routes, dash):
    fd = two_routes
    d = dash(sock_of(fd))
    d.keys("4")
    d.wait_text("following", 5)
    for i in range(3):
        assert get_status(fd, "/echo/alpha-%d" % i) == 200
        assert get_status(fd, "/echo/beta-%d" % i) == 200
    assert get_status(fd, "/v1/status/404", host="api.test") == 404
    d.wait(lambda s: "beta-2" in s and "alpha-2" in s and "/v1/status/404" in s, 2, "all")
    d.keys("/")
    d.literal("alpha")
    screen = d.wait(lambda s: "beta-" not in s and "alpha-0" in s, 2, "the filtered list")
    assert "3 of 7 kept" in screen, screen
    d.keys("Enter")
    d.wait_text("filter: alpha", 2)
    # Status-class and route words.
    d.keys("/", "C-u")
    d.literal("4xx")
    d.keys("Enter")
    screen = d.wait(lambda s: "alpha-" not in s and "/v1/status/404" in s, 2, "only the 404")
    d.keys("c")
    d.wait(lambda s: "alpha-0" in s and "beta-0" in s, 2, "the list unfiltered")
    d.keys("s", "s", "s")  # 2xx, 3xx, 4xx
    d.wait(lambda s: "alpha-" not in s and "/v1/status/404" in s, 2, "4xx by s")
    d.keys("Escape")
    d.wait(lambda s: "alpha-0" in s and "/v1/status/404" in s, 2, "Esc clears the filter")


def test_resize_to_80x24_redraws_cleanly(two_routes, dash):
    fd = two_routes
    d = dash(sock_of(fd))
    for i in range(5):
        get_status(fd, "/echo/some/rather/long/path/for/the/live/screen/%d" % i)
    widths = {}
    for key in ("1", "2", "3", "4", "5", "6"):
        d.keys(key)
        wide = d.wait(lambda s: ("Tab" in s or "ROUTE" in s or "NAME" in s or "CLIENT" in s)
                      and "waiting for frontdoord" not in s, 2)
        widths[key] = max(len(l) for l in wide.split("\n"))
        d.tmux("resize-window", "-t", "dash", "-x", "80", "-y", "24")
        time.sleep(0.3)

        def settled(s):
            lines = s.split("\n")
            return len(lines) >= 24 and lines[0].startswith(" 1 Overview")
        d.wait(settled, 2, "the 80x24 redraw")
        # What a resize left must equal a full redraw (Ctrl-L) at that size:
        # no piece of the 100-column layout may survive.  Counters may tick
        # between the two captures, so allow a few tries.
        for _ in range(5):
            after = d.screen()
            d.keys("C-l")
            time.sleep(0.3)
            fresh = d.screen()
            if after == fresh:
                break
        assert after == fresh, "screen %s after a resize differs from a redraw:\n%s\n---\n%s" % (
            key, after, fresh)
        lines = after.rstrip("\n").split("\n")
        assert all(len(l) <= 80 for l in lines), "a line wider than 80 columns:\n" + after
        assert lines[0].startswith(" 1 Overview"), after
        d.tmux("resize-window", "-t", "dash", "-x", "100", "-y", "30")
        time.sleep(0.2)
    # Some screen drew past column 80 at 100 columns (the Live screen's long
    # paths), so what a resize leaves behind is there to be seen.
    assert max(widths.values()) > 80, "no screen used the 100 columns: %r" % widths


def test_q_exits_0(two_routes, dash):
    d = dash(sock_of(two_routes))
    d.wait_text("app", 5)
    d.keys("?")
    d.wait_text("Keys on the Overview screen", 2)
    d.keys("Escape")
    d.wait(lambda s: "Keys on" not in s, 2, "help closed")
    d.keys("q")
    assert d.exit_status() == 0, "q must end the dashboard with status 0"


def test_reconnects_after_a_daemon_restart(two_routes, dash):
    fd = two_routes
    d = dash(sock_of(fd))
    d.wait(lambda s: re.search(r"^ app\s+enabled", s, re.M), 5, "routes")
    fd.signal(15)
    assert fd.wait_exit() == 0
    d.wait_text("reconnecting", 3)
    fd.err.close()
    fd.out.close()
    fd.expected_exit = False
    fd.start()
    d.wait_text("reconnected to frontdoord", 5)
    d.wait(lambda s: re.search(r"^ api\s+enabled", s, re.M), 3, "routes again")
    d.keys("4")
    assert get_status(fd, "/echo/after-restart") == 200
    d.wait_text("/echo/after-restart", 2)


def test_demo_ends_in_the_dashboard(workdir):
    ports = {"DEMO_PORT": free_port(), "DEMO_NOTES_PORT": free_port(),
             "DEMO_PHOTOS_PORT": free_port(), "DEMO_HTTPS_PORT": free_port(),
             "DEMO_PHOTOS2_PORT": free_port()}
    env = dict(ports, FRONTDOORD=FRONTDOORD, FRONTDOOR=FRONTDOOR)
    d = Dash(workdir, None, env={k: str(v) for k, v in env.items()},
             command=str(REPO / "scripts" / "demo.sh"))
    try:
        d.wait(lambda s: re.search(r"^ notes\s+enabled", s, re.M)
               and re.search(r"^ attic\s+disabled", s, re.M), 20, "the demo's routes")
        d.keys("4")
        d.wait(lambda s: re.search(r"GET\s+\S+\s+/(notes|photos|missing|attic)", s), 5,
               "the demo's traffic")
        d.keys("q")
        assert d.exit_status(15) == 0, "the demo did not end with the dashboard"
        for name, port in ports.items():
            assert wait_until(lambda: not port_accepts(port), 5), \
                "something still listens on %s=%d after quitting the demo" % (name, port)
    finally:
        d.kill()


def test_read_only_refuses_changes(two_routes, dash):
    fd = two_routes
    d = dash(sock_of(fd), "-r")
    d.keys("2")
    d.wait(lambda s: re.search(r"^ app\s+enabled", s, re.M), 5, "routes")
    assert "read-only" in d.screen().split("\n")[0], "the header does not say read-only"
    for key in ("Space", "m", "r", "U"):
        d.keys(key)
        d.wait_text("read-only (frontdoor -r): this key changes nothing", 2)
        d.keys("y")
    assert get_status(fd) == 200
    d.keys("3", "x", "y")
    d.wait_text("read-only", 2)
    d.keys("?")
    screen = d.wait_text("Keys on the Backends screen", 2)
    assert "disable the selected backend" not in screen, screen


# -- a fake daemon -------------------------------------------------------------

class FakeDaemon:
    """Answers the dashboard's requests from a table and pushes events."""

    def __init__(self, path):
        self.path = str(path)
        self.conns = []
        self.requests = []
        self.events = []
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(self.path)
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def answer(self, words):
        cmd = words[1:]
        if cmd == ["status"]:
            return [{"version": "9.9.9", "uptime": 5, "generation": 1,
                     "reload": {"time": 0, "ok": True, "errors": []},
                     "requests": 1, "status": {"2xx": 1}}]
        if cmd == ["routes"]:
            return [{"name": "web", "hosts": [], "path": "/", "state": "enabled",
                     "configured": "enabled", "requests": 1}]
        if cmd == ["backends"]:
            return [{"route": "web", "address": "10.0.0.1:80", "state": "up",
                     "health": "up", "last": "200"}]
        if cmd == ["bans"]:
            return [{"address": "192.0.2.9", "until": int(time.time()) + 3600,
                     "left": 3600, "reason": "auth failures"}]
        if cmd in (["subscribe"], ["readonly"]):
            return [{"ok": True}]
        return None

    def run(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.conns.append(conn)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        conn.sendall(b"%frontdoor 1 9.9.9\n")
        buf = b""
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    words = line.decode().split(" ")
                    self.requests.append(" ".join(words[1:]))
                    rows = self.answer(words)
                    if rows is None:
                        out = "%%error %s unknown command: %s (try \"help\")\n" % (
                            words[0], words[1])
                    else:
                        out = "%%begin %s\n%s%%end %s\n" % (
                            words[0], "".join(json.dumps(r) + "\n" for r in rows), words[0])
                    conn.sendall(out.encode())
        except OSError:
            return

    def push(self, event):
        line = ("%event " + json.dumps(event) + "\n").encode()
        for c in self.conns:
            try:
                c.sendall(line)
            except OSError:
                pass

    def close(self):
        self.stopping = True
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.fixture
def fake(workdir):
    f = FakeDaemon(workdir / "fake.sock")
    yield f
    f.close()


def request_event(path, host="a.example", client="198.51.100.7"):
    return {"type": "request", "time": "2026-11-27T09:00:00.000Z", "client": client,
            "country": "NL", "method": "GET", "host": host, "path": path,
            "status": 200, "bytes": 1, "ms": 3, "route": "web", "backend": "10.0.0.1:80",
            "rule": ""}


def test_escapes_in_a_path_are_shown_escaped(fake, dash, workdir):
    d = dash(fake.path)
    d.wait(lambda s: "web" in s and "9.9.9" in s, 5, "the fake daemon's data")
    d.keys("4")
    d.wait_text("following", 2)
    # ESC [2J would clear the screen, ESC ]0; set the title, CSI as the C1
    # character U+009B, a bidi override, a byte that is not UTF-8; then plain
    # UTF-8, which stays.  frontdoord's JSON carries each byte outside ASCII
    # as \u00XX (json_str()), so the paths go as bytes read as Latin-1.
    evil = [p.decode("latin-1") for p in (
        b"/x\x1b[2J", b"/t\x1b]0;pwned\x07", "/c1\u009b31m".encode(),
        "/bidi\u202eZ".encode(), b"/lat\xe9", "/caf\u00e9".encode())]
    assert wait_until(lambda: fake.conns, 2), "the dashboard did not connect to the fake daemon"
    for p in evil:
        fake.push(request_event(p))
    screen = d.wait_text("/caf", 2)
    for want in ("/x\\x1b[2J", "/t\\x1b]0;pwned\\x07", "/c1\\xc2\\x9b31m",
                 "/bidi\\xe2\\x80\\xaeZ", "/lat\\xe9", "/café"):
        assert re.search(r"GET\s+a\.example\s+" + re.escape(want) + r"\s+200", screen), \
            "%r is not on screen as %r:\n%s" % (evil, want, screen)
    assert "\x1b" not in screen
    title = d.tmux("display-message", "-p", "-t", "dash", "#{pane_title}")
    assert "pwned" not in title, "an escape in a path set the terminal title"


def test_clients_bans_and_a_missing_ban_command(fake, dash):
    d = dash(fake.path)
    d.wait_text("9.9.9", 5)
    assert wait_until(lambda: fake.conns, 2), "the dashboard did not connect to the fake daemon"
    for i in range(3):
        fake.push(request_event("/a%d" % i, client="198.51.100.7"))
    fake.push(request_event("/b", client="203.0.113.5"))
    d.keys("5")
    screen = d.wait(lambda s: re.search(r"^ 198\.51\.100\.7\s+3\s", s, re.M), 2, "top clients")
    assert re.search(r"NL\s+4\s", screen), screen
    assert re.search(r"192\.0\.2\.9\s+(59m|1h 0m)", screen), "a ban with its time left:\n" + screen
    assert "auth failures" in screen
    d.keys("b")
    d.wait_text("ban 198.51.100.7? y/N", 2)
    d.keys("y")
    d.wait_text('this frontdoord has no "ban" command', 2)
    # Down to the ban row: u offers to unban it.
    d.keys("j", "j", "u")
    d.wait_text("unban 192.0.2.9? y/N", 2)
    d.keys("n")


def test_bans_not_available(workdir, dash):
    class NoBans(FakeDaemon):
        def answer(self, words):
            return None if words[1:] == ["bans"] else FakeDaemon.answer(self, words)
    f = NoBans(workdir / "nobans.sock")
    try:
        d = dash(f.path)
        d.wait_text("9.9.9", 5)
        d.keys("5")
        d.wait_text("bans: not available", 3)
    finally:
        f.close()


def sanitized(binary):
    try:
        with open(binary, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


@pytest.mark.skipif(sanitized(FRONTDOOR),
                    reason="ASan's quarantine makes RSS grow by design")
def test_memory_stays_bounded_under_traffic(two_routes, dash):
    """A short soak (the minute-long one is tests/e2e/soak_dashboard.py):
    RSS after 12 s of steady requests is within 2x that after 4 s."""
    fd = two_routes
    d = dash(sock_of(fd))
    d.keys("4")
    d.wait_text("following", 5)
    pid = d.pid()
    stop = threading.Event()

    def traffic():
        n = 0
        while not stop.is_set():
            try:
                fd.get("/echo/soak-%d" % n)
            except Exception:
                pass
            n += 1
    threads = [threading.Thread(target=traffic, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(4)
        rss4 = rss_kb(pid)
        cpu4 = cpu_ticks(pid)
        time.sleep(8)
        rss12 = rss_kb(pid)
        cpu12 = cpu_ticks(pid)
    finally:
        stop.set()
        for t in threads:
            t.join(5)
    hz = os.sysconf("SC_CLK_TCK")
    print("dashboard RSS %d kB after 4 s, %d kB after 12 s; CPU %.1f%% over 8 s"
          % (rss4, rss12, 100.0 * (cpu12 - cpu4) / hz / 8))
    assert rss12 < 2 * rss4, "RSS grew from %d to %d kB" % (rss4, rss12)
    d.keys("q")
    assert d.exit_status() == 0


def rss_kb(pid):
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def cpu_ticks(pid):
    fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_routes_screen_shows_the_cache_hit_ratio(start_fd, backend, dash):
    fd = start_fd({"app": {"path": "/", "backends": backend.addr, "cache": "1m"},
                   "plain": {"host": "plain.test", "backends": backend.addr}})
    for _ in range(4):  # one miss, then three hits
        assert fd.get("/cacheable?maxage=60").status == 200
    d = dash(sock_of(fd))
    d.keys("2")
    screen = d.wait(lambda s: re.search(r"^ app\s.*\s75%\s+-\s*$", s, re.M)
                    and re.search(r"^ plain\s.*\s-\s+-\s*$", s, re.M), 5,
                    "the cache column: 75% for app, - for a route without cache")
    assert "CACHE" in screen


def test_routes_screen_shows_open_tunnels(start_fd, backend, dash):
    """The Routes screen shows a route's open WebSockets and the oldest's
    age; a route without any shows -."""
    from test_websocket import ws_handshake
    fd = start_fd({"app": {"path": "/", "backends": backend.addr},
                   "plain": {"host": "plain.test", "backends": backend.addr}})
    with fd.conn(timeout=20) as a, fd.conn(timeout=20) as b:
        assert ws_handshake(a).status == 101 and ws_handshake(b).status == 101
        d = dash(sock_of(fd))
        d.keys("2")
        screen = d.wait(lambda s: re.search(r"^ app\s.*\s2 [1-9]s\s*$", s, re.M)
                        and re.search(r"^ plain\s.*\s-\s*$", s, re.M), 8,
                        "TUNNELS: 2 open with the oldest's age for app, - for plain")
        assert "TUNNELS" in screen
