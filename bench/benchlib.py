# SPDX-License-Identifier: ISC
"""Shared pieces of bench/run and bench/smoke: starting and stopping the
servers (each by its PID), reading /proc for CPU time and RSS, and running
wrk.  Standard library only: run with /usr/bin/python3."""

import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
CONF_DIR = os.path.join(BENCH_DIR, "conf")
HZ = os.sysconf("SC_CLK_TCK")

# The origin's files: name -> size in bytes.
BODIES = {"13": 13, "4k": 4096, "64k": 65536}


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def is_root():
    return os.geteuid() == 0


def need_tools(*tools):
    """Fail with the apt-get line when a tool is missing."""
    pkgs = {"nginx": "nginx-light", "haproxy": "haproxy", "wrk": "wrk",
            "lighttpd": "lighttpd lighttpd-mod-mbedtls", "openssl": "openssl",
            "cc": "gcc", "perf": "linux-perf"}
    missing = [t for t in tools if shutil.which(t) is None and
               not os.path.exists("/usr/sbin/" + t)]
    if missing:
        raise BenchError("missing %s; install with: apt-get install %s (or: "
                         "scripts/deps.sh bench)" % (
                             ", ".join(missing),
                             " ".join(pkgs.get(t, t) for t in missing)))


def tool(name):
    path = shutil.which(name)
    if path is None and os.path.exists("/usr/sbin/" + name):
        path = "/usr/sbin/" + name
    return path


def raise_nofile(want):
    """Raise RLIMIT_NOFILE for us and every child as far as allowed (the
    hard limit too when we may); returns the soft limit."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    tries = [(max(soft, want), max(hard, want))] if is_root() else []
    tries.append((min(max(soft, want), hard), hard))
    for lim in tries:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, lim)
            break
        except (ValueError, OSError):
            continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def nofile():
    import resource
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# Connections each server is configured for: enough for the memory run's
# idle clients plus the backend side.  nginx and HAProxy size tables from
# it at start-up, so it is the same for every candidate and every run.
MAX_CONNS = 11000


def set_max_conns(n):
    global MAX_CONNS
    MAX_CONNS = max(11000, n)


def free_port():
    """An unused TCP port on 127.0.0.1 (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill_template(name, dest, values):
    """Copy bench/conf/NAME to DEST with every @KEY@ replaced."""
    with open(os.path.join(CONF_DIR, name)) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k, str(v))
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise BenchError("%s: unfilled %s" % (name, ", ".join(set(left))))
    with open(dest, "w") as f:
        f.write(text)
    os.chmod(dest, 0o644)
    return dest


# --- /proc -----------------------------------------------------------------

def _stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        data = f.read()
    # The command name may hold spaces and parentheses: split after the last.
    return data[data.rindex(")") + 2:].split()


def tree_pids(root):
    """ROOT and all its descendants that exist now."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            ppid = int(_stat_fields(int(d))[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_ticks(pids):
    """utime + stime, in clock ticks, summed over PIDS (all threads)."""
    total = 0
    for p in pids:
        try:
            f = _stat_fields(p)
        except OSError:
            continue
        total += int(f[11]) + int(f[12])
    return total


def system_ticks():
    """Busy CPU time of the whole machine, in clock ticks (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


def rss_kib(pids):
    """VmRSS in KiB summed over PIDS."""
    total = 0
    for p in pids:
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def busy_processes(min_pct=5.0, interval=1.0):
    """Processes other than ours that used more than MIN_PCT of a CPU over
    INTERVAL seconds: [(pct, pid, name)], busiest first."""
    def sample():
        out = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    data = f.read()
                name = data[data.index("(") + 1:data.rindex(")")]
                f2 = data[data.rindex(")") + 2:].split()
                out[int(d)] = (name, int(f2[11]) + int(f2[12]))
            except (OSError, ValueError):
                continue
        return out
    a = sample()
    time.sleep(interval)
    b = sample()
    me = os.getpid()
    busy = []
    for pid, (name, t) in b.items():
        if pid == me or pid not in a:
            continue
        pct = (t - a[pid][1]) * 100.0 / HZ / interval
        if pct >= min_pct:
            busy.append((pct, pid, name))
    return sorted(busy, reverse=True)


def machine_info():
    info = {"cpus": os.cpu_count(), "kernel": os.uname().release}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["mem_kib"] = int(f.readline().split()[1])
        with open("/proc/loadavg") as f:
            info["loadavg"] = f.read().split()[:3]
    except OSError:
        pass
    return info


# --- servers -----------------------------------------------------------------

class Server:
    """A server process started by us and stopped by its PID."""

    def __init__(self, name, argv, rundir, port, logname, tls=None):
        self.name = name
        self.argv = argv
        self.port = port
        self.tls = tls          # None, or the certificate kind: "ec", "rsa"
        self.logpath = os.path.join(rundir, logname)
        self.proc = None
        self.known = {}         # PID -> start time of its tree, for stop()
        self.max_idle = None    # most idle client connections it can hold

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        out = open(self.logpath, "ab")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=subprocess.STDOUT,
                                     close_fds=True)
        out.close()
        wait_http(self, "/13", BODIES["13"], tls=self.tls is not None)
        self.pids()
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def pids(self):
        if not self.alive():
            return []
        p = tree_pids(self.proc.pid)
        for q in p:
            if q not in self.known:
                try:
                    self.known[q] = _stat_fields(q)[19]
                except (OSError, IndexError):
                    pass
        return p

    def log_text(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL after TIMEOUT; then any child left over.
        Returns the exit status (None if it was never started)."""
        if self.proc is None:
            return None
        if self.alive():
            self.pids()
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log("bench: %s (pid %d) ignored SIGTERM; killing it"
                    % (self.name, self.proc.pid))
                self.proc.kill()
                self.proc.wait()
        # Workers of a master that died: stop them by their own PIDs (the
        # start time tells a reused PID from ours).
        for p, started in self.known.items():
            if p == self.proc.pid:
                continue
            try:
                if _stat_fields(p)[19] == started:
                    os.kill(p, signal.SIGKILL)
            except (OSError, IndexError):
                pass
        return self.proc.returncode


def wait_http(server, path, size, timeout=10.0, tls=False):
    """Wait until SERVER answers GET PATH with 200 and SIZE bytes (over
    HTTPS, without verifying the certificate, with TLS)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not server.alive():
            raise BenchError("%s exited (status %s) while starting; its "
                             "log %s:\n%s" % (server.name,
                                              server.proc.returncode,
                                              server.logpath,
                                              server.log_text()[-2000:]))
        try:
            if tls:
                import ssl
                sc = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                sc.check_hostname = False
                sc.verify_mode = ssl.CERT_NONE
                c = http.client.HTTPSConnection("127.0.0.1", server.port,
                                                timeout=2, context=sc)
            else:
                c = http.client.HTTPConnection("127.0.0.1", server.port,
                                               timeout=2)
            c.request("GET", path, headers={"Host": "bench.localhost"})
            r = c.getresponse()
            body = r.read()
            c.close()
            if r.status == 200 and len(body) == size:
                return
            last = "status %d, %d bytes" % (r.status, len(body))
        except OSError as e:
            last = str(e)
        time.sleep(0.05)
    raise BenchError("%s on port %d did not serve %s in %.0f s (%s); its log "
                     "%s:\n%s" % (server.name, server.port, path, timeout,
                                  last, server.logpath,
                                  server.log_text()[-2000:]))


def make_rundir(prefix):
    import tempfile
    d = tempfile.mkdtemp(prefix=prefix)
    # Servers drop to nobody after binding and still write their logs,
    # control socket and state file here.
    os.chmod(d, 0o755)
    return d


def user_lines():
    """(nginx, haproxy, frontdoord) lines that make a server started as root
    run as nobody, as frontdoord must; empty when we are not root."""
    if not is_root():
        return ("", "", "; not root: nothing to drop")
    group = "nogroup"
    try:
        import grp
        grp.getgrnam(group)
    except KeyError:
        group = "nobody"
    return ("user nobody %s;" % group, "user nobody", "user = nobody")


# --- TLS ---------------------------------------------------------------------

# The same for every TLS server: TLS 1.2 only (what mbedTLS 2.28 speaks),
# ECDHE key exchange, AEAD suites; each server keeps its own order of
# preference (OpenSSL's servers pick AES-GCM, which OpenSSL runs fastest;
# frontdoord, fixed in daemon/tls.c, and lighttpd here prefer
# ChaCha20-Poly1305, which mbedTLS runs faster than AES-GCM).  Groups:
# X25519, P-256, P-384 in that order, as frontdoord offers them.
TLS_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"
MBEDTLS_CIPHERS = ":".join(  # lighttpd's mod_mbedtls takes mbedTLS's names
    "TLS-ECDHE-%s-WITH-%s" % (k, c) for k in ("ECDSA", "RSA")
    for c in ("CHACHA20-POLY1305-SHA256", "AES-128-GCM-SHA256",
              "AES-256-GCM-SHA384"))
MBEDTLS_CURVES = "x25519:secp256r1:secp384r1"
TLS_CURVES = "X25519:P-256:P-384"


def make_certs(rundir):
    """Self-signed certificates for bench.localhost in RUNDIR/tls/: "ec"
    (ECDSA P-256) and "rsa" (RSA-2048).  Returns kind -> (cert, key, pem),
    where pem is certificate and key in one file (HAProxy's crt)."""
    d = os.path.join(rundir, "tls")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    out = {}
    for kind, newkey in (("ec", ["-newkey", "ec", "-pkeyopt",
                                 "ec_paramgen_curve:P-256"]),
                         ("rsa", ["-newkey", "rsa:2048"])):
        crt = os.path.join(d, kind + ".crt")
        key = os.path.join(d, kind + ".key")
        pem = os.path.join(d, kind + ".pem")
        p = subprocess.run([tool("openssl"), "req", "-x509"] + newkey +
                           ["-nodes", "-keyout", key, "-out", crt,
                            "-days", "30", "-subj", "/CN=bench.localhost",
                            "-addext", "subjectAltName=DNS:bench.localhost"],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise BenchError("openssl req failed: %s" % p.stderr)
        with open(pem, "w") as f:
            f.write(open(crt).read() + open(key).read())
        # Read by each server before it drops privileges.
        for path in (key, pem):
            os.chmod(path, 0o600)
        os.chmod(crt, 0o644)
        out[kind] = (crt, key, pem)
    return out


def openssl_client_conf(rundir, ciphers=None, groups=None):
    """An OPENSSL_CONF for the clients (wrk, bench/handshakes): TLS 1.2
    only, and, with CIPHERS or GROUPS, only those suites or key-exchange
    groups.  Returns its path."""
    name = "openssl-client%s.cnf" % "".join(
        "-" + re.sub(r"[^A-Za-z0-9]+", "_", x) for x in (ciphers, groups) if x)
    path = os.path.join(rundir, name)
    with open(path, "w") as f:
        f.write("openssl_conf = bench_conf\n\n[bench_conf]\n"
                "ssl_conf = bench_ssl\n\n[bench_ssl]\n"
                "system_default = bench_sys\n\n[bench_sys]\n"
                "MinProtocol = TLSv1.2\nMaxProtocol = TLSv1.2\n" +
                ("CipherString = %s\n" % ciphers if ciphers else "") +
                ("Groups = %s\n" % groups if groups else ""))
    return path


def start_backend(rundir):
    """The origin: nginx with one worker serving BODIES from RUNDIR/www."""
    www = os.path.join(rundir, "www")
    os.makedirs(www, exist_ok=True)
    os.chmod(www, 0o755)
    for name, size in BODIES.items():
        path = os.path.join(www, name)
        with open(path, "wb") as f:
            if size == 13:
                f.write(b"Hello, world\n")
            else:
                f.write((b"0123456789abcdef" * (size // 16 + 1))[:size])
        os.chmod(path, 0o644)
    os.makedirs(os.path.join(rundir, "backend-tmp"), exist_ok=True)
    port = free_port()
    conf = fill_template("backend-nginx.conf",
                         os.path.join(rundir, "backend-nginx.conf"),
                         {"RUNDIR": rundir, "PORT": port,
                          "MAX_CONNS": MAX_CONNS, "NOFILE": nofile(),
                          "USER_LINE": user_lines()[0]})
    return Server("backend", [tool("nginx"), "-p", rundir + "/", "-c", conf,
                              "-e", os.path.join(rundir, "backend.err")],
                  rundir, port, "backend.out")


def start_frontdoord(rundir, backend_port, binary, tls=None, certs=None):
    """frontdoord over HTTP, or with TLS ("ec", "rsa") over HTTPS with that
    certificate from CERTS (make_certs())."""
    name = "frontdoord" + ("-" + tls if tls else "")
    d = os.path.join(rundir, name)
    os.makedirs(d, exist_ok=True)
    if is_root():
        os.chmod(d, 0o777)
    port = free_port()
    if tls:
        # Its plain-HTTP listener too on a port of its own: the default
        # :80 is one daemon's only, and two TLS instances run at once.
        listen = "listen_https = 127.0.0.1:%d\nlisten_http = 127.0.0.1:%d" % (
            port, free_port())
        section = "\n[tls]\ncert = %s\nkey = %s\n" % certs[tls][:2]
    else:
        listen, section = "listen_http = 127.0.0.1:%d" % port, ""
    conf = fill_template("proxy-frontdoord.ini",
                         os.path.join(d, "frontdoor.ini"),
                         {"RUNDIR": rundir, "DIR": d, "LISTEN_LINE": listen,
                          "TLS_SECTION": section,
                          "BACKEND_PORT": backend_port,
                          "MAX_CONNS": MAX_CONNS,
                          "USER_LINE": user_lines()[2]})
    s = Server(name, [binary, "-c", conf], rundir, port,
               name + "/stderr.log", tls=tls)
    s.error_log = os.path.join(d, "error.log")
    return s


def start_nginx_proxy(rundir, backend_port, buffering="off", name=None,
                      tls=None, certs=None):
    name = name or ("nginx" if buffering == "off" else "nginx-buffered")
    if tls:
        name += "-" + tls
    os.makedirs(os.path.join(rundir, name + "-tmp"), exist_ok=True)
    port = free_port()
    lines = ""
    if tls:
        lines = ("\t\tssl_certificate %s;\n\t\tssl_certificate_key %s;\n"
                 "\t\tssl_protocols TLSv1.2;\n\t\tssl_ciphers %s;\n"
                 "\t\tssl_ecdh_curve %s;\n"
                 "\t\tssl_session_cache shared:SSL:4m;\n"
                 "\t\tssl_session_timeout 1h;\n"
                 "\t\tssl_session_tickets on;"
                 % (certs[tls][0], certs[tls][1], TLS_CIPHERS,
                    TLS_CURVES.replace("P-256", "prime256v1")
                    .replace("P-384", "secp384r1")))
    conf = fill_template("proxy-nginx.conf",
                         os.path.join(rundir, "proxy-%s.conf" % name),
                         {"RUNDIR": rundir, "PORT": port, "NAME": name,
                          "BACKEND_PORT": backend_port,
                          "NGINX_BUFFERING": buffering,
                          "LISTEN_SSL": " ssl" if tls else "",
                          "TLS_LINES": lines,
                          "NOFILE": nofile(),
                          "MAX_CONNS": MAX_CONNS,
                          "USER_LINE": user_lines()[0]})
    return Server(name, [tool("nginx"), "-p", rundir + "/", "-c", conf,
                         "-e", os.path.join(rundir, name + ".err")],
                  rundir, port, name + ".out", tls=tls)


def haproxy_maxconn():
    """MAX_CONNS, or what RLIMIT_NOFILE allows (HAProxy refuses to start
    when it cannot have two descriptors per connection)."""
    return max(min(MAX_CONNS, (nofile() - 200) // 2), 100)


def start_haproxy(rundir, backend_port, tls=None, certs=None):
    name = "haproxy" + ("-" + tls if tls else "")
    port = free_port()
    glob = bind = ""
    if tls:
        glob = ("\tssl-default-bind-ciphers %s\n"
                "\tssl-default-bind-options ssl-min-ver TLSv1.2 "
                "ssl-max-ver TLSv1.2\n"
                "\tssl-default-bind-curves %s\n"
                "\ttune.ssl.cachesize 10000\n"
                "\ttune.ssl.lifetime 3600" % (TLS_CIPHERS, TLS_CURVES))
        bind = " ssl crt %s" % certs[tls][2]
    conf = fill_template("proxy-haproxy.cfg",
                         os.path.join(rundir, "proxy-%s.cfg" % name),
                         {"RUNDIR": rundir, "PORT": port, "NAME": name,
                          "BACKEND_PORT": backend_port,
                          "MAXCONN": haproxy_maxconn(),
                          "TLS_GLOBAL": glob, "BIND_SSL": bind,
                          "PROTO": "https" if tls else "http",
                          "NOFILE": nofile(),
                          "USER_LINE": user_lines()[1]})
    # -db: foreground, one process (no master): its PID is the worker.
    s = Server(name, [tool("haproxy"), "-db", "-f", conf], rundir,
               port, name + ".out", tls=tls)
    s.max_idle = haproxy_maxconn() - 100
    return s


def lighttpd_maxconn():
    """lighttpd holds at most a third of its descriptors as connections
    (it keeps room for backend connections and files)."""
    return max(min(MAX_CONNS, nofile() // 2 - 100), 100)


def start_lighttpd(rundir, backend_port, tls="ec", certs=None):
    """lighttpd + mod_mbedtls as an HTTPS reverse proxy (TLS only)."""
    name = "lighttpd-" + tls
    d = os.path.join(rundir, name)
    os.makedirs(d, exist_ok=True)
    if is_root():
        os.chmod(d, 0o777)  # its error log is opened after dropping to nobody
    port = free_port()
    users = ""
    if is_root():
        group = user_lines()[0].split()[2].rstrip(";")
        users = ('server.username = "nobody"\nserver.groupname = "%s"'
                 % group)
    conf = fill_template("proxy-lighttpd.conf",
                         os.path.join(rundir, "proxy-%s.conf" % name),
                         {"RUNDIR": rundir, "DIR": d, "PORT": port,
                          "BACKEND_PORT": backend_port,
                          "NOFILE": nofile(), "MAXCONN": lighttpd_maxconn(),
                          "CERT": certs[tls][0], "KEY": certs[tls][1],
                          "CIPHERS": MBEDTLS_CIPHERS,
                          "CURVES": MBEDTLS_CURVES, "USER_LINES": users})
    s = Server(name, [tool("lighttpd"), "-D", "-f", conf], rundir, port,
               name + ".out", tls=tls)
    s.max_idle = lighttpd_maxconn() - 100
    return s


# --- clients -----------------------------------------------------------------

def run_wrk(port, path, seconds, conns=50, threads=1, headers=(),
            strict=False, timeout_s=5, openssl_conf=None, body=None,
            chunked=False):
    """Run wrk against 127.0.0.1:PORT/PATH; returns its results as a dict
    (report.lua's fields, plus rps).  With OPENSSL_CONF (a path from
    openssl_client_conf()), over HTTPS with that client configuration.
    BODY: POST that many bytes each time (CHUNKED: as chunks)."""
    argv = [tool("wrk"), "-t%d" % threads, "-c%d" % conns,
            "-d%ds" % seconds, "--latency", "--timeout", "%ds" % timeout_s,
            "-s", os.path.join(BENCH_DIR, "report.lua"),
            "-H", "Host: bench.localhost"]
    for h in headers:
        argv += ["-H", h]
    argv.append("%s://127.0.0.1:%d%s" % ("https" if openssl_conf else "http",
                                         port, path))
    env = dict(os.environ, STRICT="1" if strict else "0")
    if body is not None:
        env["BODY"] = str(body)
        env["CHUNKED"] = "1" if chunked else "0"
    if openssl_conf:
        env["OPENSSL_CONF"] = openssl_conf
    import resource
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, env=env, timeout=seconds + 60)
    for line in p.stdout.splitlines():
        if line.startswith("BENCH "):
            r = json.loads(line[6:])
            r["rps"] = r["requests"] * 1e6 / max(r["duration_us"], 1)
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            r["wrk_cpu_s"] = (ru1.ru_utime - ru0.ru_utime +
                              ru1.ru_stime - ru0.ru_stime)
            r["errors"] = (r["connect"] + r["read"] + r["write"] +
                           r["status"] + r["timeout"] + r["non2xx"])
            return r
    raise BenchError("wrk failed (status %d): %s%s" % (p.returncode,
                                                       p.stdout, p.stderr))


def build_tool(build_dir, name):
    """Compile bench/NAME.c (a client, with OpenSSL) into BUILD_DIR/bench/
    when out of date; returns the binary."""
    src = os.path.join(BENCH_DIR, name + ".c")
    out = os.path.join(build_dir, "bench", name)
    if (not os.path.exists(out) or
            os.path.getmtime(out) < os.path.getmtime(src)):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        cc = os.environ.get("CC", "cc")
        p = subprocess.run([cc, "-std=gnu11", "-O2", "-Wall", "-Wextra",
                            "-o", out, src, "-lssl", "-lcrypto"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise BenchError("cannot build %s (needs libssl-dev):\n%s"
                             % (src, p.stderr))
    return out


def build_idleconns(build_dir):
    return build_tool(build_dir, "idleconns")


def run_handshakes(binary, port, seconds, mode, conc=16, openssl_conf=None,
                   ciphers=None):
    """bench/handshakes against 127.0.0.1:PORT for SECONDS: MODE "full",
    "ticket" or "cache".  Returns its JSON line as a dict, plus rps."""
    argv = [binary] + (["-c", ciphers] if ciphers else []) + [
        "127.0.0.1", str(port), "%g" % seconds, str(conc), mode]
    env = dict(os.environ)
    if openssl_conf:
        env["OPENSSL_CONF"] = openssl_conf
    import resource
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, env=env, timeout=seconds + 60)
    for line in p.stdout.splitlines():
        if line.startswith("BENCH "):
            r = json.loads(line[6:])
            r["rps"] = r["requests"] * 1e6 / max(r["duration_us"], 1)
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            r["wrk_cpu_s"] = (ru1.ru_utime - ru0.ru_utime +
                              ru1.ru_stime - ru0.ru_stime)
            r["bytes"] = 0
            return r
    raise BenchError("handshakes failed (status %d): %s%s"
                     % (p.returncode, p.stdout, p.stderr))


class IdleConns:
    """bench/idleconns holding N idle keep-alive connections to a port
    (with TLS "full": over TLS, each after a full handshake; "resume":
    resuming one session by ticket)."""

    def __init__(self, binary, port, n, path="/13", tls=None):
        self.n = n
        self.proc = subprocess.Popen(
            [binary] + ({"full": ["-t"], "resume": ["-T"]}[tls] if tls
                        else []) +
            ["127.0.0.1", str(port), str(n), path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            self.proc.kill()
            err = self.proc.stderr.read()
            self.proc.wait()
            raise BenchError("idleconns to port %d failed: %s%s"
                             % (port, line, err))

    def release(self):
        """Close every connection; returns how many the server had closed."""
        out, err = self.proc.communicate(timeout=60)
        m = re.search(r"closed (\d+)", out)
        if self.proc.returncode != 0 or not m:
            raise BenchError("idleconns: %s%s" % (out, err))
        return int(m.group(1))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
