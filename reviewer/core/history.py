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
``append_command(image_key, kind, payload) -> seq``, ``set_history_cursor(seq)``,
``applied_commands()`` and ``redo_commands()`` (entries with ``seq`` and ``payload``).
"""

from __future__ import annotations

import contextlib

from psygnal import Signal

from .commands import Command, PaintMask, from_payload


class _NullJournal:
    """In-memory stand-in when no store is attached (tests, read-only sessions)."""

    def __init__(self):
        self._seq = 0

    def transaction(self):
        return contextlib.nullcontext()

    def append_command(self, image_key, kind, payload) -> int:
        self._seq += 1
        return self._seq

    def set_history_cursor(self, seq: int) -> None:
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
        with self.journal.transaction():
            _apply(cmd, self.doc, self.task, undo=False)
            seq = self.journal.append_command(_key(cmd.image_id), cmd.kind, cmd.to_payload())
        self._undo.append((seq, cmd))
        self._redo.clear()
        if self._clean > self.index - 1:
            self._clean = -1  # the clean state can no longer be reached
        self._emit(cmd, False)

    def undo(self) -> Command | None:
        if not self._undo:
            return None
        seq, cmd = self._undo[-1]
        prev = self._undo[-2][0] if len(self._undo) > 1 else 0
        with self.journal.transaction():
            _apply(cmd, self.doc, self.task, undo=True)
            self.journal.set_history_cursor(prev)
        self._redo.append(self._undo.pop())
        self._emit(cmd, True)
        return cmd

    def redo(self) -> Command | None:
        if not self._redo:
            return None
        seq, cmd = self._redo[-1]
        with self.journal.transaction():
            _apply(cmd, self.doc, self.task, undo=False)
            self.journal.set_history_cursor(seq)
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
            self._undo.append((entry.seq, cmd))
        self._redo = [(e.seq, from_payload(e.payload)) for e in reversed(self.journal.redo_commands())]
        self._clean = self.index
        self.changed.emit()
        return replayed

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
