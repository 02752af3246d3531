# SPDX-License-Identifier: ISC
"""SPEC §5 access log: combined (+ ms, route, backend) and json formats."""

import datetime
import json
import re

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
