"""A PostgreSQL store under several Reviewer processes: writers at once, SIGKILL, a server
restart (crash) while writers and a session are open. Writers are real processes
(tests/io/pg_helper_process.py); the server restart needs $REVIEWER_TEST_PG_RESTART (.ci/run)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from reviewer.core import commands as C
from reviewer.core.tags import TagVocabulary
from reviewer.io import team
from reviewer.io.session import open_session
from reviewer.io.store import open_review_store
from reviewer.io.store_base import StoreConnectionError
from tests.io.pg_helper_process import change
from tests.io.test_team_sessions import shared_copy
from tests.pg import needs_pg

pytestmark = [needs_pg, pytest.mark.skipif(os.name != "posix", reason="uses SIGKILL")]
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RESTART = os.environ.get("REVIEWER_TEST_PG_RESTART", "")
needs_restart = pytest.mark.skipif(not RESTART, reason="no $REVIEWER_TEST_PG_RESTART (a command "
                                   "restarting the test server; .ci/run sets it)")


@contextlib.contextmanager
def writer(location, name: str, count: int = 0):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, str(HERE / "pg_helper_process.py"), "write", location.url,
            location.schema, name, str(count)]
    with subprocess.Popen(args, env=env, cwd=REPO, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, bufsize=1) as proc:
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=20)


RECONNECTED: list[int] = []  # pids of writers that printed "reconnected"


def acks_of(proc, n: int | None = None, reconnected: bool = False) -> list[list[str]]:
    """The next ``n`` acks (None: until the process ends); reconnections are noted.
    reconnected: first every ack up to the writer's reconnection, then ``n`` more."""
    out = []
    if reconnected:
        while proc.pid not in RECONNECTED:
            out += acks_of(proc, 1)
        return out + acks_of(proc, n)
    while n is None or len(out) < n:
        line = proc.stdout.readline()
        if not line:
            if n is not None:
                proc.wait(timeout=10)
                pytest.fail(f"writer ended (code {proc.returncode}): {proc.stderr.read()}")
            break
        if line.startswith("ack "):
            out.append(line.split())
        elif line.startswith("reconnected"):
            RECONNECTED.append(proc.pid)
    return out


def check_acknowledged(store, name: str, acks: list[list[str]]) -> None:
    """Every acked change of writer ``name`` is in the store, and each command only once."""
    assert [int(a[1]) for a in acks] == list(range(len(acks)))
    commands = [e.payload["i"] for e in store.journal() if e.payload.get("writer") == name]
    assert len(commands) == len(set(commands))  # no command saved twice
    for _, i, kind, key, value in acks:
        assert change(name, int(i)) == (kind, key, value)
        if kind == "command":
            assert int(i) in commands
        elif kind == "tag":
            assert value in store.image_tags(key)


def test_several_writer_processes_at_once_lose_nothing_and_a_reader_never_skips_one(
        pg_location):
    store = open_review_store(pg_location, user="reader", vocabulary=TagVocabulary())
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:  # follows the change log the way catching up does
        horizon = 0
        while not stop.is_set():
            for ev in store.events(since=horizon):
                seen.append(ev.event_id)
                horizon = ev.event_id

    reader = threading.Thread(target=read)
    reader.start()
    names = [f"w{k}" for k in range(6)]
    try:
        with contextlib.ExitStack() as stack:
            procs = {n: stack.enter_context(writer(pg_location, n, 90)) for n in names}
            acks = {n: acks_of(p) for n, p in procs.items()}
            for p in procs.values():
                assert p.wait(timeout=60) == 0, p.stderr.read()
    finally:
        stop.set()
        reader.join(30)
    try:
        for n in names:
            assert len(acks[n]) == 90
            check_acknowledged(store, n, acks[n])
        events = store.events()
        ids = [e.event_id for e in events]
        for ev in store.events(since=seen[-1] if seen else 0):
            seen.append(ev.event_id)
        assert seen == ids  # the reader never passed an event that was committed later
        for n in names:  # the server's clock, in order for each writer
            times = [e.at for e in events if e.who == n]
            assert times == sorted(times)
        assert {e.who for e in store.journal()} == set(names)
        assert len(store.journal()) == 6 * 30
    finally:
        store.close()


def test_every_acknowledged_change_survives_sigkill_and_others_go_on(pg_location):
    with writer(pg_location, "victim") as proc:
        acks = acks_of(proc, 150)
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.stdout.read()
        assert proc.wait(timeout=10) == -signal.SIGKILL
    acks += [line.split() for line in rest.split("\n")[:-1] if line.startswith("ack ")]
    with open_review_store(pg_location, user="after") as store:
        check_acknowledged(store, "victim", acks)
        n_commands = sum(a[2] == "command" for a in acks)
        assert len(store.journal()) in (n_commands, n_commands + 1)  # +1: killed before its ack
        started = time.monotonic()
        store.set_status("shared0", "reviewed")  # the killed writer holds no lock
        assert time.monotonic() - started < 5


@needs_restart
def test_a_server_restart_under_writers_loses_nothing_acknowledged(pg_location):
    with writer(pg_location, "w0") as one, writer(pg_location, "w1") as two:
        before = {"w0": acks_of(one, 40), "w1": acks_of(two, 40)}
        subprocess.run([RESTART, "immediate"], check=True, timeout=120)
        # both lose their connection, reconnect and go on (their pipes may still hold acks
        # from before the restart: read up to the reconnection, then 40 more)
        after = {"w0": acks_of(one, 40, reconnected=True),
                 "w1": acks_of(two, 40, reconnected=True)}
    with open_review_store(pg_location, user="after") as store:
        for name in ("w0", "w1"):
            check_acknowledged(store, name, before[name] + after[name])


@needs_restart
def test_a_session_open_across_a_server_restart_reconnects_and_retries(tmp_path, pg_location):
    project = shared_copy(tmp_path / "sample", pg_location)
    with open_session(project, user="alice") as alice, open_session(project, user="bob") as bob:
        image = str(alice.document.base.images.ids[0])
        team.execute(alice, C.SetStatus(image, "unreviewed", "skipped"))
        listener = bob.store.notifications()
        try:
            subprocess.run([RESTART, "immediate"], check=True, timeout=120)
            caught = team.execute(alice, C.SetStatus(image, "skipped", "reviewed"))
            assert caught is not None  # the first attempt found the connection gone
            with pytest.raises(StoreConnectionError):
                listener.wait(1.0)
            listener.reconnect()
            with pytest.raises(StoreConnectionError):
                team.catch_up(bob)  # bob's connection broke too: the window reconnects
            bob.store.reconnect()
            result = team.catch_up(bob)  # the change log covers the restart
            assert str(image) in result.images
            assert bob.store.status(image).value == "reviewed"
            team.execute(alice, C.SetStatus(image, "reviewed", "needs-second-look"))
            assert listener.wait(10.0)  # notices flow again
        finally:
            listener.close()
        assert [e.payload["after"] for e in bob.store.journal()] == [
            "skipped", "reviewed", "needs-second-look"]
        assert alice.history.undo_labels() == ["set status"] * 3
