# SPDX-License-Identifier: ISC
"""Fixtures for frontdoor's end-to-end tests.

Each test gets a temp dir, free 127.0.0.1 ports, generated frontdoor.ini, a
fresh frontdoord (started with -c in the foreground, $FRONTDOORD or
build/frontdoord) and fresh test backends.  At teardown frontdoord gets
SIGTERM (SIGKILL after a bound); the test fails if the daemon crashed, exited
non-zero, or a sanitizer reported on its stderr.
Run:  /usr/bin/python3 -m pytest tests/e2e
"""

import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backends"))

from testbackend import TestBackend  # noqa: E402
from helpers import Frontdoor  # noqa: E402

TEST_TIME_LIMIT = int(os.environ.get("FD_TEST_TIME_LIMIT", "120"))


class TestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def time_limit():
    """No test may hang the suite: SIGALRM after TEST_TIME_LIMIT seconds."""
    def on_alarm(signum, frame):
        raise TestTimeout("test exceeded %ds" % TEST_TIME_LIMIT)
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TEST_TIME_LIMIT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def workdir(request):
    """A temp dir the daemon can use after dropping to nobody; kept when the
    test fails (its path is printed) so logs can be read."""
    d = tempfile.mkdtemp(prefix="fd-e2e-")
    os.chmod(d, 0o777)
    yield Path(d)
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        print("\nkept test dir: %s" % d)
    else:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def make_backend():
    started = []

    def make(name="backend", **kw):
        b = TestBackend(name, **kw).start()
        started.append(b)
        return b
    yield make
    for b in started:
        b.stop()


@pytest.fixture
def backend(make_backend):
    return make_backend("main")


@pytest.fixture
def start_fd(workdir):
    """start_fd(routes, main=None, start=True) -> Frontdoor.
    routes: {name: {key: value}}; main: overrides for [frontdoor]."""
    started = []

    def start(routes, main=None, start=True, subdir=None):
        d = workdir
        if subdir:
            d = workdir / subdir
            d.mkdir(mode=0o777)
            os.chmod(d, 0o777)
        fd = Frontdoor(d, routes, main)
        started.append(fd)
        if start:
            fd.start()
        return fd
    yield start
    problems = []
    for fd in started:
        problems += fd.stop()
    if problems:
        pytest.fail("frontdoord teardown: " + "\n".join(problems), pytrace=False)


@pytest.fixture
def fd(start_fd, backend):
    """A daemon with one any-host route for / to the main backend."""
    return start_fd({"app": {"path": "/", "backends": backend.addr}})
