# SPDX-License-Identifier: ISC
"""Helpers for frontdoor's end-to-end tests: config files, the daemon under
test, a raw-socket HTTP client and a curl wrapper.  Every wait is bounded."""

import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FRONTDOORD = os.path.abspath(os.environ.get("FRONTDOORD", str(REPO / "build" / "frontdoord")))
SANITIZER_MARKS = ("AddressSanitizer", "runtime error:", "LeakSanitizer",
                   "ThreadSanitizer")


_ports_given = set()


def free_port():
    """A free port on 127.0.0.1, never one this process was given before:
    the kernel may hand a just-closed port out again, and a test that asks
    for several (one per listener) needs them distinct."""
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port not in _ports_given:
            _ports_given.add(port)
            return port


def wait_until(pred, timeout=10.0, interval=0.05):
    """Poll pred() until it returns a truthy value or timeout; returns it."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(interval)


def port_accepts(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# -- configuration -----------------------------------------------------------

def ini_value(v):
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return str(v)


def render_ini(sections):
    """sections: {section name: {key: value}} in order -> INI text.  A value of
    None leaves the key out."""
    out = []
    for name, keys in sections.items():
        out.append("[%s]" % name)
        for k, v in keys.items():
            if v is not None:
                out.append("%s = %s" % (k, ini_value(v)))
        out.append("")
    return "\n".join(out)


# -- the daemon under test ---------------------------------------------------

class Frontdoor:
    """One frontdoord in its own world-writable temp dir (the daemon drops to
    `nobody` when the tests run as root and must still reopen its logs)."""

    def __init__(self, workdir, routes, main=None, port=None):
        self.dir = Path(workdir)
        self.port = port or free_port()
        self.config_path = self.dir / "frontdoor.ini"
        self.access_log = self.dir / "access.log"
        self.stderr_path = self.dir / "stderr.log"
        self.stdout_path = self.dir / "stdout.log"
        self.proc = None
        self.stopped = False
        self.expected_exit = False
        self.write_config(routes, main)

    def sections(self, routes, main=None):
        base = {
            "listen_http": "127.0.0.1:%d" % self.port,
            "user": "nobody" if os.geteuid() == 0 else None,
            "workers": 1,
            "control_socket": str(self.dir / "control.sock"),
            "state_file": str(self.dir / "state.ini"),
            "access_log": str(self.access_log),
            "access_log_format": "combined",
            "error_log": "stderr",
            "log_level": "info",
            "trusted_proxies": "127.0.0.1/32",
            "shutdown_timeout": "5s",
        }
        base.update(main or {})
        secs = {"frontdoor": base}
        for name, keys in routes.items():
            secs["route %s" % name] = keys
        return secs

    def write_config(self, routes, main=None, text=None):
        if text is None:
            text = render_ini(self.sections(routes, main))
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.config_path)
        return text

    def start(self, ready_timeout=10.0):
        if not os.access(FRONTDOORD, os.X_OK):
            raise AssertionError("%s is not built (run `make build/frontdoord`)" % FRONTDOORD)
        self.err = open(self.stderr_path, "wb")
        self.out = open(self.stdout_path, "wb")
        self.proc = subprocess.Popen([FRONTDOORD, "-c", str(self.config_path)],
                                     stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=self.err, cwd=str(self.dir))
        end = time.monotonic() + ready_timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                self.expected_exit = True  # reported here, not again at teardown
                raise AssertionError(
                    "frontdoord exited with %s at start-up; stderr:\n%s"
                    % (self.proc.returncode, self.stderr()))
            # Ready when it accepts and its control socket is there: the
            # listeners are bound (and accept into their backlog) before the
            # control socket is made.
            ctl = self._ctl_socket()
            if port_accepts(self.port) and (ctl is None or os.path.exists(ctl)):
                return self
            time.sleep(0.05)
        raise AssertionError("frontdoord did not accept on 127.0.0.1:%d within %ss; stderr:\n%s"
                             % (self.port, ready_timeout, self.stderr()))

    def _ctl_socket(self):
        m = re.search(r"^control_socket\s*=\s*(\S+)", self.config_path.read_text(),
                      re.M)
        return m.group(1) if m else None

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        assert self.alive(), "frontdoord is not running (exit %s); stderr:\n%s" % (
            self.proc.returncode, self.stderr())
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=15.0):
        """The test stopped the daemon itself: wait (bounded) for its exit
        status; None if it is still running."""
        self.expected_exit = True
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def reload(self, routes=None, main=None, text=None):
        self.write_config(routes or {}, main, text)
        self.signal(signal.SIGHUP)

    def stop(self, timeout=15.0):
        """SIGTERM, bounded wait, SIGKILL.  Returns a list of problems."""
        problems = []
        if self.proc is None or self.stopped:
            return problems
        self.stopped = True
        if self.proc.poll() is not None:
            if not self.expected_exit:
                problems.append("frontdoord died during the test (exit status %s)"
                                % self.proc.returncode)
            elif self.proc.returncode != 0:
                problems.append("frontdoord exited with status %s" % self.proc.returncode)
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                problems.append("frontdoord did not exit within %ss of SIGTERM (killed)" % timeout)
            else:
                if self.proc.returncode != 0:
                    problems.append("frontdoord exited with status %s after SIGTERM"
                                    % self.proc.returncode)
        self.err.close()
        self.out.close()
        text = self.stderr()
        for mark in SANITIZER_MARKS:
            if mark in text:
                problems.append("sanitizer report (%s) in frontdoord's stderr" % mark)
                break
        if problems:
            problems.append("stderr tail:\n" + text[-3000:])
        return problems

    def stderr(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_stderr(self, pattern, timeout=10.0):
        rx = re.compile(pattern)
        return wait_until(lambda: rx.search(self.stderr()), timeout)

    def access_lines(self, path=None):
        p = Path(path) if path else self.access_log
        try:
            return [l for l in p.read_text(errors="replace").splitlines() if l]
        except OSError:
            return []

    def wait_access_lines(self, n, timeout=10.0, path=None):
        """Wait until the access log holds at least n lines; return them."""
        wait_until(lambda: len(self.access_lines(path)) >= n, timeout)
        return self.access_lines(path)

    def rss_kb(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS for pid %d" % self.pid)

    def threads(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
        return 0

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def conn(self, **kw):
        return HttpConn(self.port, **kw)

    def get(self, path, headers=None, host="app.test", method="GET", body=b"", **kw):
        """One request on a fresh connection; returns the Response."""
        with self.conn(**kw) as c:
            c.request(method, path, headers=headers, host=host, body=body)
            return c.read_response(head=(method == "HEAD"))


# -- raw HTTP client ---------------------------------------------------------

class Response:
    def __init__(self, version, status, reason, headers, body, raw_head):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.raw_head = raw_head

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def has(self, name):
        return self.header(name) is not None

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<Response %s %s %r body=%d bytes>" % (
            self.status, self.reason, self.headers, len(self.body or b""))


class ConnectionClosed(Exception):
    pass


class HttpConn:
    """A client socket that sends raw bytes and parses responses strictly."""

    def __init__(self, port, host="127.0.0.1", source=None, timeout=10.0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((host, port))
        self.buf = b""
        self.timeout = timeout

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.sendall(data)

    def request(self, method, target, headers=None, host="app.test", body=b"",
                version="HTTP/1.1"):
        hs = []
        if host is not None:
            hs.append(("Host", host))
        hs += list(headers.items()) if isinstance(headers, dict) else (headers or [])
        if body and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in hs):
            hs.append(("Content-Length", str(len(body))))
        head = "%s %s %s\r\n" % (method, target, version)
        head += "".join("%s: %s\r\n" % kv for kv in hs) + "\r\n"
        self.send(head.encode("latin-1") + body)

    def _fill(self):
        data = self.sock.recv(262144)
        if not data:
            raise ConnectionClosed()
        self.buf += data

    def _until(self, sep, limit=1 << 20):
        while True:
            i = self.buf.find(sep)
            if i >= 0:
                out, self.buf = self.buf[:i], self.buf[i + len(sep):]
                return out
            if len(self.buf) > limit:
                raise AssertionError("no %r within %d bytes" % (sep, limit))
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_head(self):
        raw = self._until(b"\r\n\r\n")
        lines = raw.split(b"\r\n")
        parts = lines[0].decode("latin-1").split(" ", 2)
        version, status = parts[0], int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            k, v = line.decode("latin-1").split(":", 1)
            headers.append((k, v.strip()))
        return Response(version, status, reason, headers, b"", raw)

    def read_response(self, head=False, skip_1xx=True, max_body=1 << 30):
        """Read one response.  head: it answers a HEAD (no body)."""
        while True:
            r = self.read_head()
            if not (skip_1xx and 100 <= r.status < 200 and r.status != 101):
                break
        if head or r.status in (204, 304) or 100 <= r.status < 200:
            return r
        te = ",".join(r.header_all("transfer-encoding")).lower()
        if "chunked" in te:
            body = []
            while True:
                size = int(self._until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    while self._until(b"\r\n") != b"":
                        pass
                    break
                body.append(self._exact(size))
                assert self._exact(2) == b"\r\n", "chunk not followed by CRLF"
            r.body = b"".join(body)
        elif r.has("content-length"):
            r.body = self._exact(int(r.header("content-length")))
        else:
            r.body = self.read_to_close(max_bytes=max_body)
        return r

    def read_to_close(self, timeout=None, max_bytes=1 << 30):
        """Everything until EOF (a reset counts as EOF)."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        out = [self.buf]
        self.buf = b""
        n = len(out[0])
        while n <= max_bytes:
            try:
                data = self.sock.recv(262144)
            except ConnectionResetError:
                break
            if not data:
                break
            out.append(data)
            n += len(data)
        return b"".join(out)

    def closed_by_peer(self, timeout=5.0):
        """True when the server closes (EOF or reset) within timeout with no
        further bytes; False on timeout; raises if bytes arrive."""
        self.sock.settimeout(timeout)
        try:
            data = self.buf or self.sock.recv(65536)
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        finally:
            self.sock.settimeout(self.timeout)
        if data:
            raise AssertionError("expected the connection to close, got %r" % data[:200])
        return True


# -- curl --------------------------------------------------------------------

def curl(*args, timeout=60):
    """Run curl (-sS, bounded); returns CompletedProcess (bytes)."""
    cmd = ["curl", "-sS", "--max-time", str(timeout), "--noproxy", "*"] + [str(a) for a in args]
    return subprocess.run(cmd, capture_output=True, timeout=timeout + 10)
