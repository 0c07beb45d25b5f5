"""Review data of the SQL stores: statuses, notes, image and object tags (SQLite and PostgreSQL).

Every setter is one transaction (``self.transaction()``) that writes the change and its event.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from reviewer.core.tags import name_key
from reviewer.core.targets import target_key
from reviewer.io.store_base import SOURCES, ImageReview, ReviewStatus
from reviewer.io.store_sql_vocab import LIVE, SqlVocabulary

_LIVE_T = LIVE.replace("merged_into", "t.merged_into").replace("removed_at", "t.removed_at")


def _source(source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    return source


def _merge_image_rows(a: tuple, b: tuple) -> tuple:
    """Two (status, note, who, at, status_who, status_at) rows of one photo: a set value beats
    the default (status ``unreviewed``, an empty note); of two set values the later row's wins
    (who set the status goes with the status)."""
    late, early = (a, b) if (a[3] or "") > (b[3] or "") else (b, a)
    status_row = late if late[0] != "unreviewed" else early
    note = late[1] if late[1] else early[1]
    return status_row[0], note, late[2], late[3], status_row[4], status_row[5]


class SqlOperations(SqlVocabulary):
    """Image, tag and project-setting methods of the SQL stores."""

    # --- images -------------------------------------------------------------------------------
    def _upsert_image(self, image_key: object, column: str, value: str) -> None:
        key = str(image_key)
        by = ", status_who = excluded.status_who, status_at = excluded.status_at" \
            if column == "status" else ""
        with self.transaction() as db:
            now = self._now()
            db.execute(f"INSERT INTO images(image_key, {column}, who, at, status_who, status_at)"
                       " VALUES (?, ?, ?, ?, ?, ?)"
                       f" ON CONFLICT(image_key) DO UPDATE SET {column} = excluded.{column},"
                       f" who = excluded.who, at = excluded.at{by}",
                       (key, value, self.user, now, *((self.user, now) if by else (None, None))))
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
            added = db.execute("INSERT INTO image_tags(image_key, tag_id, who, at)"
                               " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                               (key, tag_id, self.user, self._now()))
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
    def _tag_name(db, tag_id: int) -> str:
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
                "INSERT INTO object_tags(image_key, source, ann_key, tag_id, who, at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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

    # --- project settings and review keys -------------------------------------------------------
    def meta_value(self, key: str) -> str | None:
        return self._meta(f"x:{key}")

    def set_meta_value(self, key: str, value: str) -> None:
        with self.transaction():
            self._set_meta(f"x:{key}", str(value))

    def input_fingerprints(self) -> dict:
        text = self._meta("input_fingerprints")
        return json.loads(text) if text else {}

    def set_input_fingerprints(self, fingerprints: Mapping) -> None:
        with self.transaction():
            self._set_meta("input_fingerprints", json.dumps(dict(fingerprints), sort_keys=True))

    def rekey_images(self, moves: Mapping[str, str]) -> int:
        moved = 0
        with self.transaction() as db:
            self._serialize(db, "review keys")
            held = set()  # only images that hold some state are moved (one query per table)
            for table in ("images", "image_tags", "object_tags", "journal", "events", "work"):
                held |= {r[0] for r in db.execute(f"SELECT DISTINCT image_key FROM {table}")}
            for old, new in moves.items():
                if str(old) in held:
                    moved += self._rekey(db, str(old), str(new))
        return moved

    def rename_prediction_keys(self, old: str | None, new: str) -> int:
        if old is None:  # keys without a model: "12" -> "new:12"
            where, args, tail = "ann_key NOT LIKE ?", ("%:%",), "ann_key"
        else:  # "old:12" -> "new:12"
            prefix = f"{old}:"
            where, args = "substr(ann_key, 1, ?) = ?", (len(prefix), prefix)
            tail = f"substr(ann_key, {len(prefix) + 1})"
        with self.transaction() as db:
            db.execute("INSERT INTO object_tags(image_key, source, ann_key, tag_id, who, at)"
                       f" SELECT image_key, source, ? || {tail}, tag_id, who, at FROM object_tags"
                       f" WHERE source = 'pred' AND {where} ON CONFLICT DO NOTHING",
                       (f"{new}:", *args))
            gone = db.execute(f"DELETE FROM object_tags WHERE source = 'pred' AND {where}", args)
            return max(int(gone.rowcount), 0)

    def _rekey(self, db, old: str, new: str) -> int:
        """Move one image's state from ``old`` to ``new``; merge with what ``new`` holds (the
        later status / note wins, tags are united)."""
        query = "SELECT status, note, who, at, status_who, status_at FROM images WHERE image_key = ?"
        found = db.execute(query, (old,)).fetchone()
        there = db.execute(query, (new,)).fetchone()
        if found is not None and there is None:
            db.execute("UPDATE images SET image_key = ? WHERE image_key = ?", (new, old))
        elif found is not None:
            db.execute("UPDATE images SET status = ?, note = ?, who = ?, at = ?, status_who = ?,"
                       " status_at = ? WHERE image_key = ?",
                       (*_merge_image_rows(tuple(found), tuple(there)), new))
            db.execute("DELETE FROM images WHERE image_key = ?", (old,))
        has_tags = db.execute("SELECT count(*) FROM image_tags WHERE image_key = ?",
                              (old,)).fetchone()[0] > 0
        db.execute("INSERT INTO image_tags(image_key, tag_id, who, at) SELECT ?, tag_id, who, at"
                   " FROM image_tags WHERE image_key = ? ON CONFLICT DO NOTHING", (new, old))
        db.execute("INSERT INTO object_tags(image_key, source, ann_key, tag_id, who, at)"
                   " SELECT ?, source, ann_key, tag_id, who, at FROM object_tags"
                   " WHERE image_key = ? ON CONFLICT DO NOTHING", (new, old))
        db.execute("INSERT INTO work(image_key, assignee) SELECT ?, assignee FROM work"
                   " WHERE image_key = ? ON CONFLICT DO NOTHING", (new, old))
        for table in ("image_tags", "object_tags", "work"):
            db.execute(f"DELETE FROM {table} WHERE image_key = ?", (old,))
        for table in ("journal", "events"):
            db.execute(f"UPDATE {table} SET image_key = ? WHERE image_key = ?", (new, old))
        self._rekey_targets(db, old, new)
        return int(found is not None or has_tags)

    @staticmethod
    def _rekey_targets(db, old: str, new: str) -> None:
        """Targets name the image too (core/targets.py): ``["status", old]`` -> ``[…, new]``."""
        rows = db.execute("SELECT target, seq FROM journal_targets WHERE target LIKE ?",
                          (f'%"{old}"%',)).fetchall()
        for target, seq in rows:
            parts = json.loads(target)
            if len(parts) > 1 and parts[1] == old:
                parts[1] = new
                db.execute("UPDATE journal_targets SET target = ? WHERE target = ? AND seq = ?",
                           (target_key(*parts), target, seq))
