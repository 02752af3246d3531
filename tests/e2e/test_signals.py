# SPDX-License-Identifier: ISC
"""frontdoord(8) signals: SIGHUP reload (good and bad), SIGTERM graceful stop,
SIGUSR1 reopens the access log."""

import os
import signal
import threading

from helpers import port_accepts, render_ini, wait_until


def in_background(fn):
    box = {}

    def run():
        try:
            box["value"] = fn()
        except Exception as e:  # reported by the test
            box["error"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, box


def test_sighup_applies_new_route_while_request_in_flight(start_fd, make_backend):
    a, b = make_backend("a"), make_backend("b")
    routes = {"app": {"path": "/", "backends": a.addr}}
    fd = start_fd(routes)
    assert fd.get("/new/echo").json()["backend"] == "a"
    t, box = in_background(lambda: fd.get("/slow?ms=3000", timeout=30))
    assert a.wait_for(lambda s: s.heads["/slow"] == 1, 10), "slow request never reached backend"
    fd.reload(dict(routes, new={"path": "/new", "backends": b.addr}))

    def new_route_live():
        r = fd.get("/new/echo")
        return r.status == 200 and r.json()["backend"] == "b"
    assert wait_until(new_route_live, 10, 0.1), \
        "route added by SIGHUP not serving within 10 s; stderr:\n" + fd.stderr()[-2000:]
    t.join(30)
    assert not t.is_alive(), "in-flight request did not finish after the reload"
    assert "error" not in box, "in-flight request failed across reload: %r" % box.get("error")
    assert box["value"].status == 200, "in-flight request got %s across reload" % box["value"].status


def test_sighup_bad_config_keeps_old(start_fd, make_backend):
    a, b = make_backend("a"), make_backend("b")
    fd = start_fd({"app": {"path": "/", "backends": a.addr}})
    text = render_ini(fd.sections({"app": {"path": "/", "backends": b.addr}}))
    lines = text.splitlines()
    lines.append("[route broken]")
    lines.append("backends = %s" % b.addr)
    lines.append("no_such_key = 1")
    bad_line = len(lines)
    fd.reload(text="\n".join(lines) + "\n")
    where = "%s:%d:" % (fd.config_path, bad_line)
    assert fd.wait_stderr(r"frontdoor\.ini:%d:" % bad_line, 10), \
        "bad config on SIGHUP: error log does not show %s; stderr:\n%s" % (where, fd.stderr()[-2000:])
    assert fd.alive(), "frontdoord exited on a bad reload"
    r = fd.get("/echo")
    assert r.status == 200 and r.json()["backend"] == "a", \
        "after a failed reload the old config must keep serving (went to %r)" % r.body[:100]


def test_sigterm_lets_in_flight_request_finish(fd, backend):
    t, box = in_background(lambda: fd.get("/slow?ms=2000", timeout=30))
    assert backend.wait_for(lambda s: s.heads["/slow"] == 1, 10), "slow request never reached backend"
    fd.signal(signal.SIGTERM)
    assert wait_until(lambda: not port_accepts(fd.port), 5, 0.1), \
        "listener still accepting after SIGTERM"
    t.join(30)
    assert "error" not in box, "in-flight request broken by SIGTERM: %r" % box.get("error")
    assert box["value"].status == 200, "in-flight request got %s during graceful stop" % box["value"].status
    rc = fd.wait_exit(15)
    assert rc == 0, "frontdoord exit status after graceful stop: %r" % rc


def test_sigterm_idle_daemon_exits_promptly(fd):
    assert fd.get("/echo").status == 200
    with fd.conn() as idle:  # an idle keep-alive connection must not hold the stop
        idle.send(b"GET /echo HTTP/1.1\r\nHost: a\r\n\r\n")
        idle.read_response()
        fd.signal(signal.SIGTERM)
        rc = fd.wait_exit(4)
    assert rc == 0, "idle daemon with an idle keep-alive conn: exit %r within 4 s of SIGTERM" % rc


def test_sigint_stops_too(fd):
    fd.signal(signal.SIGINT)
    assert fd.wait_exit(10) == 0, "SIGINT did not stop frontdoord with status 0"


def test_sigusr1_reopens_access_log(fd):
    assert fd.get("/echo?first").status == 200
    assert len(fd.wait_access_lines(1)) >= 1, "no access log line for the first request"
    rotated = fd.access_log.with_name("access.log.1")
    os.rename(fd.access_log, rotated)
    fd.signal(signal.SIGUSR1)

    def new_file_has_line():
        fd.get("/echo?second")
        return any("second" in l for l in fd.access_lines())
    assert wait_until(new_file_has_line, 10, 0.3), \
        "after SIGUSR1 the new access.log gets no lines; stderr:\n" + fd.stderr()[-2000:]
    assert fd.get("/echo?third").status == 200
    assert wait_until(lambda: any("third" in l for l in fd.access_lines()), 10), \
        "request after the reopen missing from the new access.log"
    assert not any("third" in l for l in fd.access_lines(rotated)), \
        "requests after SIGUSR1 still logged to the renamed file"


def test_shutdown_timeout_cuts_long_requests(start_fd, backend):
    fd = start_fd({"app": {"path": "/", "backends": backend.addr}},
                  main={"shutdown_timeout": "1s"})
    t, box = in_background(lambda: fd.get("/slow?ms=20000", timeout=30))
    assert backend.wait_for(lambda s: s.heads["/slow"] == 1, 10)
    fd.signal(signal.SIGTERM)
    rc = fd.wait_exit(8)
    assert rc == 0, "with shutdown_timeout=1s and a 20 s request, frontdoord exit status "\
        "%r within 8 s of SIGTERM" % rc
    t.join(10)
    assert "value" not in box or box["value"].status != 200, \
        "a request cut by shutdown_timeout was reported as a success"


def test_reload_listen_change_needs_restart(start_fd, backend):
    from helpers import free_port
    fd = start_fd({"app": {"path": "/", "backends": backend.addr}})
    other = free_port()
    fd.reload({"app": {"path": "/", "backends": backend.addr}},
              main={"listen_http": "127.0.0.1:%d" % other})
    assert fd.wait_stderr(r"listen_http.*needs? a restart", 10), \
        "changing listen_http on reload did not log 'needs a restart':\n" + fd.stderr()[-2000:]
    assert fd.get("/echo").status == 200, "old listener stopped serving after the reload"
    assert not port_accepts(other), "reload opened a new listener; behaviour says restart needed"
