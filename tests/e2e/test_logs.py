# SPDX-License-Identifier: ISC
"""The access log (combined + ms, route, backend; json) and how log files
are opened (frontdoord(8))."""

import datetime
import json
import os
import re
import select
import signal
import subprocess
import threading

import pytest

from helpers import FRONTDOORD, port_accepts, wait_until

COMBINED = re.compile(
    r'^(?P<addr>\S+) - - \[(?P<time>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] '
    r'"(?P<request>[^"]*)" (?P<status>\d{3}) (?P<bytes>\d+) "(?P<referer>[^"]*)" '
    r'"(?P<ua>[^"]*)" (?P<ms>\d+) (?P<route>\S+) (?P<backend>\S+)$')

JSON_KEYS = {"time", "remote_addr", "method", "uri", "protocol", "host", "status",
             "bytes_sent", "referer", "user_agent", "request_ms", "route", "backend",
             "request_id", "country", "tls_version"}


def find(lines, needle):
    got = [l for l in lines if needle in l]
    assert got, "no access log line containing %r in:\n%s" % (needle, "\n".join(lines[-10:]))
    return got[-1]


def test_access_log_combined(fd, backend):
    r = fd.get("/echo?log=1", headers={"Referer": "http://ref.test/page",
                                       "User-Agent": "e2e-agent/1.0"})
    assert r.status == 200
    fd.get("/nothing-here-404", headers={"User-Agent": "e2e-agent/1.0"})
    lines = fd.wait_access_lines(2)
    line = find(lines, "/echo?log=1")
    m = COMBINED.match(line)
    assert m, "combined line does not match ADDR - - [time] \"req\" status bytes \"ref\" "\
        "\"ua\" ms route backend:\n%s" % line
    assert m["addr"] == "127.0.0.1"
    assert m["request"] == "GET /echo?log=1 HTTP/1.1"
    assert m["status"] == "200"
    assert int(m["bytes"]) == len(r.body), "bytes field %s, body was %d" % (m["bytes"], len(r.body))
    assert m["referer"] == "http://ref.test/page" and m["ua"] == "e2e-agent/1.0"
    assert m["route"] == "app", "route field %r" % m["route"]
    assert m["backend"] == backend.addr, "backend field %r" % m["backend"]
    datetime.datetime.strptime(m["time"], "%d/%b/%Y:%H:%M:%S %z")


def test_access_log_combined_dashes(start_fd, backend):
    fd = start_fd({"only": {"host": "only.test", "backends": backend.addr}})
    with fd.conn() as c:  # no Referer, no User-Agent
        c.send(b"GET /missing HTTP/1.1\r\nHost: other.test\r\n\r\n")
        assert c.read_response().status == 404
    line = find(fd.wait_access_lines(1), "/missing")
    m = COMBINED.match(line)
    assert m, "404 combined line malformed:\n%s" % line
    assert m["status"] == "404"
    assert (m["referer"], m["ua"], m["route"], m["backend"]) == ("-", "-", "-", "-"), \
        "empty referer/ua and no route/backend must log '-': %s" % line


def test_access_log_json(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}}, main={"access_log_format": "json"})
    r = fd.get("/echo?j=1", host="json.test", headers={"Referer": "http://r.test/",
                                                       "User-Agent": "ua \"quoted\""})
    rid = [v for k, v in r.json()["headers"] if k.lower() == "x-request-id"][0]
    line = find(fd.wait_access_lines(1), "j=1")
    obj = json.loads(line)
    assert set(obj) >= JSON_KEYS, "json access log lacks keys: %s" % sorted(JSON_KEYS - set(obj))
    assert obj["remote_addr"] == "127.0.0.1" and obj["method"] == "GET"
    assert obj["uri"] == "/echo?j=1" and obj["protocol"] == "HTTP/1.1"
    assert obj["host"] == "json.test", "host %r" % obj["host"]
    assert obj["status"] == 200 and obj["bytes_sent"] == len(r.body), \
        "status/bytes_sent %r/%r" % (obj["status"], obj["bytes_sent"])
    assert obj["referer"] == "http://r.test/" and obj["user_agent"] == 'ua "quoted"'
    assert isinstance(obj["request_ms"], int) and obj["request_ms"] >= 0
    assert obj["route"] == "app" and obj["backend"] == backend.addr
    assert obj["request_id"] == rid, "json request_id %r, backend saw %r" % (obj["request_id"], rid)
    assert obj["country"] == "" and obj["tls_version"] == ""
    t = datetime.datetime.fromisoformat(obj["time"].replace("Z", "+00:00"))
    assert t.utcoffset() == datetime.timedelta(0), "json time not UTC: %r" % obj["time"]


def test_access_log_one_line_per_request(fd):
    for i in range(10):
        assert fd.get("/echo?n=%d" % i).status == 200
    lines = fd.wait_access_lines(10)
    assert len([l for l in lines if "/echo?n=" in l]) == 10, "expected 10 access log lines"


def test_access_log_off(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}}, main={"access_log": "off"})
    assert fd.get("/echo").status == 200
    assert not fd.access_log.exists(), "access_log = off still wrote a file"


# -- log paths are not followed (frontdoord(8), PRIVILEGES) ------------------

def start_refused(fd):
    """Start fd's daemon, which must refuse; returns its stderr."""
    try:
        p = subprocess.run([FRONTDOORD, "-c", str(fd.config_path)], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=8)
    except subprocess.TimeoutExpired as e:
        pytest.fail("frontdoord started and served instead of refusing; stderr:\n%s"
                    % (e.stderr or b"").decode(errors="replace"), pytrace=False)
    assert p.returncode != 0, "frontdoord started; stderr:\n%s" % p.stderr.decode(errors="replace")
    return p.stderr.decode(errors="replace")


def decoy(workdir):
    target = workdir / "precious"
    target.write_text("do not touch\n")
    os.chmod(target, 0o600)
    return target, os.stat(target)


def assert_untouched(target, st):
    now = os.stat(target)
    assert target.read_text() == "do not touch\n", "the file behind the log path was written"
    assert (now.st_mode, now.st_uid, now.st_size, now.st_mtime_ns) == \
        (st.st_mode, st.st_uid, st.st_size, st.st_mtime_ns), "the file behind the log path changed"


def test_access_log_symlink_refuses_start(start_fd, backend, workdir):
    fd = start_fd({"app": {"backends": backend.addr}}, start=False)
    target, st = decoy(workdir)
    os.symlink(target, fd.access_log)
    err = start_refused(fd)
    assert str(fd.access_log) in err and "symbolic link" in err, \
        "the refusal does not name the path and why:\n%s" % err
    assert_untouched(target, st)
    assert not port_accepts(fd.port), "the refused daemon left a listener"


def test_access_log_hard_link_refuses_start(start_fd, backend, workdir):
    fd = start_fd({"app": {"backends": backend.addr}}, start=False)
    target, st = decoy(workdir)
    os.link(target, fd.access_log)
    err = start_refused(fd)
    assert str(fd.access_log) in err and "hard link" in err, \
        "the refusal does not name the path and why:\n%s" % err
    assert_untouched(target, st)


def test_error_log_symlink_refuses_start(start_fd, backend, workdir):
    path = workdir / "error.log"
    fd = start_fd({"app": {"backends": backend.addr}}, main={"error_log": str(path)},
                  start=False)
    target, st = decoy(workdir)
    os.symlink(target, path)
    err = start_refused(fd)
    assert str(path) in err and "symbolic link" in err, \
        "the refusal does not name the path and why:\n%s" % err
    assert_untouched(target, st)


def test_reopen_meets_a_symlink_and_keeps_the_old_file(fd, workdir):
    assert fd.get("/echo?before=1").status == 200
    fd.wait_access_lines(1)
    rotated = workdir / "access.log.1"
    os.rename(fd.access_log, rotated)
    target, st = decoy(workdir)
    os.symlink(target, fd.access_log)
    fd.signal(signal.SIGUSR1)
    assert fd.wait_stderr(r"reopen access_log %s: is a symbolic link" % re.escape(str(fd.access_log))), \
        "the refused reopen was not logged with the path:\n%s" % fd.stderr()
    assert fd.get("/echo?after=1").status == 200
    assert wait_until(lambda: any("after=1" in l for l in fd.access_lines(rotated)), 5), \
        "after a refused reopen the log must go on in the file open before"
    assert_untouched(target, st)


def test_access_log_turned_off_and_on_by_reload(start_fd, backend, workdir):
    """A reload that turns the log off lets go of the file (a write still in
    flight lands on /dev/null, never in a descriptor reused meanwhile); one
    that turns it on again writes to the file it names."""
    routes = {"app": {"path": "/", "backends": backend.addr}}
    fd = start_fd(routes)
    assert fd.get("/echo?first=1").status == 200
    assert any("first=1" in l for l in fd.wait_access_lines(1))
    old = fd.access_log.resolve()

    def held():
        names = []
        for e in os.listdir("/proc/%d/fd" % fd.pid):
            try:
                names.append(os.readlink("/proc/%d/fd/%s" % (fd.pid, e)))
            except OSError:
                pass
        return names
    nulls = held().count("/dev/null")
    fd.reload(routes, main={"access_log": "off"})
    assert fd.wait_stderr(r"reloaded .*generation 2"), fd.stderr()[-2000:]
    assert wait_until(lambda: str(old) not in held(), 5), "the log turned off is still open"
    assert held().count("/dev/null") == nulls + 1, \
        "the log's descriptor number was let go instead of kept on /dev/null"
    assert fd.get("/echo?while_off=1").status == 200
    new = workdir / "access-again.log"
    fd.reload(routes, main={"access_log": str(new)})
    assert fd.wait_stderr(r"reloaded .*generation 3"), fd.stderr()[-2000:]
    assert fd.get("/echo?again=1").status == 200
    assert wait_until(lambda: any("again=1" in l for l in fd.access_lines(new)), 5), \
        "the log turned on again does not reach its file"
    lines = fd.access_lines(old) + fd.access_lines(new)
    assert not any("while_off=1" in l for l in lines), "a request was logged while the log was off"
    assert not any("again=1" in l for l in fd.access_lines(old)), "the old file got a line"


def test_lines_dropped_when_the_writer_falls_behind(start_fd, backend):
    # frontdoord(8): when the log cannot keep up and more than 1 MiB of
    # lines waits in one thread, further lines are dropped (one warning),
    # and requests are served all the same.  Here the log is standard
    # output, a pipe nobody reads until the end.
    fd = start_fd({"app": {"path": "/", "backends": backend.addr}},
                  main={"access_log": "-", "workers": 1}, start=False)
    fifo = fd.dir / "stdout.pipe"
    os.mkfifo(fifo)
    fd.stdout_path = fifo
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    got = bytearray()
    stop = threading.Event()

    def drain():
        while not stop.is_set():
            r, _, _ = select.select([rfd], [], [], 0.1)
            if r:
                try:
                    got.extend(os.read(rfd, 1 << 20))
                except BlockingIOError:
                    pass
    reader = threading.Thread(target=drain, daemon=True)
    try:
        fd.start()
        pad = "p" * 3000
        n = 600  # about 1.9 MB of lines: well past the pipe and the 1 MiB
        with fd.conn() as c:
            for i in range(n):
                c.request("GET", "/echo/%d/%s" % (i, pad))
                assert c.read_response().status == 200, i
        assert fd.wait_stderr(r"access log cannot keep up; dropping lines", 5), \
            "no warning for the dropped lines"
        reader.start()
        with fd.conn() as c:
            c.request("GET", "/echo/after")
            assert c.read_response().status == 200
        assert wait_until(lambda: b"/echo/after " in got, 10), "the log did not catch up"
    finally:
        # The daemon's writer may be blocked on the pipe: read while it stops.
        if not reader.is_alive():
            reader.start()
        problems = fd.stop()
        stop.set()
        reader.join(5)
        os.close(rfd)
    assert problems == [], problems
    lines = bytes(got).decode(errors="replace").splitlines()
    bad = [l[:200] for l in lines if not COMBINED.match(l)]
    assert not bad, "lines cut or mixed up: %r" % bad[:3]
    nums = [int(l.split("/echo/")[1].split("/")[0]) for l in lines if "/echo/after" not in l]
    assert len(nums) < n, "all %d lines written: none dropped" % n
    # The first are kept, in order: 1 MiB waited before any was dropped.
    assert nums == list(range(len(nums))), "not the first lines, in order: %r" % nums[:20]
    assert len(nums) * len(pad) > (1 << 20), \
        "only %d lines (%d KiB) kept before dropping" % (len(nums), len(nums) * len(pad) >> 10)
    assert len(re.findall("cannot keep up", fd.stderr())) == 1, "more than one warning"
