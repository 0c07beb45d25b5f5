"""Several reviewers on one store, seen from a session (Qt-free; the window and CLI use it).

- ``catch_up(session)`` applies what other sessions changed since the session's horizon: their
  ground-truth commands, undos and redos go into the document (``History.apply_remote``), the
  reviewer's own stacks are re-read when another window of theirs changed them, and the result
  says which images, the vocabulary or assignments changed so views can refresh. Run it when
  a change notice arrives and after reconnecting (the change log covers the time offline). The
  session's own events count as news when their commit was never acknowledged (the connection
  broke during COMMIT and it went through).
- ``execute`` / ``undo`` / ``redo`` run the history and, when the connection to the server was
  lost, reconnect once, catch up (which also tells whether the command had been saved after all:
  the connection may break during COMMIT) and retry; a second failure is reported.
- ``keep_mine`` is "keep yours" after a conflict: catch up, rebuild the command on the current
  state (core/rebase.py) and execute it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewer.core.commands import Command, from_payload
from reviewer.core.rebase import rebase
from reviewer.io.store_base import StoreConnectionError

_JOURNAL_KINDS = ("command", "undo", "redo")


@dataclass
class CatchUp:
    """What catching up changed: image keys (review state or ground truth), whether the tag
    vocabulary, assignments or this author's undo stack changed, and the seqs of this session's
    own commands whose commit was uncertain and turned out saved."""

    images: set[str] = field(default_factory=set)
    vocabulary: bool = False
    assignments: bool = False
    own_history: bool = False
    recovered: list[int] = field(default_factory=list)
    events: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.events)


def _seq_of(ev) -> int | None:
    if ev.kind in ("command", "undo"):
        return int(ev.subject)
    if ev.kind == "redo":
        return int(ev.value)
    return None


def catch_up(session) -> CatchUp:
    """Apply every change committed by other sessions after ``session.store.horizon``."""
    store, history = session.store, session.history
    events = store.events(since=store.horizon)
    out = CatchUp(events=0)
    if not events:
        return out
    news = [e for e in events if e.session != store.session_id
            or not store.acknowledged(e.event_id)]
    entries = store.entries(s for s in map(_seq_of, news) if s is not None)
    for ev in news:
        seq = _seq_of(ev)
        if seq is not None:
            history.apply_remote(from_payload(entries[seq].payload), undone=ev.kind == "undo")
            out.own_history |= ev.who == store.user
            if ev.session == store.session_id and ev.kind == "command":
                out.recovered.append(seq)
        if ev.image_key:
            out.images.add(ev.image_key)
        out.vocabulary |= ev.kind.startswith("tag_")
        out.assignments |= ev.kind == "assigned"
    out.events = len(news)
    store.horizon = events[-1].event_id
    if out.own_history:
        mine = [e for e in store.applied_commands() if e.who == store.user]
        history.reset_own(mine, store.redo_commands())
    return out


def execute(session, cmd: Command) -> CatchUp | None:
    """``session.history.execute(cmd)``; after a lost connection: reconnect, catch up, and run
    it again unless catching up shows it was saved. Returns the catch-up made, if any."""
    try:
        session.history.execute(cmd)
        return None
    except StoreConnectionError:
        session.store.reconnect()  # a server still away: StoreConnectionError reaches the caller
        caught = catch_up(session)
        if not caught.recovered:
            session.history.execute(cmd)
        return caught


def undo(session) -> CatchUp | None:
    """Undo the author's last command, retried likewise."""
    return _step(session, session.history.undo)


def redo(session) -> CatchUp | None:
    """Redo the author's next command, retried likewise."""
    return _step(session, session.history.redo)


def _step(session, action) -> CatchUp | None:
    history = session.history
    try:
        action()
        return None
    except StoreConnectionError:
        before = (history.index, len(history.redo_labels()))
        session.store.reconnect()
        caught = catch_up(session)
        if (history.index, len(history.redo_labels())) == before:  # not saved: do it again
            action()
        return caught


def keep_mine(session, cmd: Command) -> bool:
    """"Keep yours" after a StoreConflictError: catch up, rebuild ``cmd`` on the current state
    and execute it. False when it no longer applies (its object was deleted meanwhile)."""
    catch_up(session)
    again = rebase(cmd, session.document)
    if again is None:
        return False
    execute(session, again)
    return True


def progress_text(progress, me: str, limit: int = 4) -> str:
    """"you 12 · bob 30 · carol 7 reviewed" (you first, then the most reviewed)."""
    counts = {p.who: p.reviewed for p in progress if p.reviewed or p.who == me}
    counts.setdefault(me, 0)
    others = sorted((w for w in counts if w != me), key=lambda w: (-counts[w], w))
    parts = [f"you {counts[me]}"] + [f"{w} {counts[w]}" for w in others[:limit]]
    if len(others) > limit:
        parts.append(f"+{len(others) - limit} more")
    return " · ".join(parts) + " reviewed"
