# SPDX-License-Identifier: ISC
"""frontdoor.ini(5) [tls]: HTTPS with real clients (curl, openssl
s_client, testssl.sh): certificates per SNI, refused protocols and suites,
resumption, https_redirect, HSTS, X-Forwarded-Proto, reload of certificates.

The TLS 1.3 test runs against a build with mbedTLS 3.6 (FRONTDOORD pointing
at build-mbedtls3/frontdoord, as `make check` does) and skips on 2.28."""

import json
import os
import re
import shutil
import socket
import subprocess
import time

import pytest

from helpers import FRONTDOORD, REPO, curl, free_port, port_accepts, wait_until


def sh(cwd, cmd):
    subprocess.run(cmd, shell=True, cwd=str(cwd), check=True,
                   capture_output=True, timeout=60)


def make_cert(d, name, cn, san, kind="ec"):
    newkey = ("ec -pkeyopt ec_paramgen_curve:P-256" if kind == "ec"
              else "rsa:2048")
    sh(d, "openssl req -x509 -newkey %s -nodes -keyout %s.key -out %s.crt "
          "-days 30 -subj /CN=%s -addext subjectAltName=%s"
          % (newkey, name, name, cn, san))
    # Readable by the daemon after it drops to nobody (reload re-reads).
    os.chmod(d / ("%s.key" % name), 0o644)
    os.chmod(d / ("%s.crt" % name), 0o644)


@pytest.fixture
def certs(workdir):
    make_cert(workdir, "default", "default.test", "DNS:default.test")
    make_cert(workdir, "app", "app.test", "DNS:app.test", kind="rsa")
    make_cert(workdir, "wild", "wild.test", "DNS:*.wild.test")
    return workdir


def handshake_ok(port, timeout=3.0):
    """Whether something on port completes a TLS handshake."""
    p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                        "-servername", "app.test"],
                       input=b"", capture_output=True, timeout=timeout + 5)
    return b"BEGIN CERTIFICATE" in p.stdout or b"Cipher is" in p.stdout \
        and b"Cipher is (NONE)" not in p.stdout


@pytest.fixture
def tls_fd(start_fd, backend, certs):
    """frontdoord with HTTPS: a default certificate, an RSA one for app.test
    (which redirects plain HTTP) and a wildcard for *.wild.test."""
    https_port = free_port()
    routes = {
        "app": {"host": "app.test", "backends": backend.addr,
                "tls_cert": str(certs / "app.crt"),
                "tls_key": str(certs / "app.key"),
                "https_redirect": "yes"},
        "wild": {"host": "*.wild.test", "backends": backend.addr,
                 "tls_cert": str(certs / "wild.crt"),
                 "tls_key": str(certs / "wild.key")},
        "any": {"path": "/", "backends": backend.addr},
    }
    main = {"listen_https": "127.0.0.1:%d" % https_port,
            "header_timeout": "2s"}
    fd = start_fd(routes, main, start=False)
    text = fd.config_path.read_text()
    text += ("\n[tls]\ncert = %s\nkey = %s\nhsts = 31536000\n"
             % (certs / "default.crt", certs / "default.key"))
    fd.write_config(None, text=text)
    fd.start()
    assert wait_until(lambda: port_accepts(https_port), timeout=5), \
        "nothing listens on listen_https"
    assert handshake_ok(https_port), "no TLS handshake on listen_https"
    fd.https_port = https_port
    fd.routes = routes
    fd.main = main
    fd.tls_text = text
    return fd


def s_client(port, *args, data=b"", timeout=10):
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port] + list(args)
    return subprocess.run(cmd, input=data, capture_output=True, timeout=timeout)


def served_cn(port, sni=None):
    args = ["-servername", sni] if sni else ["-noservername"]
    p = s_client(port, *args)
    m = re.search(rb"subject=.*?CN ?= ?([^,\n/]+)", p.stdout)
    assert m, "no certificate from s_client (SNI %s): %s" % (sni, p.stdout[-500:])
    return m.group(1).decode().strip()


def https(fd, host, path, *extra):
    return curl("-i", "--resolve", "%s:%d:127.0.0.1" % (host, fd.https_port),
                *extra, "https://%s:%d%s" % (host, fd.https_port, path))


def test_certificate_per_sni(tls_fd):
    p = tls_fd.https_port
    assert served_cn(p, "app.test") == "app.test"
    assert served_cn(p, "a.wild.test") == "wild.test"
    assert served_cn(p, "unknown.test") == "default.test", "unknown SNI gets the default"
    assert served_cn(p, None) == "default.test", "no SNI gets the default"
    assert served_cn(p, "a.b.wild.test") == "default.test", "a wildcard covers one label"


def test_curl_verifies_and_proxies(tls_fd, certs):
    r = https(tls_fd, "app.test", "/echo?x=1", "--cacert", certs / "app.crt")
    assert r.returncode == 0, "curl over HTTPS failed: %s" % r.stderr
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert re.search(rb"(?im)^strict-transport-security: max-age=31536000", head), \
        "HSTS header missing on HTTPS: %s" % head
    d = json.loads(body)
    proto = [v for k, v in d["headers"] if k.lower() == "x-forwarded-proto"]
    assert proto == ["https"], "X-Forwarded-Proto toward the backend: %s" % proto
    assert d["target"] == "/echo?x=1"


def test_alpn_http11(tls_fd):
    p = s_client(tls_fd.https_port, "-servername", "app.test", "-alpn", "h2,http/1.1")
    assert b"ALPN protocol: http/1.1" in p.stdout, p.stdout[-800:]


def test_https_redirect_and_no_hsts_on_http(tls_fd):
    r = tls_fd.get("/some/path?q=1", host="app.test")
    assert r.status == 308, "plain HTTP on an https_redirect route: %s" % r.status
    assert r.header("Location") == "https://app.test:%d/some/path?q=1" % tls_fd.https_port
    assert not r.has("Strict-Transport-Security"), "HSTS must not be sent over plain HTTP"
    r = tls_fd.get("/echo", host="other.test")
    assert r.status == 200, "a route without https_redirect stays on HTTP"


def test_https_redirect_of_a_long_path_is_whole(tls_fd):
    """A Location longer than the access log keeps of a string (4 KiB) is
    still whole, and the response still well-formed on a kept connection."""
    path = "/" + "p" * 6000 + "?q=1"
    with tls_fd.conn() as c:
        c.request("GET", path, host="app.test")
        r = c.read_response()
        assert r.status == 308
        assert r.header("Location") == "https://app.test:%d%s" % (tls_fd.https_port, path), \
            "the Location was cut: %d bytes" % len(r.header("Location") or "")
        assert r.header("x-request-id"), "the fields after a long Location are lost"
        c.request("GET", "/echo", host="other.test")
        assert c.read_response().status == 200, "the connection after a long redirect is not clean"


@pytest.mark.parametrize("flag", ["-tls1", "-tls1_1"])
def test_old_protocols_refused(tls_fd, flag):
    p = s_client(tls_fd.https_port, flag, "-cipher", "DEFAULT@SECLEVEL=0",
                 "-servername", "app.test")
    assert b"BEGIN CERTIFICATE" not in p.stdout, "%s was accepted" % flag


@pytest.mark.parametrize("cipher", ["AES128-GCM-SHA256", "AES256-SHA",
                                    "ECDHE-RSA-AES128-SHA256",
                                    "ECDHE-ECDSA-AES128-SHA"])
def test_weak_suites_refused(tls_fd, cipher):
    p = s_client(tls_fd.https_port, "-tls1_2", "-cipher", cipher,
                 "-servername", "app.test")
    assert b"BEGIN CERTIFICATE" not in p.stdout, "%s was accepted" % cipher


@pytest.mark.parametrize("tickets", [True, False], ids=["ticket", "cache"])
def test_resumption(tls_fd, workdir, tickets):
    sess = workdir / ("sess-%s.pem" % tickets)
    extra = ["-tls1_2", "-servername", "app.test"] + ([] if tickets else ["-no_ticket"])
    p = s_client(tls_fd.https_port, "-sess_out", str(sess), *extra)
    assert b"New, TLS" in p.stdout, p.stdout[-500:]
    p = s_client(tls_fd.https_port, "-sess_in", str(sess), *extra)
    assert b"Reused, TLS" in p.stdout, "session not resumed (%s): %s" % (
        "ticket" if tickets else "cache", p.stdout[-500:])


def test_tls13_when_built_with_mbedtls3(tls_fd):
    v = subprocess.run([FRONTDOORD, "-V"], capture_output=True, timeout=10).stdout
    p = s_client(tls_fd.https_port, "-tls1_3", "-servername", "app.test")
    if b"TLS 2." in v:
        assert b"BEGIN CERTIFICATE" not in p.stdout, "TLS 1.3 from a 2.28 build?"
        pytest.skip("this frontdoord is built with mbedTLS 2.28: no TLS 1.3")
    assert b"TLSv1.3" in p.stdout, "the mbedTLS 3.6 build does not speak TLS 1.3"


def test_stalled_handshake_closed_after_header_timeout(tls_fd):
    s = socket.create_connection(("127.0.0.1", tls_fd.https_port))
    s.sendall(b"\x16\x03\x01\x00\x40\x01")  # the start of a ClientHello
    s.settimeout(10)
    t0 = time.monotonic()
    try:
        data = s.recv(100)
    except ConnectionResetError:
        data = b""
    took = time.monotonic() - t0
    s.close()
    assert data == b"" or data[:1] == b"\x15", "expected a close (or an alert), got %r" % data
    assert 1.0 < took < 8.0, "closed after %.1fs, header_timeout is 2s" % took


def test_reload_certificate(tls_fd, certs):
    p = tls_fd.https_port
    assert served_cn(p, "a.wild.test") == "wild.test"
    # A renewed certificate (certbot style: same paths, new files).
    make_cert(certs, "wild", "renewed.wild.test", "DNS:*.wild.test")
    tls_fd.reload(text=tls_fd.tls_text)
    assert wait_until(lambda: served_cn(p, "a.wild.test") == "renewed.wild.test",
                      timeout=10), "the renewed certificate is not served after SIGHUP"
    # A broken one keeps the old configuration in force.
    (certs / "wild.crt").write_text("-----BEGIN CERTIFICATE-----\nbroken\n"
                                    "-----END CERTIFICATE-----\n")
    tls_fd.reload(text=tls_fd.tls_text)
    assert tls_fd.wait_stderr(r"wild\.crt: not a PEM certificate"), tls_fd.stderr()
    assert served_cn(p, "a.wild.test") == "renewed.wild.test"


def test_check_mode_names_cert_problems(tls_fd, certs, workdir):
    bad = tls_fd.tls_text.replace(str(certs / "app.key"), str(certs / "default.key"))
    cfg = workdir / "bad.ini"
    cfg.write_text(bad)
    p = subprocess.run([os.environ.get("FRONTDOORD", str(
        __import__("helpers").FRONTDOORD)), "-t", "-c", str(cfg)],
        capture_output=True, timeout=30)
    assert p.returncode != 0
    assert re.search(rb"bad\.ini:\d+: \[route app\] tls_key: .*default\.key: does not "
                     rb"match the certificate", p.stderr), p.stderr


def test_testssl(tls_fd, workdir):
    exe = shutil.which("testssl") or shutil.which("testssl.sh")
    assert exe, "testssl.sh is not installed (scripts/deps.sh check installs it)"
    out = workdir / "testssl.json"
    for attempt in range(2):
        # testssl.sh gives up on a host it finds slow to connect; on a
        # loaded machine that can happen once: try again before judging.
        if out.exists():
            out.unlink()
        p = subprocess.run([exe, "--quiet", "--color", "0", "--warnings", "off",
                            "--connect-timeout", "10", "--openssl-timeout", "10",
                            "-p", "-s", "-f", "-U", "--ip", "127.0.0.1",
                            "--jsonfile", str(out),
                            "https://app.test:%d" % tls_fd.https_port],
                           capture_output=True, timeout=900)
        if out.exists() and out.stat().st_size > 0:
            break
    assert out.exists(), "testssl.sh wrote no report (exit %d): %s" % (
        p.returncode, (p.stdout + p.stderr)[-2000:].decode(errors="replace"))
    findings = json.loads(out.read_text())
    bad = [f for f in findings
           if f.get("severity") in ("MEDIUM", "HIGH", "CRITICAL")
           and f.get("id") not in ("cert_chain_of_trust", "cert_trust",
                                   "OCSP_stapling", "DNS_CAArecord")]
    offered = {f["id"]: f["finding"] for f in findings
               if f["id"] in ("SSLv2", "SSLv3", "TLS1", "TLS1_1")}
    assert all("not offered" in v for v in offered.values()), offered
    assert not bad, "testssl.sh findings: %s" % json.dumps(bad, indent=1)


def _tls_request(port, payload):
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    # Ragged EOFs raise: a close without close_notify is seen.
    s = ctx.wrap_socket(raw, server_hostname="app.test",
                        suppress_ragged_eofs=False)
    s.sendall(payload)
    return s


def test_close_notify_after_connection_close(tls_fd):
    p = subprocess.run(["openssl", "s_client", "-connect",
                        "127.0.0.1:%d" % tls_fd.https_port, "-servername", "app.test",
                        "-quiet", "-ign_eof"],
                       input=b"GET /echo HTTP/1.1\r\nHost: app.test\r\n"
                             b"Connection: close\r\n\r\n",
                       capture_output=True, timeout=20)
    assert b"HTTP/1.1 200" in p.stdout, p.stdout[:200]
    assert b"unexpected eof" not in p.stderr, \
        "the connection closed without close_notify: %r" % p.stderr[-300:]


def test_keepalive_tls_connection_parks_and_wakes(tls_fd):
    s = _tls_request(tls_fd.https_port,
                     b"GET /echo HTTP/1.1\r\nHost: app.test\r\n\r\n")
    try:
        for i in range(3):
            if i:
                # Past the park delay: the next request wakes a parked state.
                time.sleep(1.3)
                s.sendall(b"GET /echo HTTP/1.1\r\nHost: app.test\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                d = s.recv(65536)
                assert d, "connection closed while idle"
                head += d
            assert head.startswith(b"HTTP/1.1 200"), head[:100]
            n = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
            body = head.split(b"\r\n\r\n", 1)[1]
            while len(body) < n:
                body += s.recv(65536)
    finally:
        s.close()


def test_refused_request_answer_reaches_a_client_still_sending(tls_fd):
    """frontdoord(8), lingering close, over TLS: after close_notify the daemon
    reads and drops what the client still sends, so the 400 is read, not
    destroyed by a reset."""
    s = _tls_request(tls_fd.https_port,
                     b"POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: 1x\r\n\r\n")
    try:
        time.sleep(0.3)  # the 400 and close_notify are out
        try:
            for _ in range(3):
                s.sendall(b"x" * 65536)
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError) as e:
            pytest.fail("the connection was reset while the client still sent: %s" % e)
        s.settimeout(5)
        got = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
        assert got.startswith(b"HTTP/1.1 400"), got[:100]
    finally:
        s.close()


# The client has no TLS in it: the one in build/ serves every daemon build.
FRONTDOOR = os.path.abspath(os.environ.get("FRONTDOOR", str(REPO / "build" / "frontdoor")))


def test_status_lists_every_listener(tls_fd):
    """frontdoor(1) status names the HTTPS listeners beside the HTTP ones."""
    fd = tls_fd
    https = re.search(r"^listen_https\s*=\s*(\S+)", fd.config_path.read_text(), re.M).group(1)
    sock = str(fd.dir / "control.sock")
    p = subprocess.run([FRONTDOOR, "-s", sock, "--json", "status"], capture_output=True,
                       text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    st = json.loads(p.stdout.splitlines()[0])
    assert st["listeners"] == ["127.0.0.1:%d" % fd.port], st
    assert st["listeners_https"] == [https], st
    p = subprocess.run([FRONTDOOR, "-s", sock, "status"], capture_output=True, text=True,
                       timeout=10, stdin=subprocess.DEVNULL)
    assert p.returncode == 0 and "https listeners: %s" % https in p.stdout, p.stdout


def test_check_warns_when_a_route_certificate_misses_its_hosts(start_fd, backend, certs):
    """frontdoord -t warns, naming FILE:LINE, the route and the host, when a
    route's tls_cert does not cover one of its hosts; a covered host (also a
    wildcard name for a wildcard host) passes without a word."""
    routes = {"app": {"host": "app.test, other.test", "backends": backend.addr,
                      "tls_cert": str(certs / "app.crt"), "tls_key": str(certs / "app.key")},
              "wild": {"host": "*.wild.test, a.wild.test", "backends": backend.addr,
                       "tls_cert": str(certs / "wild.crt"),
                       "tls_key": str(certs / "wild.key")}}
    fd = start_fd(routes, {"listen_https": "127.0.0.1:%d" % free_port()}, start=False)
    p = subprocess.run([FRONTDOORD, "-t", "-c", str(fd.config_path)], capture_output=True,
                       text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    warns = [l for l in p.stderr.splitlines() if "does not cover" in l]
    assert len(warns) == 1, p.stderr
    assert re.search(r"%s:\d+: \[route app\] tls_cert: \S+app\.crt does not cover host "
                     r"other\.test \(its names: app\.test\)" % re.escape(str(fd.config_path)),
                     warns[0]), warns


def test_https_only_backend_gets_a_hint(start_fd, certs):
    """A backend that serves only HTTPS (openssl s_server) fails with 502,
    and the error log says why: frontdoor speaks plain HTTP to backends."""
    port = free_port()
    srv = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
                            "-cert", str(certs / "app.crt"), "-key", str(certs / "app.key"),
                            "-www", "-quiet"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: port_accepts(port), 5), "openssl s_server did not start"
        fd = start_fd({"app": {"path": "/", "backends": "127.0.0.1:%d" % port}})
        assert fd.get("/").status == 502
        assert fd.wait_stderr(r"127\.0\.0\.1:%d: .*before a response \(as an app that serves "
                              r"only HTTPS does: frontdoor speaks plain HTTP to backends\)"
                              % port), fd.stderr()[-2000:]
    finally:
        srv.kill()
        srv.wait(5)


def test_backend_answering_tls_records_gets_a_hint(start_fd):
    """A backend that answers a plain request with a TLS alert record is
    named in the error log as one that serves HTTPS."""
    import threading
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    ls.settimeout(10)

    def serve():
        try:
            c, _ = ls.accept()
            c.recv(4096)
            c.sendall(b"\x15\x03\x01\x00\x02\x02\x46")  # alert: protocol_version
            c.close()
        except OSError:
            pass
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        fd = start_fd({"app": {"path": "/", "backends": "127.0.0.1:%d" % ls.getsockname()[1]}})
        assert fd.get("/").status == 502
        assert fd.wait_stderr(r"route app, backend 127\.0\.0\.1:\d+: answered with TLS: it "
                              r"serves HTTPS"), fd.stderr()[-2000:]
    finally:
        ls.close()
        t.join(5)
