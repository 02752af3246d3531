# SPDX-License-Identifier: ISC
"""The control socket as a file and a listener (frontdoord(8)): slots kept
for root and the daemon's own user however many others hold, a socket made
with its final mode and no link followed, listening before its path
appears, one daemon per socket, and a stop that removes only its own."""

import ctypes
import ctypes.util
import os
import re
import select
import signal
import socket
import stat
import struct
import subprocess
import time

import pytest

from helpers import FRONTDOORD, Frontdoor, port_accepts, wait_until
from test_control import Ctl
from test_frontdoor_cli import cli
from test_locks_control import PROBE, as_user

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as other users")
traceable = pytest.mark.skipif(
    subprocess.run(["sh", "-c", "command -v strace"], capture_output=True).returncode != 0,
    reason="needs strace to hold the daemon between two system calls")


def routes(backend):
    return {"app": {"path": "/", "backends": backend.addr}}


# -- slots for root and the daemon's own user -------------------------------

HOLD = r"""
import socket, sys
path, n = sys.argv[1], int(sys.argv[2])
held, ok, refused = [], 0, 0
for _ in range(n):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    buf = b""
    while b"\n" not in buf:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    if buf.startswith(b"%frontdoor "):
        ok += 1
        held.append(s)
    else:
        refused += 1
        s.close()
print(ok, refused, flush=True)
sys.stdin.read()
"""


def hold(user, sock, n):
    """n connections of user, kept open until the stdin of the process it
    returns is closed; returns (process, greeted, refused)."""
    p = subprocess.Popen(["setpriv", "--reuid=%s" % user, "--regid=nogroup", "--clear-groups",
                          "/usr/bin/python3", "-c", HOLD, sock, str(n)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    assert len(line) == 2, "holder for %s failed" % user
    return p, int(line[0]), int(line[1])


def admitted(sock):
    """A root client let in, retried while clients just closed leave."""
    def once():
        c = Ctl(sock)
        if c.greeting.startswith("%frontdoor "):
            return c
        c.close()
        return None
    return wait_until(once, 5, 0.1)


@root_only
def test_idle_clients_of_the_group_never_lock_out_root(start_fd, backend):
    fd = start_fd(routes(backend), main={"control_group": "nogroup"})
    sock = str(fd.dir / "control.sock")
    holders = []
    try:
        # One user of control_group gets 48 of the 64, another the rest;
        # a third finds no room.
        p, ok, no = hold("daemon", sock, 49)
        holders.append(p)
        assert (ok, no) == (48, 1), (ok, no)
        p, ok, no = hold("bin", sock, 17)
        holders.append(p)
        assert (ok, no) == (16, 1), (ok, no)
        p, ok, no = hold("sys", sock, 1)
        holders.append(p)
        assert (ok, no) == (0, 1), (ok, no)
        # Root is still served, frontdoor(1) too.
        c = Ctl(sock)
        assert c.greeting.startswith("%frontdoor "), c.greeting
        ok, r = c.cmd("ban 127.0.0.5 1h")
        assert ok, r
        r = cli(sock, "unban", "127.0.0.5")
        assert r.returncode == 0, r.stderr
        ok, bans = c.cmd("bans")
        assert ok and bans == [], bans
        # So is the daemon's own user.
        r = wait_until(lambda: (lambda q: q if q.stdout.startswith("%begin 1") else None)(
            as_user("nobody", "nogroup", "/usr/bin/python3", "-c", PROBE, sock, "1 status")), 5, 0.1)
        assert r, "the daemon's own user was refused"
        # Eight slots past the 64 are theirs, and no more.
        mine = [c]
        while len(mine) < 8:
            c2 = admitted(sock)
            assert c2 is not None, "root refused with %d of its slots taken" % len(mine)
            mine.append(c2)
        extra = Ctl(sock)
        assert extra.greeting == "%error - too many clients", extra.greeting
        for c2 in mine:
            c2.close()
    finally:
        for p in holders:
            p.stdin.close()
            p.wait(10)


# -- made with its final mode, through no link ----------------------------

@root_only
@pytest.mark.parametrize("group,mode", [(None, 0o600), ("nogroup", 0o660)])
def test_socket_mode_and_group(start_fd, backend, group, mode):
    fd = start_fd(routes(backend), main={"control_group": group})
    st = os.lstat(fd.dir / "control.sock")
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == mode, oct(st.st_mode)
    assert st.st_gid == (65534 if group else 0), st.st_gid


class Traced(Frontdoor):
    """frontdoord under strace, which delays the system calls in inject."""

    inject = ()

    def launch(self):
        argv = ["strace", "-f", "-qq", "-o", "/dev/null"]
        for i in self.inject:
            argv += ["-e", "inject=" + i]
        self.err = open(self.stderr_path, "wb")
        self.out = open(self.stdout_path, "wb")
        # LeakSanitizer cannot run under ptrace: the sanitizer build keeps
        # its other checks here, its leak check runs in the other tests.
        env = dict(os.environ)
        if "ASAN_OPTIONS" in env:
            env["ASAN_OPTIONS"] += ":detect_leaks=0"
        self.proc = subprocess.Popen(argv + [FRONTDOORD, "-c", str(self.config_path)],
                                     stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=self.err, cwd=str(self.dir), env=env)

    def ready(self, timeout=30):
        sock = self.dir / "control.sock"
        ok = wait_until(lambda: self.proc.poll() is not None or (
            port_accepts(self.port) and os.path.lexists(sock)), timeout)
        assert ok and self.proc.poll() is None, self.stderr()

    def stop(self, timeout=15.0):
        # SIGTERM for the daemon, not for strace.
        if self.proc is not None and self.proc.poll() is None and not self.stopped:
            kids = open("/proc/%d/task/%d/children" % (self.pid, self.pid)).read().split()
            if kids:
                os.kill(int(kids[0]), signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    pass
            self.expected_exit = True
        return Frontdoor.stop(self, timeout)


@pytest.fixture
def traced(workdir, backend):
    started = []

    def make(inject, main=None):
        t = Traced(workdir, routes(backend), main)
        t.inject = inject
        started.append(t)
        return t
    yield make
    problems = []
    for t in started:
        problems += t.stop()
    if problems:
        pytest.fail("frontdoord teardown: " + "\n".join(problems), pytrace=False)


IN_CREATE = 0x100


@root_only
@traceable
def test_a_link_swapped_in_after_bind_is_not_followed(traced, workdir):
    # Whoever can write the socket's directory swaps the name just bound
    # for a link to a file of root's: nothing then changes that file.
    # strace holds the daemon 0.5 s after each bind(2), so the swap lands
    # between the bind and whatever comes next, every time.
    victim = workdir / "victim"
    victim.write_text("precious\n")
    os.chmod(victim, 0o644)
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    ino = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    assert ino >= 0
    fd = traced(["bind:delay_exit=500000"], main={"control_group": "nogroup"})
    swapped = None
    try:
        assert libc.inotify_add_watch(ino, str(workdir).encode(), IN_CREATE) >= 0
        fd.launch()
        end = time.monotonic() + 30
        buf = b""
        while swapped is None and time.monotonic() < end and fd.proc.poll() is None:
            if select.select([ino], [], [], 0.05)[0]:
                buf += os.read(ino, 65536)
            while len(buf) >= 16 and swapped is None:
                _, mask, _, n = struct.unpack("iIII", buf[:16])
                name = buf[16:16 + n].rstrip(b"\0").decode()
                buf = buf[16 + n:]
                if re.fullmatch(r"control\.sock\.\d+\.new", name):
                    tmp = workdir / name
                    os.unlink(tmp)
                    os.symlink(victim, tmp)
                    swapped = tmp
    finally:
        os.close(ino)
    assert swapped is not None, "the daemon bound no temp name; stderr:\n" + fd.stderr()
    fd.ready()
    st = os.stat(victim)
    assert stat.S_IMODE(st.st_mode) == 0o644 and st.st_gid == 0, \
        "the daemon followed the link: %o gid %d" % (stat.S_IMODE(st.st_mode), st.st_gid)
    assert victim.read_text() == "precious\n"


# -- listening before the path names it -----------------------------------

@traceable
def test_the_path_appears_listening(traced, workdir):
    # strace holds the daemon 0.5 s after each rename(2): a client that
    # connects as soon as the path is there is answered, not refused.
    fd = traced(["rename,renameat,renameat2:delay_exit=500000"])
    sock = workdir / "control.sock"
    fd.launch()
    assert wait_until(lambda: os.path.lexists(sock) or fd.proc.poll() is not None, 30, 0.005)
    c = Ctl(sock)
    assert c.greeting.startswith("%frontdoor "), c.greeting
    fd.ready()
    ok, st = c.cmd("status")
    assert ok, st


# -- one daemon per socket ------------------------------------------------

def test_a_second_daemon_cannot_take_a_live_socket(start_fd, backend, workdir):
    fd = start_fd(routes(backend))
    sock = fd.dir / "control.sock"
    before = os.lstat(sock)
    d2 = workdir / "second"
    d2.mkdir(mode=0o777)
    os.chmod(d2, 0o777)
    second = Frontdoor(d2, routes(backend), main={"control_socket": str(sock)})
    with open(second.stderr_path, "wb") as err:
        p = subprocess.Popen([FRONTDOORD, "-c", str(second.config_path)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=err, cwd=str(d2))
        try:
            rc = p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()  # not SIGTERM: its stop would remove the path too
            p.wait(5)
            rc = None
    text = second.stderr()
    assert rc == 1, "the second daemon ran on (%s); stderr:\n%s" % (rc, text)
    assert "control_socket %s: already in use by another process" % sock in text, text
    after = os.lstat(sock)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
    ok, st = Ctl(sock).cmd("status")
    assert ok, st


def test_a_dead_socket_is_replaced(start_fd, backend, workdir):
    sock = workdir / "control.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(sock))
    s.close()  # the file stays; nobody listens on it
    dead = os.lstat(sock).st_ino
    fd = start_fd(routes(backend))
    # Ready once the path names another socket (the dead one was there first).
    assert wait_until(lambda: os.lstat(sock).st_ino != dead, 10), "the dead socket stayed"
    ok, st = Ctl(sock).cmd("status")
    assert ok, st
    fd.stop()
    assert not os.path.lexists(sock)


def test_stop_removes_only_its_own_socket(start_fd, backend, workdir):
    fd = start_fd(routes(backend))
    sock = workdir / "control.sock"
    os.unlink(sock)
    sock.write_text("someone else's\n")
    problems = fd.stop()
    assert not problems, problems
    assert sock.read_text() == "someone else's\n", "stop removed a file it did not make"


# -- the state file through an I/O error ----------------------------------

@traceable
def test_state_file_not_replaced_when_fsync_fails(workdir, backend):
    # frontdoord(8): the state file is a temporary file, fsync, rename; a
    # write that fails (here every fsync(2) fails with EIO, as a disk
    # would) is logged, answers "saved":false and leaves the previous
    # file whole: nothing unsynced is renamed onto it.
    fd = Traced(workdir, routes(backend))
    fd.inject = ["fsync,fdatasync:error=EIO"]
    state = workdir / "state.ini"
    before = "ban 192.0.2.44 %d\n" % (time.time() + 3600)
    state.write_text(before)
    os.chmod(state, 0o666)
    fd.launch()
    try:
        fd.ready()
        c = Ctl(workdir / "control.sock")
        ok, r = c.cmd("route disable app")
        assert ok and r[0]["state"] == "disabled", r
        assert r[0]["saved"] is False, "saved although fsync failed: %r" % r
        assert fd.wait_stderr(r"state file .*: Input/output error; the previous file is kept", 5), \
            "the failed write was not logged"
        assert state.read_text() == before, "a file that was never synced replaced the state file"
        assert not os.path.lexists(workdir / "state.ini.tmp"), "the temp file was left behind"
    finally:
        problems = fd.stop()
    assert problems == [], problems
