# SPDX-License-Identifier: ISC
"""frontdoor.ini(5) request_header, response_header and security_headers:
fields set and removed toward the backend and toward the client (proxied
responses and cache hits), their variables, the security preset an app
overrides, HSTS only over TLS, and the names and values refused at load."""

import json
import os
import re
import subprocess

import pytest

from helpers import FRONTDOORD, Frontdoor, curl, free_port, port_accepts, wait_until


def hdr_all(d, name):
    """Every value of a header in an /echo JSON reply."""
    return [v for k, v in d["headers"] if k.lower() == name.lower()]


def launch(start_fd, backend, route_lines, main=None, extra="", routes=None):
    fd = start_fd(routes or {"app": {"path": "/", "backends": backend.addr}},
                  main, start=False)
    text = fd.config_path.read_text()
    text = text.replace("[route app]\n", "[route app]\n" + "".join(
        l + "\n" for l in route_lines), 1)
    fd.write_config(None, text=text + extra)
    fd.start()
    return fd


RULES = [
    "request_header = X-Env: home",
    "request_header = -X-Drop-Me",
    "request_header = X-Client: $client_ip",
    "request_header = X-Trace: id=$request_id route=$route scheme=$scheme cost=$$5",
    "request_header = X-Twice: one",
    "request_header = X-Twice: two",
    "response_header = -Server",
    "response_header = X-Served-By: $route",
    "response_header = X-Id: $request_id",
    "response_header = X-Replaced: ours",
]


def test_request_rules_seen_by_the_backend(start_fd, backend):
    fd = launch(start_fd, backend, RULES)
    r = fd.get("/echo", headers={"X-Env": "client", "X-Drop-Me": "secret",
                                 "X-Twice": "client", "X-Keep": "kept"})
    assert r.status == 200, "a route with header rules answered %s" % r.status
    d = r.json()
    assert hdr_all(d, "X-Env") == ["home"], \
        "request_header = X-Env: home must replace the client's: %s" % hdr_all(d, "X-Env")
    assert hdr_all(d, "X-Drop-Me") == [], "request_header = -X-Drop-Me left the client's field"
    assert hdr_all(d, "X-Keep") == ["kept"], "a field no rule names must pass unchanged"
    assert hdr_all(d, "X-Twice") == ["one", "two"], \
        "two rules for one name send both, in order: %s" % hdr_all(d, "X-Twice")
    assert hdr_all(d, "X-Client") == ["127.0.0.1"], "$client_ip: %s" % hdr_all(d, "X-Client")
    rid = hdr_all(d, "X-Request-Id")
    assert len(rid) == 1 and rid[0], "the backend got no X-Request-Id"
    assert hdr_all(d, "X-Trace") == ["id=%s route=app scheme=http cost=$5" % rid[0]], \
        "variables in a value not expanded: %s" % hdr_all(d, "X-Trace")
    # Toward the client.
    assert r.header_all("X-Served-By") == ["app"], "response_header with $route: %r" % r.headers
    assert r.header_all("X-Id") == [rid[0]], \
        "$request_id toward the client must be the backend's X-Request-Id"


def test_response_rules_set_and_remove_the_app_fields(start_fd, backend):
    fd = launch(start_fd, backend, RULES)
    r = fd.get("/echo?h=Server:testbackend/1&h=X-Replaced:app&h=X-Other:kept")
    assert r.status == 200
    assert r.header_all("Server") == [], "response_header = -Server left %r" % r.header_all("Server")
    assert r.header_all("X-Replaced") == ["ours"], \
        "a set rule must replace the app's field: %r" % r.header_all("X-Replaced")
    assert r.header_all("X-Other") == ["kept"], "a field no rule names must pass"
    assert json.loads(r.body)["target"].startswith("/echo"), "the body must be the backend's"


def test_no_rules_no_change(fd, backend):
    r = fd.get("/echo?h=Server:testbackend/1", headers={"X-Env": "client"})
    assert r.header_all("Server") == ["testbackend/1"]
    assert hdr_all(r.json(), "X-Env") == ["client"]
    for name in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                 "Content-Security-Policy", "Strict-Transport-Security"):
        assert not r.has(name), "%s sent without security_headers = yes" % name


def test_cache_hits_get_the_response_rules(start_fd, backend):
    fd = launch(start_fd, backend, ["cache = 1m"] + RULES)
    url = "/cacheable?maxage=60"
    first = fd.get(url)
    hit = fd.get(url)
    assert first.status == 200 and hit.status == 200
    assert hit.header("X-Cache") == "HIT", "second fetch not served from the cache: %r" % hit.headers
    assert backend.heads["/cacheable"] == 1, "the hit reached the backend"
    for r, what in ((first, "miss"), (hit, "hit")):
        assert r.header_all("X-Served-By") == ["app"], \
            "response rules missing on a cache %s: %r" % (what, r.headers)
        assert r.header_all("X-Replaced") == ["ours"], what
    assert first.header("X-Id") != hit.header("X-Id"), \
        "a hit must get its own $request_id, not the stored one"


def test_rules_do_not_touch_frontdoor_error_pages(start_fd, backend):
    fd = launch(start_fd, backend, RULES + ["security_headers = yes"],
                routes={"app": {"path": "/", "backends": "127.0.0.1:%d" % free_port()}})
    r = fd.get("/")
    assert r.status == 502, "a dead backend answered %s" % r.status
    assert not r.has("X-Served-By"), "response_header applied to frontdoor's own error page"
    assert not r.has("X-Frame-Options"), "security_headers applied to frontdoor's own error page"


SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "frame-ancestors 'self'",
}


def test_security_headers_preset(start_fd, backend):
    fd = launch(start_fd, backend, ["security_headers = yes"])
    r = fd.get("/echo")
    for name, value in SECURITY.items():
        assert r.header_all(name) == [value], \
            "security_headers = yes: %s is %r, want [%r]" % (name, r.header_all(name), value)
    assert not r.has("Strict-Transport-Security"), "HSTS sent over plain HTTP"


def test_security_headers_app_overrides(start_fd, backend):
    fd = launch(start_fd, backend, ["security_headers = yes",
                                    "response_header = -Referrer-Policy"])
    r = fd.get("/echo?h=X-Frame-Options:DENY&h=X-Content-Type-Options:other")
    assert r.header_all("X-Frame-Options") == ["DENY"], \
        "the app's own X-Frame-Options must win: %r" % r.header_all("X-Frame-Options")
    assert r.header_all("X-Content-Type-Options") == ["other"], \
        "the app's own X-Content-Type-Options must win: %r" % r.header_all("X-Content-Type-Options")
    assert not r.has("Content-Security-Policy"), \
        "frame-ancestors added beside the app's own X-Frame-Options"
    assert not r.has("Referrer-Policy"), "a -Name rule must keep the preset from adding Name"
    r = fd.get("/echo?h=Content-Security-Policy:default-src%20'none'")
    assert r.header_all("Content-Security-Policy") == ["default-src 'none'"], \
        "the app's own CSP must be the only one: %r" % r.header_all("Content-Security-Policy")
    assert r.header_all("X-Frame-Options") == ["SAMEORIGIN"]


def make_cert(d, name, cn):
    subprocess.run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
                   "-nodes -keyout %s.key -out %s.crt -days 30 -subj /CN=%s "
                   "-addext subjectAltName=DNS:%s" % (name, name, cn, cn),
                   shell=True, cwd=str(d), check=True, capture_output=True, timeout=60)
    os.chmod(d / ("%s.key" % name), 0o644)
    os.chmod(d / ("%s.crt" % name), 0o644)


def tls_launch(start_fd, backend, workdir, route_lines, hsts):
    make_cert(workdir, "app", "app.test")
    port = free_port()
    tls = "\n[tls]\ncert = %s\nkey = %s\n" % (workdir / "app.crt", workdir / "app.key")
    if hsts:
        tls += "hsts = %s\n" % hsts
    fd = launch(start_fd, backend, route_lines, main={"listen_https": "127.0.0.1:%d" % port},
                extra=tls)
    assert wait_until(lambda: port_accepts(port), timeout=5), "nothing listens on listen_https"
    fd.https_port = port
    return fd


def https_head(fd, path):
    p = curl("-i", "-k", "--resolve", "app.test:%d:127.0.0.1" % fd.https_port,
             "https://app.test:%d%s" % (fd.https_port, path))
    assert p.returncode == 0, "curl over HTTPS failed: %s" % p.stderr
    head, _, body = p.stdout.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


def hsts_lines(head):
    return re.findall(r"(?im)^strict-transport-security: *(.*?)\r?$", head)


def test_security_headers_hsts_over_tls(start_fd, backend, workdir):
    fd = tls_launch(start_fd, backend, workdir,
                    ["security_headers = yes", "request_header = X-Scheme: $scheme"], None)
    head, body = https_head(fd, "/echo")
    assert hsts_lines(head) == ["max-age=31536000"], \
        "security_headers over TLS must add one HSTS: %s" % head
    assert re.search(r"(?im)^x-frame-options: SAMEORIGIN", head), head
    assert hdr_all(json.loads(body), "X-Scheme") == ["https"], "$scheme over TLS"
    head, _ = https_head(fd, "/echo?h=Strict-Transport-Security:max-age=60")
    assert hsts_lines(head) == ["max-age=60"], "the app's own HSTS must be the only one: %s" % head
    assert not fd.get("/echo").has("Strict-Transport-Security"), "HSTS over plain HTTP"


def test_security_headers_with_tls_hsts_send_one(start_fd, backend, workdir):
    fd = tls_launch(start_fd, backend, workdir, ["security_headers = yes"], "600")
    head, _ = https_head(fd, "/echo")
    assert hsts_lines(head) == ["max-age=600"], \
        "[tls] hsts and security_headers must give one HSTS, [tls]'s: %s" % head


def test_rule_removing_hsts_wins_over_tls_hsts(start_fd, backend, workdir):
    fd = tls_launch(start_fd, backend, workdir,
                    ["response_header = -Strict-Transport-Security"], "600")
    head, _ = https_head(fd, "/echo")
    assert hsts_lines(head) == [], "a -Strict-Transport-Security rule left %s" % head


# -- refused at load -----------------------------------------------------------

@pytest.mark.parametrize("bad,says", [
    ("request_header = Content-Length: 5", "framing"),
    ("request_header = Host: x", "preserve_host"),
    ("response_header = Transfer-Encoding: chunked", "framing"),
    ("request_header = Connection: close", "hop-by-hop"),
    ("request_header = X_Real_IP: 1.2.3.4", "identity"),
    ("response_header = -X-Forwarded-Prefix", "identity"),
    ("request_header = X-A: $nope", "$nope"),
    ("request_header = X-A: a\x01b", "control"),
    ("request_header = X A: b", "field name"),
    ("response_header = -", "field name"),
])
def test_check_refuses(workdir, bad, says):
    fd = Frontdoor(workdir, {"app": {"path": "/", "backends": "127.0.0.1:9"}})
    text = fd.config_path.read_text().rstrip("\n").split("\n")
    text.append(bad)
    line = len(text)
    fd.write_config(None, text="\n".join(text) + "\n")
    p = subprocess.run([FRONTDOORD, "-t", "-c", str(fd.config_path)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1, "-t accepted %r (exit %d)" % (bad, p.returncode)
    want = "%s:%d:" % (fd.config_path, line)
    hits = [l for l in p.stderr.splitlines() if l.startswith(want)]
    assert hits, "-t on %r: no line starting %r:\n%s" % (bad, want, p.stderr)
    assert says in hits[0], "-t on %r should say %r: %s" % (bad, says, hits[0])


def test_check_accepts_rules(workdir):
    fd = Frontdoor(workdir, {"app": {"path": "/", "backends": "127.0.0.1:9"}})
    text = fd.config_path.read_text() + "".join(l + "\n" for l in RULES) + \
        "security_headers = yes\nresponse_header = Host: fine\n"
    fd.write_config(None, text=text)
    p = subprocess.run([FRONTDOORD, "-t", "-c", str(fd.config_path)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, "-t refused good rules: %s" % p.stderr
