# SPDX-License-Identifier: ISC
"""scripts/demo.sh runs non-interactively (DEMO_SECONDS), shows access-log
lines, and leaves no process behind."""

import os
import re
import subprocess

from helpers import FRONTDOORD, REPO, free_port, port_accepts, wait_until


def session_members(sid):
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        # fields[0] is state; session id is field 6 of stat, here index 3
        if fields[0] != "Z" and int(fields[3]) == sid:
            out.append(int(pid))
    return out


def test_demo_script_runs_and_cleans_up():
    ports = {"DEMO_PORT": free_port(), "DEMO_NOTES_PORT": free_port(),
             "DEMO_PHOTOS_PORT": free_port(), "DEMO_HTTPS_PORT": free_port(),
             "DEMO_PHOTOS2_PORT": free_port()}
    env = dict(os.environ, DEMO_SECONDS="5", FRONTDOORD=FRONTDOORD,
               **{k: str(v) for k, v in ports.items()})
    p = subprocess.Popen([str(REPO / "scripts" / "demo.sh")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        out, _ = p.communicate(timeout=10)
        raise AssertionError("demo.sh with DEMO_SECONDS=5 still running after 60 s:\n%s"
                             % out.decode(errors="replace")[-3000:])
    text = out.decode(errors="replace")
    assert p.returncode == 0, "demo.sh exited %d:\n%s" % (p.returncode, text[-3000:])
    assert re.search(r'"GET /notes/ HTTP/1\.1" 200 \d+', text), \
        "demo.sh printed no access-log line for /notes/:\n%s" % text[-3000:]
    assert re.search(r'"GET /missing HTTP/1\.1" 404 ', text), \
        "demo.sh traffic shows no 404 line:\n%s" % text[-3000:]
    assert "http://127.0.0.1:%d/notes/" % ports["DEMO_PORT"] in text, "demo.sh did not print URLs"
    left = wait_until(lambda: not session_members(p.pid), 5, 0.1)
    assert left, "demo.sh left processes behind: %s" % [
        open("/proc/%d/cmdline" % q).read().replace("\0", " ") for q in session_members(p.pid)]
    for name, port in ports.items():
        assert not port_accepts(port), "something still listens on %s=%d after demo.sh" % (name, port)
