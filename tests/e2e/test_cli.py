# SPDX-License-Identifier: ISC
"""frontdoord(8): the command line (-t, -V) and workers."""

import os
import re
import subprocess

import pytest

from helpers import FRONTDOORD, Frontdoor, port_accepts, render_ini


def run(*args, timeout=20):
    return subprocess.run([FRONTDOORD] + list(args), capture_output=True, text=True,
                          timeout=timeout)


def good_text(fd, backend_addr="127.0.0.1:9"):
    return render_ini(fd.sections({"app": {"path": "/", "backends": backend_addr}}))


def check_bad(workdir, extra_lines, where="end"):
    """Write a good config plus extra lines; return (proc, path, {marker: line})."""
    fd = Frontdoor(workdir, {"app": {"path": "/", "backends": "127.0.0.1:9"}})
    lines = good_text(fd).splitlines()
    marks = {}
    for text in extra_lines:
        lines.append(text)
        marks[text] = len(lines)
    fd.write_config({}, text="\n".join(lines) + "\n")
    return run("-t", "-c", str(fd.config_path)), fd.config_path, marks


def test_check_good_config(workdir):
    fd = Frontdoor(workdir, {"app": {"path": "/", "backends": "127.0.0.1:9"}})
    p = run("-t", "-c", str(fd.config_path))
    assert p.returncode == 0, "-t on a good config exited %d: %s" % (p.returncode, p.stderr)
    assert p.stdout.strip() == "%s: configuration ok" % fd.config_path, \
        "-t good output %r" % p.stdout


@pytest.mark.parametrize("bad", [
    "no_such_key = 1",
    "[no_such_section]",
    "[route bad name!]",
])
def test_check_bad_config_names_file_and_line(workdir, bad):
    p, path, marks = check_bad(workdir, [bad] if bad.startswith("[") else ["[route x]", "backends = 127.0.0.1:9", bad])
    assert p.returncode > 0, "-t on %r: exit %d (want a refusal > 0)" % (bad, p.returncode)
    want = "%s:%d:" % (path, marks[bad])
    assert any(l.startswith(want) for l in p.stderr.splitlines()), \
        "-t on %r: no line starting %r in stderr:\n%s" % (bad, want, p.stderr)


@pytest.mark.parametrize("key,value", [
    ("header_timeout", "10 parsecs"), ("max_header_size", "lots"), ("workers", "-3"),
    ("listen_http", "nowhere"), ("log_level", "chatty"), ("access_log_format", "xml"),
    ("trusted_proxies", "300.1.2.3/8"),
])
def test_check_bad_value(workdir, key, value):
    fd = Frontdoor(workdir, {"app": {"path": "/", "backends": "127.0.0.1:9"}})
    text = fd.write_config({"app": {"path": "/", "backends": "127.0.0.1:9"}}, main={key: value})
    line = [i + 1 for i, l in enumerate(text.splitlines()) if l.startswith(key + " ")][0]
    p = run("-t", "-c", str(fd.config_path))
    assert p.returncode == 1, "-t with %s = %s exited %d" % (key, value, p.returncode)
    want = "%s:%d:" % (fd.config_path, line)
    assert any(l.startswith(want) and key in l for l in p.stderr.splitlines()), \
        "-t: bad %s not reported as %s ... naming the key:\n%s" % (key, want, p.stderr)


def test_check_route_errors(workdir):
    p, path, marks = check_bad(workdir, [
        "[route nob]", "path = /nob",                     # no backends
        "[route badbool]", "backends = 127.0.0.1:9", "enabled = perhaps",
        "[route badaddr]", "backends = localhost-no-port",
    ])
    assert p.returncode == 1, "-t accepted broken routes"
    lines = p.stderr.splitlines()
    assert all(re.match(r"^%s:\d+: " % re.escape(str(path)), l) for l in lines if l.strip()), \
        "every -t problem line must be FILE:LINE: message:\n%s" % p.stderr
    assert any("backends" in l for l in lines), "missing backends not reported:\n%s" % p.stderr
    assert any(l.startswith("%s:%d:" % (path, marks["enabled = perhaps"])) for l in lines), \
        "bad boolean not reported at its line:\n%s" % p.stderr
    assert any(l.startswith("%s:%d:" % (path, marks["backends = localhost-no-port"])) for l in lines), \
        "bad backend address not reported at its line:\n%s" % p.stderr


def test_check_reports_every_problem(workdir):
    p, path, marks = check_bad(workdir, ["[route one]", "backends = 127.0.0.1:9",
                                         "bogus_a = 1", "bogus_b = 2"])
    assert p.returncode == 1
    for m in ("bogus_a = 1", "bogus_b = 2"):
        assert "%s:%d:" % (path, marks[m]) in p.stderr, \
            "-t must print one line per problem; %r missing:\n%s" % (m, p.stderr)


def test_check_duplicate_route(workdir):
    p, path, marks = check_bad(workdir, ["[route app]", "backends = 127.0.0.1:9"])
    assert p.returncode == 1, "duplicate route name accepted"
    assert "%s:" % path in p.stderr


def test_check_missing_file(workdir):
    p = run("-t", "-c", str(workdir / "nope.ini"))
    assert p.returncode > 0, "-t on a missing file: exit %d" % p.returncode
    assert "nope.ini" in p.stderr, "error does not name the missing file: %r" % p.stderr


def test_start_with_bad_config_fails(workdir):
    fd = Frontdoor(workdir, {"app": {"path": "/", "backends": "127.0.0.1:9", "bogus": 1}})
    p = run("-c", str(fd.config_path), timeout=10)
    assert p.returncode > 0, "frontdoord on a bad config: exit %d" % p.returncode
    assert re.search(r"frontdoor\.ini:\d+:", p.stderr), "start-up error lacks FILE:LINE: %r" % p.stderr


def test_version():
    p = run("-V")
    assert p.returncode == 0 and re.fullmatch(r"frontdoord \d+\.\d+\.\d+\S* \((mbed|Mbed) TLS [\d.]+\)\n?", p.stdout), \
        "-V printed %r (exit %d)" % (p.stdout, p.returncode)


def test_workers_two_serve(start_fd, backend):
    fd = start_fd({"app": {"backends": backend.addr}}, main={"workers": 2})
    for i in range(30):
        r = fd.get("/echo?w=%d" % i)
        assert r.status == 200, "workers=2: request %d got %s" % (i, r.status)
    assert fd.threads() >= 2, "workers=2 but frontdoord has %d thread(s)" % fd.threads()
    with fd.conn() as c:
        for i in range(5):
            c.send(b"GET /echo HTTP/1.1\r\nHost: a\r\n\r\n")
            assert c.read_response().status == 200


def test_help():
    p = run("-h")
    assert p.returncode == 0, "-h exited %d" % p.returncode
    assert "-c" in p.stdout + p.stderr and "-t" in p.stdout + p.stderr, "-h lacks the options"


def test_unknown_option():
    p = run("-Z")
    assert p.returncode > 0, "unknown option: exit %d" % p.returncode


def test_include_adds_routes(start_fd, backend, workdir):
    conf_d = workdir / "conf.d"
    conf_d.mkdir()
    os.chmod(conf_d, 0o755)
    (conf_d / "blog.ini").write_text("[route blog]\npath = /blog\nbackends = %s\n" % backend.addr)
    fd = start_fd({}, main={"include": str(conf_d / "*.ini")})
    r = fd.get("/blog/echo")
    assert r.status == 200, "route from an included file not serving: %s" % r.status
    assert fd.get("/other").status == 404


def test_include_error_names_included_file(workdir):
    conf_d = workdir / "conf.d"
    conf_d.mkdir()
    bad = conf_d / "bad.ini"
    bad.write_text("[route blog]\npath = /blog\nbackends = 127.0.0.1:9\nwat = 1\n")
    fd = Frontdoor(workdir, {}, main={"include": str(conf_d / "*.ini")})
    p = run("-t", "-c", str(fd.config_path))
    assert p.returncode == 1, "-t accepted an included file with an unknown key"
    assert "%s:4:" % bad in p.stderr, "error in an included file not named as %s:4:\n%s" % (
        bad, p.stderr)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


@needs_root
def test_root_without_user_refuses(workdir, backend):
    fd = Frontdoor(workdir, {"app": {"backends": backend.addr}}, main={"user": None})
    p = run("-c", str(fd.config_path), timeout=10)
    assert p.returncode == 1, "started as root without user: exit %d (expected refusal, 1)" % p.returncode
    assert "user" in p.stderr, "refusal does not say why (no mention of user): %r" % p.stderr
    assert not port_accepts(fd.port)


@needs_root
def test_root_with_unknown_user_refuses(workdir, backend):
    fd = Frontdoor(workdir, {"app": {"backends": backend.addr}},
                   main={"user": "no-such-user-fd"})
    p = run("-c", str(fd.config_path), timeout=10)
    assert p.returncode > 0, "user that does not exist: exit %d (want a refusal)" % p.returncode
    assert "no-such-user-fd" in p.stderr, "refusal does not name the user: %r" % p.stderr


@needs_root
def test_serves_as_user_not_root(fd):
    import pwd
    nobody = pwd.getpwnam("nobody").pw_uid
    assert fd.get("/echo").status == 200
    for tid in os.listdir("/proc/%d/task" % fd.pid):
        with open("/proc/%d/task/%s/status" % (fd.pid, tid)) as f:
            uids = [l for l in f if l.startswith("Uid:")][0].split()[1:]
        assert all(int(u) == nobody for u in uids), \
            "thread %s of frontdoord runs with uids %s, not nobody (%d)" % (tid, uids, nobody)
