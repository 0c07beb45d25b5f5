"""Review data of the SQLite store: statuses, notes, image and object tags, journal, change log.

Every setter is one transaction (``self.transaction()``) that writes the change and its event.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping

from reviewer.core.tags import name_key
from reviewer.io.store_base import (
    SOURCES,
    ImageReview,
    JournalEntry,
    ReviewStatus,
    StoreEvent,
)
from reviewer.io.store_sqlite_vocab import LIVE, SqliteVocabulary

_LIVE_T = LIVE.replace("merged_into", "t.merged_into").replace("removed_at", "t.removed_at")


def _source(source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    return source


def _json_default(value: object) -> object:
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    raise TypeError(f"{type(value).__name__} cannot be journalled as JSON")


def _merge_image_rows(a: tuple, b: tuple) -> tuple:
    """Two (status, note, who, at) rows of one photo: a set value beats the default (status
    ``unreviewed``, an empty note); of two set values the later row's wins."""
    late, early = (a, b) if (a[3] or "") > (b[3] or "") else (b, a)
    status = late[0] if late[0] != "unreviewed" else early[0]
    note = late[1] if late[1] else early[1]
    return status, note, late[2], late[3]


class SqliteOperations(SqliteVocabulary):
    """Data methods of ``SqliteReviewStore``."""

    # --- images -------------------------------------------------------------------------------
    def _upsert_image(self, image_key: object, column: str, value: str) -> None:
        key = str(image_key)
        with self.transaction() as db:
            now = self._now()
            db.execute(f"INSERT INTO images(image_key, {column}, who, at) VALUES (?, ?, ?, ?)"
                       f" ON CONFLICT(image_key) DO UPDATE SET {column} = excluded.{column},"
                       " who = excluded.who, at = excluded.at", (key, value, self.user, now))
            self._event(db, column, key, None, value)

    def set_status(self, image_key: object, status: ReviewStatus | str) -> None:
        self._upsert_image(image_key, "status", ReviewStatus.parse(status).value)

    def set_note(self, image_key: object, note: str) -> None:
        if not isinstance(note, str):
            raise TypeError(f"a note is text, not {type(note).__name__}")
        self._upsert_image(image_key, "note", note)

    def _image_row(self, image_key: object) -> tuple | None:
        with self._reading() as db:
            return db.execute("SELECT status, note, who, at FROM images WHERE image_key = ?",
                              (str(image_key),)).fetchone()

    def status(self, image_key: object) -> ReviewStatus:
        row = self._image_row(image_key)
        return ReviewStatus.UNREVIEWED if row is None else ReviewStatus(row[0])

    def note(self, image_key: object) -> str:
        row = self._image_row(image_key)
        return "" if row is None else row[1]

    def statuses(self) -> dict[str, ReviewStatus]:
        with self._reading() as db:
            rows = db.execute("SELECT image_key, status FROM images").fetchall()
        return {key: ReviewStatus(status) for key, status in rows}

    def image_review(self, image_key: object) -> ImageReview:
        row = self._image_row(image_key) or ("unreviewed", "", None, None)
        return ImageReview(str(image_key), ReviewStatus(row[0]), row[1],
                           frozenset(self.image_tags(image_key)), row[2], row[3])

    # --- image tags ---------------------------------------------------------------------------
    def image_tags(self, image_key: object) -> set[str]:
        with self._reading() as db:
            rows = db.execute("SELECT t.name FROM image_tags it JOIN tags t ON t.id = it.tag_id"
                              f" WHERE it.image_key = ? AND {_LIVE_T}", (str(image_key),))
            return {r[0] for r in rows}

    def all_image_tags(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        with self._reading() as db:
            for key, name in db.execute("SELECT it.image_key, t.name FROM image_tags it"
                                        f" JOIN tags t ON t.id = it.tag_id WHERE {_LIVE_T}"):
                out.setdefault(key, set()).add(name)
        return out

    def add_image_tag(self, image_key: object, name: str) -> None:
        key = str(image_key)
        with self.transaction() as db:
            tag_id = self._tag_id(db, name)
            added = db.execute("INSERT OR IGNORE INTO image_tags(image_key, tag_id, who, at)"
                               " VALUES (?, ?, ?, ?)", (key, tag_id, self.user, self._now()))
            if added.rowcount:
                self._event(db, "image_tag_added", key, None, self._tag_name(db, tag_id))

    def remove_image_tag(self, image_key: object, name: str) -> None:
        key = str(image_key)
        with self.transaction() as db:
            tag_id = self._find_tag_id(db, name)
            if tag_id is None:
                return
            gone = db.execute("DELETE FROM image_tags WHERE image_key = ? AND tag_id = ?",
                              (key, tag_id))
            if gone.rowcount:
                self._event(db, "image_tag_removed", key, None, self._tag_name(db, tag_id))

    def set_image_tags(self, image_key: object, names: Iterable[str]) -> None:
        names = list(names)
        with self.transaction():
            wanted = {name_key(n) for n in names}
            for old in self.image_tags(image_key):
                if name_key(old) not in wanted:
                    self.remove_image_tag(image_key, old)
            for name in names:
                self.add_image_tag(image_key, name)

    @staticmethod
    def _tag_name(db: sqlite3.Connection, tag_id: int) -> str:
        return db.execute("SELECT name FROM tags WHERE id = ?", (tag_id,)).fetchone()[0]

    # --- object tags --------------------------------------------------------------------------
    def object_tags(self, image_key: object, source: str, ann_id: object) -> set[str]:
        with self._reading() as db:
            rows = db.execute(
                "SELECT t.name FROM object_tags ot JOIN tags t ON t.id = ot.tag_id WHERE"
                f" ot.image_key = ? AND ot.source = ? AND ot.ann_key = ? AND {_LIVE_T}",
                (str(image_key), _source(source), str(ann_id)))
            return {r[0] for r in rows}

    def image_object_tags(self, image_key: object) -> dict[tuple[str, str], set[str]]:
        out: dict[tuple[str, str], set[str]] = {}
        with self._reading() as db:
            for source, ann, name in db.execute(
                    "SELECT ot.source, ot.ann_key, t.name FROM object_tags ot JOIN tags t"
                    f" ON t.id = ot.tag_id WHERE ot.image_key = ? AND {_LIVE_T}",
                    (str(image_key),)):
                out.setdefault((source, ann), set()).add(name)
        return out

    def all_object_tags(self) -> dict[tuple[str, str, str], set[str]]:
        out: dict[tuple[str, str, str], set[str]] = {}
        with self._reading() as db:
            for key, source, ann, name in db.execute(
                    "SELECT ot.image_key, ot.source, ot.ann_key, t.name FROM object_tags ot"
                    f" JOIN tags t ON t.id = ot.tag_id WHERE {_LIVE_T}"):
                out.setdefault((key, source, ann), set()).add(name)
        return out

    def add_object_tag(self, image_key: object, source: str, ann_id: object, name: str) -> None:
        key, ann = str(image_key), str(ann_id)
        with self.transaction() as db:
            tag_id = self._tag_id(db, name)
            added = db.execute(
                "INSERT OR IGNORE INTO object_tags(image_key, source, ann_key, tag_id, who, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key, _source(source), ann, tag_id, self.user, self._now()))
            if added.rowcount:
                self._event(db, "object_tag_added", key, f"{source}:{ann}",
                            self._tag_name(db, tag_id))

    def remove_object_tag(self, image_key: object, source: str, ann_id: object,
                          name: str) -> None:
        key, ann = str(image_key), str(ann_id)
        with self.transaction() as db:
            tag_id = self._find_tag_id(db, name)
            if tag_id is None:
                return
            gone = db.execute("DELETE FROM object_tags WHERE image_key = ? AND source = ?"
                              " AND ann_key = ? AND tag_id = ?",
                              (key, _source(source), ann, tag_id))
            if gone.rowcount:
                self._event(db, "object_tag_removed", key, f"{source}:{ann}",
                            self._tag_name(db, tag_id))

    def set_object_tags(self, image_key: object, source: str, ann_id: object,
                        names: Iterable[str]) -> None:
        names = list(names)
        with self.transaction():
            wanted = {name_key(n) for n in names}
            for old in self.object_tags(image_key, source, ann_id):
                if name_key(old) not in wanted:
                    self.remove_object_tag(image_key, source, ann_id, old)
            for name in names:
                self.add_object_tag(image_key, source, ann_id, name)

    # --- journal and history ------------------------------------------------------------------
    def append_command(self, image_key: object, kind: str, payload: Mapping) -> int:
        text = json.dumps(dict(payload), sort_keys=True, default=_json_default)
        key = str(image_key)
        with self.transaction() as db:
            cursor = self.history_cursor()
            db.execute("UPDATE journal SET discarded = 1 WHERE seq > ? AND discarded = 0",
                       (cursor,))
            seq = db.execute("INSERT INTO journal(image_key, kind, payload, who, at)"
                             " VALUES (?, ?, ?, ?, ?)",
                             (key, str(kind), text, self.user, self._now())).lastrowid
            self._set_meta("history_cursor", str(seq))
            self._event(db, "command", key, str(seq), str(kind))
        return seq

    def journal(self, include_discarded: bool = False) -> list[JournalEntry]:
        return self._entries("" if include_discarded else " WHERE discarded = 0")

    def _entries(self, where: str, args: tuple = ()) -> list[JournalEntry]:
        with self._reading() as db:
            rows = db.execute("SELECT seq, image_key, kind, payload, who, at, discarded,"
                              f" conflict, resolution FROM journal{where} ORDER BY seq",
                              args).fetchall()
        return [JournalEntry(seq, key, kind, json.loads(payload), who, at, bool(discarded),
                             conflict, resolution)
                for seq, key, kind, payload, who, at, discarded, conflict, resolution in rows]

    def set_aside(self, seq: int, reason: str) -> None:
        with self.transaction() as db:
            row = db.execute("SELECT image_key FROM journal WHERE seq = ?", (int(seq),)).fetchone()
            if row is None:
                raise ValueError(f"{seq} is not the seq of a journalled command")
            db.execute("UPDATE journal SET discarded = 1, conflict = ? WHERE seq = ?",
                       (str(reason), int(seq)))
            self._event(db, "conflict", row[0], str(int(seq)), str(reason))

    def conflicts(self, include_resolved: bool = False) -> list[JournalEntry]:
        where = " WHERE conflict IS NOT NULL"
        return self._entries(where if include_resolved else where + " AND resolution IS NULL")

    def resolve_conflict(self, seq: int, resolution: str) -> None:
        with self.transaction() as db:
            row = db.execute("SELECT image_key FROM journal WHERE seq = ? AND conflict IS NOT NULL"
                             " AND resolution IS NULL", (int(seq),)).fetchone()
            if row is None:
                raise ValueError(f"{seq} is not an unresolved conflict")
            db.execute("UPDATE journal SET resolution = ? WHERE seq = ?",
                       (str(resolution), int(seq)))
            self._event(db, "conflict_resolved", row[0], str(int(seq)), str(resolution))

    def meta_value(self, key: str) -> str | None:
        return self._meta(f"x:{key}")

    def set_meta_value(self, key: str, value: str) -> None:
        with self.transaction():
            self._set_meta(f"x:{key}", str(value))

    def rekey_images(self, moves: Mapping[str, str]) -> int:
        moved = 0
        with self.transaction() as db:
            for old, new in moves.items():
                moved += self._rekey(db, str(old), str(new))
        return moved

    @staticmethod
    def _rekey(db: sqlite3.Connection, old: str, new: str) -> int:
        """Move one image's state from ``old`` to ``new``; merge with what ``new`` holds (the
        later status / note wins, tags are united)."""
        query = "SELECT status, note, who, at FROM images WHERE image_key = ?"
        found = db.execute(query, (old,)).fetchone()
        there = db.execute(query, (new,)).fetchone()
        if found is not None and there is None:
            db.execute("UPDATE images SET image_key = ? WHERE image_key = ?", (new, old))
        elif found is not None:
            db.execute("UPDATE images SET status = ?, note = ?, who = ?, at = ?"
                       " WHERE image_key = ?", (*_merge_image_rows(found, there), new))
            db.execute("DELETE FROM images WHERE image_key = ?", (old,))
        tags = db.execute("SELECT count(*) FROM image_tags WHERE image_key = ?", (old,))
        has_tags = tags.fetchone()[0] > 0
        db.execute("INSERT OR IGNORE INTO image_tags(image_key, tag_id, who, at)"
                   " SELECT ?, tag_id, who, at FROM image_tags WHERE image_key = ?", (new, old))
        db.execute("INSERT OR IGNORE INTO object_tags(image_key, source, ann_key, tag_id, who, at)"
                   " SELECT ?, source, ann_key, tag_id, who, at FROM object_tags"
                   " WHERE image_key = ?", (new, old))
        for table in ("image_tags", "object_tags"):
            db.execute(f"DELETE FROM {table} WHERE image_key = ?", (old,))
        for table in ("journal", "events"):
            db.execute(f"UPDATE {table} SET image_key = ? WHERE image_key = ?", (new, old))
        return int(found is not None or has_tags)

    def input_fingerprints(self) -> dict:
        text = self._meta("input_fingerprints")
        return json.loads(text) if text else {}

    def set_input_fingerprints(self, fingerprints: Mapping) -> None:
        with self.transaction():
            self._set_meta("input_fingerprints", json.dumps(dict(fingerprints), sort_keys=True))

    def history_cursor(self) -> int:
        return int(self._meta("history_cursor") or 0)

    def set_history_cursor(self, seq: int) -> None:
        seq = int(seq)
        with self.transaction() as db:
            if seq != 0 and db.execute("SELECT 1 FROM journal WHERE seq = ? AND discarded = 0",
                                       (seq,)).fetchone() is None:
                raise ValueError(f"{seq} is not the seq of an active journalled command")
            old = self.history_cursor()
            if seq == old:
                return
            self._set_meta("history_cursor", str(seq))
            self._event(db, "undo" if seq < old else "redo", None, str(old), str(seq))

    # --- change log ---------------------------------------------------------------------------
    def events(self, since: int = 0) -> list[StoreEvent]:
        with self._reading() as db:
            rows = db.execute("SELECT id, at, who, kind, image_key, subject, value FROM events"
                              " WHERE id > ? ORDER BY id", (int(since),)).fetchall()
        return [StoreEvent(*row) for row in rows]
