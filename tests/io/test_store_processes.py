"""The store across processes: acknowledged changes survive SIGKILL; one writer per project,
readers alongside it. Each test runs tests/io/store_helper_process.py as a real second process."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewer.io.store import (
    ReviewStatus,
    StoreLockedError,
    StoreReadOnlyError,
    open_review_store,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="uses SIGKILL and POSIX locks")

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
HELPER = HERE / "store_helper_process.py"
N_STATUS = 4  # the helper's stream is status, tag, note, command per image


@contextlib.contextmanager
def running(mode: str, project: Path) -> Iterator[subprocess.Popen]:
    """The helper in ``mode``; killed (if still alive) and its pipes closed on exit."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen([sys.executable, str(HELPER), mode, str(project)], env=env,
                          cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, bufsize=1) as proc:
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)


def read_line(proc: subprocess.Popen) -> str:
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout=10)
        pytest.fail(f"helper ended (code {proc.returncode}): {proc.stderr.read()}")
    return line.rstrip("\n").split(maxsplit=4)


def assert_acknowledged(store, acks: list[list[str]]) -> None:
    """Every acknowledged change (and, for statuses/notes, the latest acked value) is there."""
    latest: dict[tuple[str, str], str] = {}
    commands = {int(e.payload["i"]): e for e in store.journal()}
    for _, _, kind, key, value in acks:
        if kind == "tag":
            assert value in store.image_tags(key), (key, value)
        elif kind == "command":
            entry = commands[int(value)]
            assert (entry.image_key, entry.kind, entry.who) == (key, "Edit", "writer")
        else:
            latest[kind, key] = value
    for (kind, key), value in latest.items():
        got = store.status(key).value if kind == "status" else store.note(key)
        assert got == value, (kind, key)


def test_every_acknowledged_change_survives_sigkill_mid_stream(tmp_path):
    with running("write", tmp_path) as writer:
        acks = [read_line(writer) for _ in range(400)]
        os.kill(writer.pid, signal.SIGKILL)
        rest = writer.stdout.read()  # lines printed before the kill are acknowledgements too
        assert writer.wait(timeout=10) == -signal.SIGKILL
    acks += [line.split(maxsplit=4) for line in rest.split("\n")[:-1]]  # whole lines only
    assert_recovered(tmp_path, acks)


@pytest.mark.parametrize("n_changes", [1, 2, 3, 4, 37])
def test_sigkill_right_after_an_acknowledgement_loses_nothing(tmp_path, n_changes):
    """The free-running writer spends most of its time inside commits (fsync), where a kill
    keeps the change anyway; here the kill lands while the writer idles after its ack, so a
    store that batched or deferred commits would lose the last changes."""
    with running("write-step", tmp_path) as writer:
        acks = []
        for _ in range(n_changes):
            acks.append(read_line(writer))
            if len(acks) < n_changes:
                writer.stdin.write("go\n")
                writer.stdin.flush()
        os.kill(writer.pid, signal.SIGKILL)
        assert writer.wait(timeout=10) == -signal.SIGKILL
    assert_recovered(tmp_path, acks)


def assert_recovered(project: Path, acks: list[list[str]]) -> None:
    assert [int(a[1]) for a in acks] == list(range(len(acks)))
    with open_review_store(project, read_only=True) as reader:  # right after the crash
        assert_acknowledged(reader, acks)
    with open_review_store(project, user="writer") as store:  # the lock died with the process
        assert_acknowledged(store, acks)
        n_commands = sum(a[2] == "command" for a in acks)
        assert len(store.journal()) in (n_commands, n_commands + 1)  # +1: killed before ack
        if n_commands:
            assert store.history_cursor() == store.journal()[-1].seq


def test_readers_see_committed_changes_while_another_process_writes(tmp_path):
    with running("write", tmp_path) as writer:
        acks = [read_line(writer) for _ in range(8)]
        for _ in range(5):
            with open_review_store(tmp_path, read_only=True) as reader:
                assert_acknowledged(reader, acks)
                with pytest.raises(StoreReadOnlyError):
                    reader.set_status("img0", "reviewed")
            acks += [read_line(writer) for _ in range(40)]


def test_second_writer_gets_a_clear_message_and_the_store_stays_intact(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWER_LOCK_WAIT", "0.3")
    with running("hold", tmp_path) as holder:
        assert read_line(holder) == ["ready", str(holder.pid)]
        with pytest.raises(StoreLockedError) as caught:
            open_review_store(tmp_path)
        assert f"project {tmp_path} is open for writing in another Reviewer (pid {holder.pid} " \
               f"on host {socket.gethostname()}, user holder, since " in str(caught.value)
        assert caught.value.path == str(tmp_path / "review.sqlite")

        with open_review_store(tmp_path, read_only=True) as reader:
            holder.stdin.write("img7 needs-second-look\n")
            holder.stdin.flush()
            assert read_line(holder) == ["ok"]
            assert reader.status("img7") is ReviewStatus.NEEDS_SECOND_LOOK
            assert reader.image_review("img7").who == "holder"
        holder.stdin.close()
        assert holder.wait(timeout=10) == 0
    with open_review_store(tmp_path, user="me") as store:  # released on close
        store.set_status("img7", "reviewed")
        assert [e.who for e in store.events() if e.kind == "status"] == ["holder", "me"]
