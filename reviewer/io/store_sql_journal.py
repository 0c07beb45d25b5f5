"""The command journal of the SQL stores: per-author undo, conflict checks, the change log.

Table ``journal`` holds every command with its author (``who``), time, payload and state:
applied, ``undone`` (in its author's redo stack) or ``discarded`` (dropped from history by a new
command of the same author after undo). ``journal_targets`` lists what each command changes
(core/targets.py), ``last_event`` the event of its last state change (command, undo or redo).

The version of a target is the newest ``last_event`` among the commands touching it. A session
has caught up to ``horizon`` (an event id); it may not journal a command on a target whose
version is newer and comes from another session. An undo needs no later applied command on its
targets; a redo needs nothing on its targets to have changed since the undo. Each check and its
write run in one transaction that first serialises on the author and the targets
(``_serialize``: advisory locks on a server), so two sessions can never both pass the check on the
same target, while commands on different targets do not wait for each other.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from reviewer.io.store_base import JournalEntry, StoreConflictError, StoreEvent
from reviewer.io.store_sql_ops import SqlOperations

_ENTRY = "seq, image_key, kind, payload, who, at, discarded, undone, conflict, resolution"
_ID_BLOCK = 16  # annotation ids handed to a session per allocation


def _json_default(value: object) -> object:
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    raise TypeError(f"{type(value).__name__} cannot be journalled as JSON")


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _entry(row) -> JournalEntry:
    seq, key, kind, payload, who, at, discarded, undone, conflict, resolution = row
    return JournalEntry(seq, key, kind, json.loads(payload), who, at, bool(discarded),
                        conflict=conflict, resolution=resolution, undone=bool(undone))


class SqlJournal(SqlOperations):
    """Journal, history and change-log methods of the SQL stores."""

    horizon: int = 0
    _id_block: tuple[int, int] = (0, 0)

    # --- writing --------------------------------------------------------------------------------
    def append_command(self, image_key: object, kind: str, payload: Mapping,
                       targets: Iterable[str] = ()) -> int:
        text = json.dumps(dict(payload), sort_keys=True, default=_json_default)
        key, targets = str(image_key), sorted({str(t) for t in targets})
        with self.transaction() as db:
            self._serialize(db, f"author {self.user}", *(f"target {t}" for t in targets))
            self._check_new(db, targets)
            db.execute("UPDATE journal SET discarded = 1 WHERE who = ? AND undone = 1"
                       " AND discarded = 0", (self.user,))
            seq = db.execute("INSERT INTO journal(image_key, kind, payload, who, at)"
                             " VALUES (?, ?, ?, ?, ?) RETURNING seq",
                             (key, str(kind), text, self.user, self._now())).fetchone()[0]
            if targets:
                db.executemany("INSERT INTO journal_targets(target, seq) VALUES (?, ?)",
                               [(t, seq) for t in targets])
            self._event(db, "command", key, str(seq), str(kind))
        return seq

    def undo_command(self, seq: int) -> None:
        seq = int(seq)
        with self.transaction() as db:
            key = self._own_entry(db, seq, undone=False)
            if self.history_cursor() != seq:
                raise StoreConflictError(self.describe(), f"command {seq} is not your last one:"
                                         " you journalled a newer command in another window"
                                         " — reload", who=self.user)
            self._raise_first(db, "SELECT jt.target, j.who, ev.at FROM journal_targets jt"
                                  " JOIN journal j ON j.seq = jt.seq"
                                  " JOIN events ev ON ev.id = j.last_event"
                                  f" WHERE jt.target IN ({self._targets_of})"
                                  " AND j.seq > ? AND j.discarded = 0 AND j.undone = 0"
                                  " ORDER BY j.seq DESC LIMIT 1", (seq, seq))
            prev = db.execute("SELECT coalesce(max(seq), 0) FROM journal WHERE who = ? AND"
                              " discarded = 0 AND undone = 0 AND seq < ?",
                              (self.user, seq)).fetchone()[0]
            db.execute("UPDATE journal SET undone = 1 WHERE seq = ?", (seq,))
            self._event(db, "undo", key, str(seq), str(prev))

    def redo_command(self, seq: int) -> None:
        seq = int(seq)
        with self.transaction() as db:
            key = self._own_entry(db, seq, undone=True)
            first = db.execute("SELECT min(seq) FROM journal WHERE who = ? AND discarded = 0"
                               " AND undone = 1", (self.user,)).fetchone()[0]
            if first != seq:
                raise StoreConflictError(self.describe(), f"command {seq} is not your next redo"
                                         " (another window of yours changed your history)"
                                         " — reload", who=self.user)
            undone_at = db.execute("SELECT last_event FROM journal WHERE seq = ?",
                                   (seq,)).fetchone()[0] or 0
            self._raise_first(db, "SELECT jt.target, ev.who, ev.at FROM journal_targets jt"
                                  " JOIN journal j ON j.seq = jt.seq"
                                  " JOIN events ev ON ev.id = j.last_event"
                                  f" WHERE jt.target IN ({self._targets_of})"
                                  " AND j.seq <> ? AND j.last_event > ?"
                                  " ORDER BY j.last_event DESC LIMIT 1", (seq, seq, undone_at))
            prev = self.history_cursor()
            db.execute("UPDATE journal SET undone = 0 WHERE seq = ?", (seq,))
            self._event(db, "redo", key, str(prev), str(seq))

    _targets_of = "SELECT target FROM journal_targets WHERE seq = ?"

    def _own_entry(self, db, seq: int, undone: bool) -> str:
        """The image key of ``user``'s active command ``seq`` in the expected state (after
        serialising on the author and the command's targets)."""
        targets = [r[0] for r in db.execute("SELECT target FROM journal_targets WHERE seq = ?"
                                            " ORDER BY target", (seq,)).fetchall()]
        self._serialize(db, f"author {self.user}", *(f"target {t}" for t in targets))
        row = db.execute("SELECT image_key, who, discarded, undone FROM journal WHERE seq = ?",
                         (seq,)).fetchone()
        if row is None or row[2] or bool(row[3]) != undone:
            state = "undone" if undone else "applied"
            raise ValueError(f"{seq} is not the seq of an {state} journalled command")
        if row[1] != self.user:
            raise ValueError(f"command {seq} is {row[1]}'s: only its author can undo or redo it")
        return row[0]

    def _check_new(self, db, targets: list[str]) -> None:
        """Refuse when another session changed one of ``targets`` after ``horizon``."""
        if targets:
            self._raise_first(db, "SELECT jt.target, ev.who, ev.at FROM journal_targets jt"
                                  " JOIN journal j ON j.seq = jt.seq"
                                  " JOIN events ev ON ev.id = j.last_event"
                                  f" WHERE jt.target IN ({_marks(len(targets))})"
                                  " AND j.last_event > ?"
                                  " AND (ev.session IS NULL OR ev.session <> ?)"
                                  " ORDER BY j.last_event DESC LIMIT 1",
                              (*targets, int(self.horizon), self.session_id))

    def _raise_first(self, db, sql: str, params: tuple) -> None:
        row = db.execute(sql, params).fetchone()
        if row is not None:
            raise StoreConflictError.changed(self.describe(), row[0], row[1], row[2])

    # --- conflicts with a changed ground truth ---------------------------------------------------
    def set_aside(self, seq: int, reason: str) -> None:
        with self.transaction() as db:
            row = db.execute("SELECT image_key FROM journal WHERE seq = ?", (int(seq),)).fetchone()
            if row is None:
                raise ValueError(f"{seq} is not the seq of a journalled command")
            db.execute("UPDATE journal SET discarded = 1, conflict = ? WHERE seq = ?",
                       (str(reason), int(seq)))
            self._event(db, "conflict", row[0], str(int(seq)), str(reason))

    def conflicts(self, include_resolved: bool = False) -> list[JournalEntry]:
        where = "conflict IS NOT NULL" + ("" if include_resolved else " AND resolution IS NULL")
        with self._reading() as db:
            rows = db.execute(f"SELECT {_ENTRY} FROM journal WHERE {where} ORDER BY seq")
            return [_entry(r) for r in rows.fetchall()]

    def resolve_conflict(self, seq: int, resolution: str) -> None:
        with self.transaction() as db:
            row = db.execute("SELECT image_key FROM journal WHERE seq = ? AND conflict IS NOT NULL"
                             " AND resolution IS NULL", (int(seq),)).fetchone()
            if row is None:
                raise ValueError(f"{seq} is not an unresolved conflict")
            db.execute("UPDATE journal SET resolution = ? WHERE seq = ?",
                       (str(resolution), int(seq)))
            self._event(db, "conflict_resolved", row[0], str(int(seq)), str(resolution))

    # --- reading --------------------------------------------------------------------------------
    def journal(self, include_discarded: bool = False) -> list[JournalEntry]:
        where = "" if include_discarded else " WHERE discarded = 0"
        with self._reading() as db:
            rows = db.execute(f"SELECT {_ENTRY} FROM journal{where} ORDER BY seq").fetchall()
        return [_entry(r) for r in rows]

    def entries(self, seqs: Iterable[int]) -> dict[int, JournalEntry]:
        seqs = sorted({int(s) for s in seqs})
        out: dict[int, JournalEntry] = {}
        with self._reading() as db:
            for i in range(0, len(seqs), 500):
                chunk = seqs[i:i + 500]
                for row in db.execute(f"SELECT {_ENTRY} FROM journal WHERE seq IN"
                                      f" ({_marks(len(chunk))})", chunk).fetchall():
                    out[row[0]] = _entry(row)
        return out

    def history_cursor(self) -> int:
        with self._reading() as db:
            return db.execute("SELECT coalesce(max(seq), 0) FROM journal WHERE who = ? AND"
                              " discarded = 0 AND undone = 0", (self.user,)).fetchone()[0]

    def applied_commands(self) -> list[JournalEntry]:
        with self._reading() as db:
            rows = db.execute(f"SELECT {_ENTRY} FROM journal WHERE discarded = 0 AND undone = 0"
                              " ORDER BY seq").fetchall()
        return [_entry(r) for r in rows]

    def redo_commands(self) -> list[JournalEntry]:
        with self._reading() as db:
            rows = db.execute(f"SELECT {_ENTRY} FROM journal WHERE discarded = 0 AND undone = 1"
                              " AND who = ? ORDER BY seq", (self.user,)).fetchall()
        return [_entry(r) for r in rows]

    def events(self, since: int = 0) -> list[StoreEvent]:
        with self._reading() as db:
            rows = db.execute("SELECT id, at, who, kind, image_key, subject, value, session"
                              " FROM events WHERE id > ? ORDER BY id", (int(since),)).fetchall()
        return [StoreEvent(*row) for row in rows]

    def last_event_id(self) -> int:
        with self._reading() as db:
            return db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]

    # --- annotation ids ---------------------------------------------------------------------------
    def allocate_id(self, floor: int) -> int:
        floor = int(floor)
        start, end = self._id_block
        if not start or start < floor or start >= end:
            with self.transaction() as db:
                self._serialize(db, "annotation ids")
                stored = int(self._meta("next_ann_id") or 1)
                start = max(stored, floor)
                end = start + _ID_BLOCK
                db.execute("UPDATE meta SET value = ? WHERE key = 'next_ann_id'", (str(end),))
        self._id_block = (start + 1, end)
        return start
