# SPDX-License-Identifier: ISC
"""The control socket and the ban table under pressure: many bans through
restarts and `frontdoor bans`, IPv6 bans by /64, a state file that cannot be
written, `check FILE` for its owners only and never quoting a file, and a
socket that appears with its final owner and mode (frontdoord(8), frontdoor(1))."""

import ctypes
import ctypes.util
import json
import os
import select
import stat
import struct
import subprocess
import time

import pytest

from helpers import FRONTDOORD, wait_until
from test_control import Ctl
from test_frontdoor_cli import FRONTDOOR, cli

SECRETS = ("SECRET-TOKEN-1234", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ",
           "hunter2-SECRET", "SECRETSECTION42", "Zm9vYmFyLVNFQ1JFVA")


def ctl(fd):
    return Ctl(fd.dir / "control.sock")


def state_bans(fd):
    p = fd.dir / "state.ini"
    return [l for l in p.read_text().splitlines() if l.startswith("ban ")] if p.exists() else []


def v6(k):
    """The k'th of many IPv6 clients, each in its own /64."""
    return "2001:db8:%x:%x::1" % (k >> 16, k & 0xffff)


def v6_net(k):
    return "2001:db8:%x:%x::/64" % (k >> 16, k & 0xffff) if k & 0xffff else \
        "2001:db8:%x::/64" % (k >> 16) if k >> 16 else "2001:db8::/64"


def ban_many(c, addrs, batch=500):
    """ban ADDR for each, pipelined a batch at a time (replies are read as
    they come, so the daemon's output bound is never reached)."""
    for i in range(0, len(addrs), batch):
        part = addrs[i:i + batch]
        tags = []
        out = []
        for a in part:
            c.n += 1
            tags.append("t%d" % c.n)
            out.append("%s ban %s 1h\n" % (tags[-1], a))
        c.send("".join(out).encode())
        for t in tags:
            ok, r = c.reply(t)
            assert ok and r[0]["banned"], r


def test_ipv6_bans_are_by_64(fd):
    c = ctl(fd)
    ok, r = c.cmd("ban 2001:db8::1 10m")
    assert ok and r[0]["address"] == "2001:db8::/64", r
    ok, bans = c.cmd("bans")
    assert ok and [b["address"] for b in bans] == ["2001:db8::/64"], bans
    # Another address of the /64 names the same ban.
    ok, r = c.cmd("unban 2001:db8::2")
    assert ok and r[0]["address"] == "2001:db8::/64" and r[0]["unbanned"], r
    ok, bans = c.cmd("bans")
    assert ok and bans == [], bans
    # The prefix itself is accepted; one with host bits is not.
    ok, r = c.cmd("ban 2001:db8:1:2::/64")
    assert ok and r[0]["address"] == "2001:db8:1:2::/64", r
    ok, r = c.cmd("unban 2001:db8:1:2::/64")
    assert ok, r
    ok, err = c.cmd("ban 2001:db8:1:2::5/64")
    assert not ok and "bad address" in err, err
    # IPv4 stays one address.
    ok, r = c.cmd("ban 127.0.0.9")
    assert ok and r[0]["address"] == "127.0.0.9", r
    ok, err = c.cmd("unban 127.0.0.10")
    assert not ok and "no ban" in err, err


def test_many_bans_survive_a_restart(start_fd, backend):
    routes = {"app": {"path": "/", "backends": backend.addr}}
    fd = start_fd(routes)
    c = ctl(fd)
    want = [v6(k) for k in range(4000)] + ["127.%d.%d.%d" % (1 + k // 65536, k // 256 % 256, k % 256)
                                           for k in range(1000)]
    ban_many(c, want)
    c.close()
    assert wait_until(lambda: len(state_bans(fd)) == 5000, 10), len(state_bans(fd))
    fd.stop()
    fd2 = start_fd(routes)
    c = ctl(fd2)
    got, off = [], 0
    while True:
        ok, page = c.cmd("bans %d 4096" % off)
        assert ok, page
        got += [b["address"] for b in page]
        off += len(page)
        if len(page) < 4096:
            break
    assert len(got) == 5000 and len(set(got)) == 5000, len(got)
    assert set(got) == set(v6_net(k) for k in range(4000)) | set(want[4000:])
    # A banned client is still refused after the restart.
    assert fd2.get("/echo", source="127.1.0.7").status == 403


def test_frontdoor_bans_prints_thirty_thousand(start_fd, backend, workdir):
    """More bans than a reply may hold, and a state file past 1 MiB."""
    until = int(time.time()) + 3600
    lines = ["ban %s %d" % (v6(k), until + k % 600) for k in range(28000)]
    lines += ["ban 127.%d.%d.%d %d" % (2 + k // 65536, k // 256 % 256, k % 256, until)
              for k in range(4000)]
    (workdir / "state.ini").write_text("\n".join(lines) + "\n")
    assert (workdir / "state.ini").stat().st_size > 1 << 20
    fd = start_fd({"app": {"path": "/", "backends": backend.addr}})
    s = fd.dir / "control.sock"
    # One reply is a page, within the daemon's bound for a client.
    c = ctl(fd)
    ok, page = c.cmd("bans")
    assert ok and len(page) == 4096, len(page)
    ok, err = c.cmd("bans 0 5000")
    assert not ok and "COUNT" in err, err
    p = cli(s, "--json", "bans", timeout=60)
    assert p.returncode == 0, p.stderr
    rows = [json.loads(l) for l in p.stdout.splitlines()]
    addrs = [r["address"] for r in rows]
    assert len(addrs) == 32000 and len(set(addrs)) == 32000, (len(addrs), len(set(addrs)))
    assert all(a["until"] >= b["until"] for a, b in zip(rows, rows[1:])), "not last first"
    assert v6_net(27999) in set(addrs) and "127.2.15.159" in set(addrs)
    p = cli(s, "bans", timeout=60)
    assert p.returncode == 0, p.stderr
    out = p.stdout.splitlines()
    assert len(out) == 32000, len(out)
    assert sum("2001:db8:" in l for l in out) == 28000 and sum("127.2." in l for l in out) == 4000
    # A change writes the whole table back: no cap cuts the file.
    ok, r = c.cmd("ban 127.0.0.99")
    assert ok and r[0]["saved"], r
    assert len(state_bans(fd)) == 32001, len(state_bans(fd))


def test_a_ban_ends_on_time_behind_thousands_ending_before_it(start_fd, backend, workdir):
    # frontdoor(1), frontdoord(8): a ban lasts until its end, then the client
    # is served.  Ended bans are forgotten a few thousand a second, so with
    # 30000 ended just before it, the ban of 127.0.0.9 is still in the
    # table when it ends: it must no longer count.
    t = int(time.time())
    lines = ["ban 127.3.%d.%d %d" % (k // 250, k % 250, t + 3) for k in range(30000)]
    lines.append("ban 127.0.0.9 %d" % (t + 4))
    (workdir / "state.ini").write_text("\n".join(lines) + "\n")
    fd = start_fd({"app": {"path": "/", "backends": backend.addr}})
    assert fd.get("/echo", source="127.0.0.9").status == 403, "the saved ban was not applied"
    time.sleep(max(0, t + 4.2 - time.time()))
    assert wait_until(lambda: fd.get("/echo", source="127.0.0.9").status == 200, 1, 0.1), \
        "a ban that ended at %d still refuses at %.1f" % (t + 4, time.time())
    c = ctl(fd)
    ok, page = c.cmd("bans")
    assert ok and "127.0.0.9" not in [b["address"] for b in page], page[:3]


def test_failed_state_write_keeps_the_old_file_and_retries(fd):
    c = ctl(fd)
    ok, r = c.cmd("ban 127.0.0.20")
    assert ok and r[0]["saved"], r
    state = fd.dir / "state.ini"
    # The once-a-second save of new bans has run too: nothing else is due.
    time.sleep(1.5)
    before = state.read_text()
    assert "ban 127.0.0.20 " in before
    # The temp file cannot be made (a directory has its name: even root
    # cannot open it for writing).
    blocker = fd.dir / "state.ini.tmp"
    blocker.mkdir()
    try:
        # A switch, not a ban: only the retry can write it.
        ok, r = c.cmd("route disable app")
        assert ok and r[0]["state"] == "disabled" and r[0]["saved"] is False, r
        assert fd.wait_stderr("previous file is kept", 5), "the failed write was not logged"
        assert state.read_text() == before, "a failed write touched the state file"
    finally:
        blocker.rmdir()
    # Tried again a few seconds later, with nothing else changing.
    assert wait_until(lambda: "route app disabled" in state.read_text(), 12), \
        "the failed write was not tried again"
    assert "ban 127.0.0.20 " in state.read_text()


def test_ban_duration_is_bounded(fd):
    # A duration that would wrap, or end past what the state file keeps,
    # is refused, not turned into a ban that is no ban.
    c = ctl(fd)
    for d in ("213503982334d", "3651d"):
        ok, r = c.cmd("ban 192.0.2.9 %s" % d)
        assert not ok and "up to 3650d" in r, r
    ok, r = c.cmd("ban 192.0.2.9 3650d")
    assert ok and r[0]["banned"] and r[0]["saved"], r
    assert any(l.startswith("ban 192.0.2.9 ") for l in state_bans(fd))

def test_state_write_never_follows_a_planted_link(fd, workdir):
    # A link at the temp name, planted by anyone who can write the state
    # file's directory, is removed, not written through.
    victim = workdir / "victim"
    victim.write_text("precious\n")
    link = fd.dir / "state.ini.tmp"
    os.symlink(victim, link)
    c = ctl(fd)
    ok, r = c.cmd("ban 127.0.0.21")
    assert ok and r[0]["saved"], r
    assert victim.read_text() == "precious\n", "the state write followed a link"
    assert "ban 127.0.0.21 " in (fd.dir / "state.ini").read_text()
    assert not os.path.lexists(link)


def secret_file(path):
    path.write_text(
        "[frontdoor]\n"
        "-----BEGIN PRIVATE KEY-----\n"
        "%s\n"
        "%s==\n"
        "%s = 1\n"
        "workers = %s\n"
        "[%s]\n"
        "-----END PRIVATE KEY-----\n" % (SECRETS[0], SECRETS[1], SECRETS[2], SECRETS[4],
                                         SECRETS[3]))
    os.chmod(path, 0o644)
    return path


def test_check_errors_never_quote_the_file(fd, workdir):
    bad = secret_file(workdir / "secret.ini")
    c = ctl(fd)
    ok, r = c.cmd("check %s" % bad)
    assert ok and r[0]["ok"] is False and len(r[0]["errors"]) >= 5, r
    text = json.dumps(r)
    for s in SECRETS:
        assert s not in text, "check quoted %s: %s" % (s, text)
    # Still names the place and the problem.
    assert any(e.startswith("%s:6:" % bad) and "workers" in e for e in r[0]["errors"]), r
    # The same through frontdoor(1), and in the status after a failed reload.
    p = cli(fd.dir / "control.sock", "check", str(bad))
    assert p.returncode == 1 and str(bad) in p.stderr, p.stderr
    for s in SECRETS:
        assert s not in p.stdout + p.stderr, p.stderr



@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_reload_errors_show_file_text_only_to_admins(start_fd, backend, workdir):
    # A value, a key name or a user name is text of a file a control_group
    # member may not read: to them the socket shows it as "...".  Root and
    # the daemon's user, who can read the files, see it; so does -t.
    fd = start_fd({"app": {"path": "/", "backends": backend.addr}},
                  main={"control_group": "nogroup"})
    sock = str(fd.dir / "control.sock")
    c = ctl(fd)
    good = fd.config_path.read_text()

    def member_status():
        p = as_user("daemon", "nogroup", "/usr/bin/python3", "-c", PROBE, sock, "1 status")
        assert p.stdout.startswith("%begin 1"), (p.stdout, p.stderr)
        return p.stdout

    fd.config_path.write_text(good.replace(
        "[frontdoor]\n", "[frontdoor]\nmax_connections = %s\n"
        "correcthorsebatterystaple = 1\n" % SECRETS[0], 1))
    ok, r = c.cmd("reload")
    assert ok and r[0]["ok"] is False, r
    text = json.dumps(r)
    assert SECRETS[0] in text and "correcthorsebatterystaple" in text, text
    text = member_status()
    assert "unknown key" in text and "max_connections" in text, text
    assert SECRETS[0] not in text and "correcthorsebatterystaple" not in text, text
    users = workdir / "users"
    users.write_text("alicesecretname:plaintext\n")
    os.chmod(users, 0o644)
    fd.config_path.write_text(good + "\n[route private]\npath = /private\n"
                              "backends = %s\nauth_file = %s\n" % (backend.addr, users))
    ok, r = c.cmd("reload")
    assert ok and r[0]["ok"] is False and "alicesecretname" in json.dumps(r), r
    text = member_status()
    assert "plain-text" in text and "alicesecretname" not in text, text
    p = subprocess.run([FRONTDOORD, "-t", "-c", str(fd.config_path)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and '"alicesecretname"' in p.stderr, p.stderr



PROBE = ("import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]);"
         "s.settimeout(10); f=s.makefile('rb'); f.readline();"
         "s.sendall(sys.argv[2].encode()+b'\\n'); print(f.readline().decode().strip());"
         "print(f.readline().decode().strip())")


def as_user(user, group, *argv):
    return subprocess.run(["setpriv", "--reuid=%s" % user, "--regid=%s" % group,
                           "--clear-groups"] + list(argv), capture_output=True, text=True,
                          timeout=30)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_check_file_is_for_root_and_the_daemon_user(start_fd, backend, workdir):
    fd = start_fd({"app": {"path": "/", "backends": backend.addr}},
                  main={"control_group": "nogroup"})
    sock = str(fd.dir / "control.sock")
    key = workdir / "key.ini"
    secret_file(key)
    os.chown(key, 65534, 65534)
    os.chmod(key, 0o600)  # the daemon's user (nobody) may read it; "daemon" may not
    # "daemon" in control_group: let in, but not for another file.
    p = as_user("daemon", "nogroup", "/usr/bin/python3", "-c", PROBE, sock, "1 check %s" % key)
    assert p.stdout.startswith("%error 1 permission denied"), (p.stdout, p.stderr)
    for s in SECRETS:
        assert s not in p.stdout
    p = as_user("daemon", "nogroup", "/usr/bin/python3", "-c", PROBE, sock, "1 check")
    assert p.stdout.startswith("%begin 1"), (p.stdout, p.stderr)
    assert json.loads(p.stdout.splitlines()[1])["ok"] is True
    p = as_user("daemon", "nogroup", "/usr/bin/python3", "-c", PROBE, sock, "1 bans")
    assert p.stdout.startswith("%begin 1"), (p.stdout, p.stderr)
    # frontdoor(1) then checks it as the caller, who may not read it.
    p = as_user("daemon", "nogroup", FRONTDOOR, "-s", sock, "check", str(key))
    assert p.returncode != 0 and "checking locally" in p.stderr, (p.returncode, p.stderr)
    assert "ermission denied" in p.stderr, p.stderr
    for s in SECRETS:
        assert s not in p.stdout + p.stderr, p.stderr
    # A read-only session of root is refused too; root's own is served.
    c = ctl(fd)
    c.cmd("readonly")
    ok, err = c.cmd("check %s" % key)
    assert not ok and err.startswith("permission denied"), err
    ok, r = ctl(fd).cmd("check %s" % key)
    assert ok and r[0]["ok"] is False, r


# -- the socket appears whole ---------------------------------------------

IN_ATTRIB, IN_CREATE, IN_MOVED_TO = 0x4, 0x100, 0x80


def inotify_events(fd_, until):
    out = []
    buf = b""
    while time.monotonic() < until:
        r, _, _ = select.select([fd_], [], [], 0.05)
        if r:
            buf += os.read(fd_, 65536)
        while len(buf) >= 16:
            wd, mask, cookie, n = struct.unpack("iIII", buf[:16])
            name = buf[16:16 + n].rstrip(b"\0").decode()
            buf = buf[16 + n:]
            out.append((mask, name))
    return out


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to set a socket's group")
def test_socket_appears_with_its_final_mode(start_fd, backend):
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = start_fd({"app": {"path": "/", "backends": backend.addr}},
                  main={"control_group": "nogroup"}, start=False)
    ino = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    assert ino >= 0
    try:
        assert libc.inotify_add_watch(ino, str(fd.dir).encode(),
                                      IN_ATTRIB | IN_CREATE | IN_MOVED_TO) >= 0
        fd.start()
        assert wait_until(lambda: os.path.exists(fd.dir / "control.sock"), 5)
        evs = inotify_events(ino, time.monotonic() + 0.5)
    finally:
        os.close(ino)
    st = os.stat(fd.dir / "control.sock")
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
    assert st.st_gid == 65534, st.st_gid
    sock_evs = [(m, n) for m, n in evs if n.startswith("control.sock")]
    # control.sock is never created in place: made under another name,
    # given its group and mode there, then moved onto the path.
    assert (IN_MOVED_TO, "control.sock") in sock_evs, sock_evs
    assert not any(m & IN_CREATE and n == "control.sock" for m, n in sock_evs), sock_evs
    moved = sock_evs.index((IN_MOVED_TO, "control.sock"))
    tmp = [n for m, n in sock_evs[:moved] if m & IN_CREATE]
    assert tmp and any(m & IN_ATTRIB and n == tmp[0] for m, n in sock_evs[:moved]), sock_evs
    assert not any(n.endswith(".new") for n in os.listdir(fd.dir)), os.listdir(fd.dir)
    # A restart replaces the socket left behind, the same way.
    fd.stop()
    assert not os.path.exists(fd.dir / "control.sock")


# -- the state file is replaced whole ---------------------------------------

IN_MODIFY, IN_DELETE = 0x2, 0x200


def test_state_file_is_replaced_never_written_in_place(fd):
    # frontdoord(8): the state file is written as a temporary file, then
    # renamed onto state_file, so a reader (or a crash) never meets half a
    # file: the path itself is never created, truncated or written.
    c = ctl(fd)
    ok, r = c.cmd("ban 127.0.0.22")
    assert ok and r[0]["saved"], r
    time.sleep(1.5)  # the once-a-second save of new bans is done too
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    ino = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    assert ino >= 0
    try:
        assert libc.inotify_add_watch(ino, str(fd.dir).encode(),
                                      IN_CREATE | IN_MODIFY | IN_MOVED_TO | IN_DELETE) >= 0
        ok, r = c.cmd("route disable app")
        assert ok and r[0]["saved"] is True, r
        evs = inotify_events(ino, time.monotonic() + 0.3)
    finally:
        os.close(ino)
    evs = [(m, n) for m, n in evs if n.startswith("state.ini")]
    assert (IN_MOVED_TO, "state.ini") in evs, "state.ini was not renamed into place: %r" % evs
    assert not any(m & (IN_CREATE | IN_MODIFY | IN_DELETE) and n == "state.ini"
                   for m, n in evs), "state.ini was written in place: %r" % evs
    moved = evs.index((IN_MOVED_TO, "state.ini"))
    assert any(m & IN_MODIFY for m, n in evs[:moved]), \
        "nothing was written before the rename: %r" % evs
    text = (fd.dir / "state.ini").read_text()
    assert "route app disabled" in text and "ban 127.0.0.22 " in text, text
