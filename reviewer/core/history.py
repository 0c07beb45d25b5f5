"""Undo / redo history over commands, journalled so that it survives a restart.

``History.execute(cmd)`` applies the command to the document and journals it in one transaction of
the journal (the review store): a killed process either has both or neither. Undo and redo move the
journal's cursor. ``History.restore()`` rebuilds the document's corrections and both stacks from
the journal after a restart.

A project may hold two tasks (detection and segmentation) sharing one review store, so the
journal is one linear history over both. A session works on one task's document: commands of the
other task (``command_task``) move the journal's cursor on undo / redo without touching this
document, and ``restore`` replays only this task's corrections — the other task's session
replays its own, in the same order.

The journal is duck-typed (``reviewer.io.store_base.ReviewStore`` provides it): ``transaction()``,
``append_command(image_key, kind, payload, targets) -> seq``, ``undo_command(seq)``,
``redo_command(seq)``, ``applied_commands()`` and ``redo_commands()`` (entries with ``seq``,
``payload`` and ``who``) and ``user``.

Several reviewers may share one journal (a server store). Undo is per author: the undo and redo
stacks hold the commands of ``journal.user`` only, while ``restore`` replays everyone's applied
corrections. The journal refuses (raises) a command, undo or redo whose targets someone else
changed (core/targets.py); whenever the journal raises, the document's ground truth is put back
as it was, so a refused or failed command leaves nothing half-made. ``apply_remote`` applies a
command another reviewer journalled; ``reset_own`` replaces the stacks (another window of the
same author changed them).
"""

from __future__ import annotations

import contextlib

from psygnal import Signal

from .commands import Command, PaintMask, from_payload
from .targets import command_targets


class _NullJournal:
    """In-memory stand-in when no store is attached (tests, read-only sessions)."""

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


class History:
    """Undo and redo stacks of (seq, command) and a clean marker.

    Signals: ``changed()`` after every execute / undo / redo / restore; ``applied(command, undo)``
    with the command and whether it was undone (views re-read what it touched).
    """

    changed = Signal()
    applied = Signal(object, bool)

    def __init__(self, doc, journal=None):
        self.doc = doc
        self.journal = journal if journal is not None else _NullJournal()
        self._undo: list[tuple[int, Command]] = []
        self._redo: list[tuple[int, Command]] = []
        self._clean = 0

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
    @property
    def task(self) -> str | None:
        return getattr(self.doc, "task", None)

    def execute(self, cmd: Command) -> None:
        """Apply ``cmd`` and journal it; the redo stack is dropped."""
        seq = self._journalled(cmd, False, lambda: self.journal.append_command(
            _key(cmd.image_id), cmd.kind, cmd.to_payload(), command_targets(cmd)))
        self._undo.append((seq, cmd))
        self._redo.clear()
        if self._clean > self.index - 1:
            self._clean = -1  # the clean state can no longer be reached
        self._emit(cmd, False)

    def undo(self) -> Command | None:
        if not self._undo:
            return None
        seq, cmd = self._undo[-1]
        self._journalled(cmd, True, lambda: self.journal.undo_command(seq))
        self._redo.append(self._undo.pop())
        self._emit(cmd, True)
        return cmd

    def redo(self) -> Command | None:
        if not self._redo:
            return None
        seq, cmd = self._redo[-1]
        self._journalled(cmd, False, lambda: self.journal.redo_command(seq))
        self._undo.append(self._redo.pop())
        self._emit(cmd, False)
        return cmd

    def restore(self) -> int:
        """Re-apply the journal's applied commands to the document (after a restart).

        Review-state commands are not re-applied: their effect is already in the store. Returns
        the number of GT corrections replayed.
        """
        replayed = 0
        self._undo = []
        for entry in self.journal.applied_commands():
            cmd = from_payload(entry.payload)
            replayed += _apply(cmd, self.doc, self.task, undo=False, gt_only=True)
            if self._own(entry):
                self._undo.append((entry.seq, cmd))
        self._redo = [(e.seq, from_payload(e.payload)) for e in reversed(self.journal.redo_commands())]
        self._clean = self.index
        self.changed.emit()
        return replayed

    # --- several reviewers --------------------------------------------------------------------
    def _own(self, entry) -> bool:
        user = getattr(self.journal, "user", None)
        return user is None or getattr(entry, "who", user) == user

    def _journalled(self, cmd: Command, undo: bool, write):
        """Apply ``cmd`` (or its undo) and record it with ``write()`` in one journal transaction.

        When the journal refuses or fails (a conflict, a lost server), the store rolls its part
        back and the ground truth changed here is put back, then the error propagates."""
        applied = False
        try:
            with self.journal.transaction():
                _apply(cmd, self.doc, self.task, undo=undo)
                applied = True
                return write()
        except BaseException:
            if applied:
                _apply(cmd, self.doc, self.task, undo=not undo, gt_only=True)
            raise

    def apply_remote(self, cmd: Command, undone: bool) -> None:
        """Another session journalled ``cmd`` (or undid it): apply its ground-truth part here.

        Its review-state part is already in the store. Views refresh through ``applied``."""
        _apply(cmd, self.doc, self.task, undo=undone, gt_only=True)
        self._emit(cmd, undone)

    def reset_own(self, applied, redo) -> None:
        """New undo / redo stacks from journal entries (this author's applied commands, oldest
        first; redo entries, next redo first), e.g. after another window of the same author
        journalled a command. The document is not touched."""
        self._undo = [(e.seq, from_payload(e.payload)) for e in applied]
        self._redo = [(e.seq, from_payload(e.payload)) for e in reversed(list(redo))]
        self._clean = -1
        self.changed.emit()

    def _emit(self, cmd: Command, undone: bool) -> None:
        self.applied.emit(cmd, undone)
        self.changed.emit()


def command_task(cmd: Command) -> str | None:
    """The task whose ground truth ``cmd`` changes (None: review state, any task)."""
    if not cmd.changes_gt:
        return None
    return "segmentation" if isinstance(cmd, PaintMask) else "detection"


def _apply(cmd: Command, doc, task: str | None, undo: bool, gt_only: bool = False) -> int:
    """Redo (or undo) the parts of ``cmd`` that belong to ``task``; returns GT parts applied.

    gt_only: skip review-state parts (replay after a restart: the store already holds them).
    """
    children = getattr(cmd, "children", None)
    if children is not None:
        parts = reversed(children) if undo else children
        return sum(_apply(c, doc, task, undo, gt_only) for c in parts)
    owner = command_task(cmd)
    if (owner is None and gt_only) or (owner is not None and task is not None and owner != task):
        return 0
    (cmd.undo if undo else cmd.redo)(doc)
    return int(owner is not None)


def _key(image_id) -> str:
    return "" if image_id is None else str(image_id)
