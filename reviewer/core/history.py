"""Undo / redo history over commands, journalled so that it survives a restart.

``History.execute(cmd)`` applies the command to the document and journals it in one transaction of
the journal (the review store): a killed process either has both or neither. The document's
signals are held back until the journal has committed, so a view that fails while repainting can
never leave an edit without its journal entry; a journal that fails to commit leaves the document
as it was. Undo and redo move the journal's cursor. ``History.restore()`` rebuilds the document's
corrections and both stacks from the journal after a restart.

Replaying onto a changed GT: each GT command checks that its target still holds what it held when
the command was made (``Command.conflict``). A command that no longer fits is *set aside* as a
conflict — taken out of the active history in the journal and listed in ``conflicts`` — instead
of landing on another object; the rest replays. The reviewer then re-applies it to the object as
it is now (``reapply``: a new, journalled command) or drops it (``drop``). A read-only journal
keeps conflicts in memory only.

A project may hold several tasks sharing one review store, so the journal is one history over
all of them. A session works on one task's document and knows which ground-truth commands are its
own (``owns``, given by the task plug-in): the other tasks' commands move the journal on undo /
redo without touching this document, and ``restore`` replays only this task's corrections — the
other task's session
replays its own, in the same order.

The journal is duck-typed (``reviewer.io.store_base.ReviewStore`` provides it): ``transaction()``,
``append_command(image_key, kind, payload, targets) -> seq``, ``undo_command(seq)``,
``redo_command(seq)``, ``applied_commands()``, ``redo_commands()`` (entries with ``seq``,
``payload``, ``who``, ``at``), ``set_aside(seq, reason)``, ``conflicts()`` (entries with
``conflict``), ``resolve_conflict(seq, resolution)``, ``read_only`` and ``user``.

Several reviewers may share one journal (a server store). Undo is per author: the undo and redo
stacks hold the commands of ``journal.user`` only, while ``restore`` replays everyone's applied
corrections. The journal refuses (raises) a command, undo or redo whose targets someone else
changed (core/targets.py); the review-state part of a refused command is rolled back with the
journal's transaction and its ground-truth part is put back here. ``apply_remote`` applies a
command another reviewer journalled; ``reset_own`` replaces the stacks (another window of the
same author changed them).
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass

from .commands import Command, from_payload
from .conflicts import CommandConflictError
from .targets import command_targets


class _NullJournal:
    """In-memory stand-in when no store is attached (tests, read-only sessions)."""

    read_only = False
    user = None

    def __init__(self):
        self._seq = 0

    def transaction(self):
        return contextlib.nullcontext()

    def append_command(self, image_key, kind, payload, targets=()) -> int:
        self._seq += 1
        return self._seq

    def undo_command(self, seq: int) -> None:
        return None

    def redo_command(self, seq: int) -> None:
        return None

    def applied_commands(self):
        return []

    def redo_commands(self):
        return []

    def set_aside(self, seq: int, reason: str) -> None:
        return None

    def conflicts(self):
        return []

    def resolve_conflict(self, seq: int, resolution: str) -> None:
        return None


@dataclass(frozen=True)
class Conflict:
    """A journalled correction that no longer fits the GT: ``reason`` says why."""

    seq: int
    command: Command
    reason: str
    who: str = ""
    at: str = ""


class _WatchedSignal:
    """A psygnal ``Signal`` made when first asked for (``history.changed.connect(...)``), so
    that a history nobody watches (a command-line call) does not import psygnal (~50 ms of a
    ``reviewer tag`` call); ``History._fire`` emits only the signals that exist."""

    def __init__(self, *types):
        self.types = types

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        from psygnal import Signal

        signal = Signal(*self.types)
        signal.__set_name__(type(obj), self.name)
        return signal.__get__(obj, type(obj))  # psygnal keeps the instance on ``obj``


class History:
    """Undo and redo stacks of (seq, command), a clean marker, and the set-aside conflicts.

    Signals: ``changed()`` after every execute / undo / redo / restore / conflict resolution;
    ``applied(command, undo)`` with the command and whether it was undone (views re-read what it
    touched).
    """

    changed = _WatchedSignal()
    applied = _WatchedSignal(object, bool)

    def _fire(self, name: str, *args) -> None:
        """Emit a signal if anyone asked for it (see ``_WatchedSignal``)."""
        signal = self.__dict__.get(name)
        if signal is not None:
            signal.emit(*args)

    def __init__(self, doc, journal=None, owns: Callable[[Command], bool] | None = None):
        """owns: whether a ground-truth command (a leaf, not a macro) is this document's task's
        (None: every one is, as for a lone document)."""
        self.doc = doc
        self.owns = owns if owns is not None else _every
        self.journal = journal if journal is not None else _NullJournal()
        self._undo: list[tuple[int, Command]] = []
        self._redo: list[tuple[int, Command]] = []
        self._clean = 0
        self.conflicts: list[Conflict] = []

    # --- queries ----------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def index(self) -> int:
        """Number of applied commands."""
        return len(self._undo)

    @property
    def is_clean(self) -> bool:
        return self.index == self._clean

    def mark_clean(self) -> None:
        self._clean = self.index

    def undo_labels(self) -> list[str]:
        return [c.label for _, c in self._undo]

    def redo_labels(self) -> list[str]:
        return [c.label for _, c in reversed(self._redo)]

    def commands(self) -> list[Command]:
        """Applied commands, oldest first."""
        return [c for _, c in self._undo]

    # --- actions ----------------------------------------------------------------------------
    def execute(self, cmd: Command) -> int:
        """Apply ``cmd`` and journal it; the redo stack is dropped. Returns its journal seq."""
        with _signals_held(self.doc):
            seq = self._commit(cmd, undo=False, journal=lambda: self.journal.append_command(
                _key(cmd.image_id), cmd.kind, cmd.to_payload(), command_targets(cmd)))
            self._undo.append((seq, cmd))
            self._redo.clear()
            if self._clean > self.index - 1:
                self._clean = -1  # the clean state can no longer be reached
        self._emit(cmd, False)
        return seq

    def undo(self) -> Command | None:
        if not self._undo:
            return None
        seq, cmd = self._undo[-1]
        with _signals_held(self.doc):
            self._commit(cmd, undo=True, journal=lambda: self.journal.undo_command(seq))
            self._redo.append(self._undo.pop())
        self._emit(cmd, True)
        return cmd

    def redo(self) -> Command | None:
        """Redo the last undone command. A command that no longer fits the GT (it changed on
        disk since the undo) is set aside as a conflict: CommandConflictError says why."""
        if not self._redo:
            return None
        seq, cmd = self._redo[-1]
        reason = _conflict(cmd, self.doc, self.owns)
        if reason is not None:
            self._redo.pop()
            self._set_aside([Conflict(seq, cmd, reason)])
            self._fire("changed")
            raise CommandConflictError(f"{cmd.label} cannot be redone: {reason}")
        with _signals_held(self.doc):
            self._commit(cmd, undo=False, journal=lambda: self.journal.redo_command(seq))
            self._undo.append(self._redo.pop())
        self._emit(cmd, False)
        return cmd

    def _commit(self, cmd: Command, undo: bool, journal):
        """Apply ``cmd`` to the document and run ``journal()`` in one transaction; a failed
        commit (or a refusal) reverts the document's ground truth — the review-state part was
        written in the journal's transaction and rolled back with it (re-writing it here would
        land over another reviewer's value). Callers hold the document's signals
        (``_signals_held``) until their stacks are updated too, so views see the committed
        state only."""
        applied = False
        try:
            with self.journal.transaction():
                _apply(cmd, self.doc, self.owns, undo=undo)
                applied = True
                return journal()
        except BaseException:
            if applied:
                _apply(cmd, self.doc, self.owns, undo=not undo, gt_only=_rolls_back(self.journal))
            raise

    def restore(self) -> int:
        """Re-apply the journal's applied commands to the document (after a restart).

        Review-state commands are not re-applied: their effect is already in the store. GT
        commands that no longer fit the GT are set aside (``conflicts``). Returns the number of
        GT corrections replayed.
        """
        replayed = 0
        self._undo = []
        found = []
        with _signals_held(self.doc):
            for entry in self.journal.applied_commands():
                cmd = from_payload(entry.payload)
                reason = _conflict(cmd, self.doc, self.owns)
                if reason is not None:
                    found.append(Conflict(entry.seq, cmd, reason, entry.who, entry.at))
                    continue
                replayed += _apply(cmd, self.doc, self.owns, undo=False, gt_only=True)
                if self._own(entry):
                    self._undo.append((entry.seq, cmd))
        self._redo = [(e.seq, from_payload(e.payload))
                      for e in reversed(self.journal.redo_commands())]
        self.conflicts = self.recorded_conflicts()
        self._set_aside(found)
        self._clean = self.index
        self._fire("changed")
        return replayed

    def recorded_conflicts(self, owns: Callable[[Command], bool] | None = None) -> list[Conflict]:
        """The conflicts the journal holds (set aside earlier) that concern this task (or the
        task ``owns`` says)."""
        owns = owns or self.owns
        return [Conflict(e.seq, from_payload(e.payload), e.conflict or "", e.who, e.at)
                for e in self.journal.conflicts() if _owned(from_payload(e.payload), owns)]

    def _set_aside(self, found: list[Conflict]) -> None:
        if found and not getattr(self.journal, "read_only", False):
            with self.journal.transaction():
                for c in found:
                    self.journal.set_aside(c.seq, c.reason)
        self.conflicts += found

    # --- conflicts ------------------------------------------------------------------------------
    def conflict(self, seq: int) -> Conflict:
        for c in self.conflicts:
            if c.seq == seq:
                return c
        raise KeyError(f"no conflict with journal seq {seq}")

    def reapply(self, seq: int) -> Command:
        """Apply conflict ``seq``'s change to its target as it is now (a new history entry);
        CommandConflictError when the target is gone (drop it instead)."""
        conflict = self.conflict(seq)
        with _signals_held(self.doc):
            cmd = conflict.command.rebased(self.doc)
            new = self._commit(cmd, undo=False, journal=lambda: self._journal_reapply(cmd, seq))
            self._undo.append((new, cmd))
            self._redo.clear()
            self.conflicts.remove(conflict)
        self._emit(cmd, False)
        return cmd

    def _journal_reapply(self, cmd: Command, seq: int) -> int:
        new = self.journal.append_command(_key(cmd.image_id), cmd.kind, cmd.to_payload(),
                                          command_targets(cmd))
        self.journal.resolve_conflict(seq, f"re-applied as {new}")
        return new

    def drop(self, seq: int) -> None:
        """Give up conflict ``seq``: it stays in the journal, marked dropped."""
        conflict = self.conflict(seq)
        self.journal.resolve_conflict(seq, "dropped")
        self.conflicts.remove(conflict)
        self._fire("changed")

    def _emit(self, cmd: Command, undone: bool) -> None:
        self._fire("applied", cmd, undone)
        self._fire("changed")

    # --- several reviewers --------------------------------------------------------------------
    def _own(self, entry) -> bool:
        user = getattr(self.journal, "user", None)
        return user is None or getattr(entry, "who", user) == user

    def apply_remote(self, cmd: Command, undone: bool) -> None:
        """Another session journalled ``cmd`` (or undid it): apply its ground-truth part here.
        Its review-state part is already in the store. Views refresh through ``applied``."""
        with _signals_held(self.doc):
            _apply(cmd, self.doc, self.owns, undo=undone, gt_only=True)
        self._emit(cmd, undone)

    def reset_own(self, applied, redo) -> None:
        """New undo / redo stacks from journal entries (this author's applied commands, oldest
        first; redo entries, next redo first), e.g. after another window of the same author
        journalled a command. The document is not touched."""
        self._undo = [(e.seq, from_payload(e.payload)) for e in applied]
        self._redo = [(e.seq, from_payload(e.payload)) for e in reversed(list(redo))]
        self._clean = -1
        self._fire("changed")


def _every(cmd: Command) -> bool:
    return True


def _owned(cmd: Command, owns) -> bool:
    """Whether ``cmd`` changes this task's GT (a macro: any of its children)."""
    children = getattr(cmd, "children", None)
    if children is not None:
        return any(_owned(c, owns) for c in children)
    return cmd.changes_gt and owns(cmd)


def _conflict(cmd: Command, doc, owns) -> str | None:
    """Why the parts of ``cmd`` that belong to this task cannot be redone on ``doc`` now."""
    children = getattr(cmd, "children", None)
    if children is not None:
        mine = [c for c in children if _owned(c, owns)]
        if not mine:
            return None
        return type(cmd)(image_id=cmd.image_id, children=tuple(mine)).conflict(doc)
    return cmd.conflict(doc) if _owned(cmd, owns) else None


def _apply(cmd: Command, doc, owns, undo: bool, gt_only: bool = False) -> int:
    """Redo (or undo) the parts of ``cmd`` that belong to this task (review state belongs to
    every task); returns the GT parts applied.

    gt_only: skip review-state parts (replay after a restart: the store already holds them).
    """
    children = getattr(cmd, "children", None)
    if children is not None:
        parts = reversed(children) if undo else children
        return sum(_apply(c, doc, owns, undo, gt_only) for c in parts)
    if (not cmd.changes_gt and gt_only) or (cmd.changes_gt and not owns(cmd)):
        return 0
    (cmd.undo if undo else cmd.redo)(doc)
    return int(cmd.changes_gt)


@contextlib.contextmanager
def _signals_held(doc):
    """Hold the document's psygnal signals back until the block ends (then they fire)."""
    psygnal = sys.modules.get("psygnal")  # not imported: the document has no such signal
    with contextlib.ExitStack() as stack:
        for cls in inspect.getmro(type(doc)):
            for name, value in vars(cls).items():
                if psygnal is not None and isinstance(value, psygnal.Signal):
                    instance = getattr(doc, name)
                    if isinstance(instance, psygnal.SignalInstance):
                        stack.enter_context(instance.paused())
        yield


def _rolls_back(journal) -> bool:
    """Whether the journal's transaction also rolls back the review state (a review store
    does; an in-memory stand-in does not, so its review-state part is reverted by hand)."""
    return getattr(journal, "rolls_back_review", False)


def _key(image_id) -> str:
    return "" if image_id is None else str(image_id)
