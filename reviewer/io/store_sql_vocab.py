"""Tag vocabulary of the SQL stores: tags live in table ``tags`` and are referenced by id.

A tag is *live* when it is neither merged into another tag nor removed. Renaming changes one row;
merging moves the assignments to the target and marks the source ``merged_into``; removing marks
``removed_at`` and hides the assignments, which come back if the name is added again. Names are
unique among live tags, compared as ``core.tags.name_key`` (normalised, case-folded).

The SQL here and in store_sql_ops.py / store_sql_journal.py / store_sql_team.py runs unchanged on
SQLite and PostgreSQL: ``?`` placeholders (the PostgreSQL store's handle turns them into ``%s``),
``RETURNING`` for new ids, ``ON CONFLICT`` for upserts, integers for booleans and ISO 8601 text
for times. ``db`` is whatever the concrete store's ``transaction()`` / ``_reading()`` yield: an
object with ``execute(sql, params)`` and ``executemany(sql, rows)`` returning a DB-API cursor.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from reviewer.core.tags import Tag, name_key, normalise_colour, normalise_name
from reviewer.io.store_base import ReviewStore, TagRecord

_TAG_COLUMNS = "id, name, colour, hotkey, grp, description, position, created"
LIVE = "merged_into IS NULL AND removed_at IS NULL"


class SqlVocabulary(ReviewStore):
    """Vocabulary methods; the concrete store supplies ``transaction``, ``_reading``, ``user``,
    ``session_id`` and, for a server, ``_now`` (the server's clock)."""

    user: str
    session_id: str

    def _now(self) -> str:
        """Now, UTC ISO 8601 with milliseconds (the time every change is recorded with)."""
        return datetime.now(timezone.utc).isoformat(timespec="milliseconds")

    def _event(self, db, kind: str, image_key: str | None = None, subject: str | None = None,
               value: str | None = None) -> None:
        """Log a change. A command, undo or redo event also becomes its journal entry's
        ``last_event`` (the entry's seq is the subject; the value for a redo)."""
        event_id = db.execute("INSERT INTO events(at, who, kind, image_key, subject, value,"
                              " session) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                              (self._now(), self.user, kind, image_key, subject, value,
                               self.session_id)).fetchone()[0]
        if kind in ("command", "undo", "redo"):
            seq = value if kind == "redo" else subject
            db.execute("UPDATE journal SET last_event = ? WHERE seq = ?", (event_id, int(seq)))

    def _serialize(self, db, *names: str) -> None:
        """Make concurrent transactions that name the same thing (a target, an author, the
        vocabulary) wait for each other until commit. One writer at a time (SQLite): nothing."""
        return None

    def _meta(self, key: str) -> str | None:
        with self._reading() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def _set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key)"
                       " DO UPDATE SET value = excluded.value", (key, value))

    # --- lookups ----------------------------------------------------------------------------
    @staticmethod
    def _record(row: tuple) -> TagRecord:
        return TagRecord(*row[:4], group=row[4], description=row[5], position=row[6],
                         created=row[7])

    def _live_row(self, db, name: str) -> tuple | None:
        return db.execute(f"SELECT {_TAG_COLUMNS} FROM tags WHERE name_key = ? AND {LIVE}",
                          (name_key(name),)).fetchone()

    def _require(self, db, name: str) -> tuple:
        row = self._live_row(db, name)
        if row is None:
            raise KeyError(f"no tag named {name!r}")
        return row

    def _check_hotkey(self, db, hotkey: str | None, tag_id: int) -> None:
        if not hotkey:
            return
        for other_id, other, key in db.execute(f"SELECT id, name, hotkey FROM tags WHERE {LIVE}"
                                               " AND hotkey IS NOT NULL"):
            if other_id != tag_id and key.casefold() == hotkey.casefold():
                raise ValueError(f"hotkey {hotkey!r} is already used by tag {other!r}")

    def _tag_id(self, db, name: str) -> int:
        """Id of the live tag ``name``, adding it to the vocabulary when unknown."""
        row = self._live_row(db, name)
        if row is None:
            self._serialize(db, "vocabulary")
            row = self._live_row(db, name)  # another session may have added it meanwhile
        return row[0] if row is not None else self.add_tag(name).tag_id

    def _find_tag_id(self, db, name: str) -> int | None:
        """Id of the live tag ``name`` or None (never adds)."""
        try:
            row = self._live_row(db, name)
        except ValueError:
            return None
        return None if row is None else row[0]

    # --- ReviewStore vocabulary ---------------------------------------------------------------
    def tags(self) -> list[TagRecord]:
        with self._reading() as db:
            rows = db.execute(f"SELECT {_TAG_COLUMNS} FROM tags WHERE {LIVE}"
                              " ORDER BY position, id").fetchall()
        return [self._record(r) for r in rows]

    def add_tag(self, name: str, colour: str | None = None, hotkey: str | None = None,
                group: str = "", description: str = "") -> TagRecord:
        tag = Tag.make(name, colour, hotkey, group, description)
        with self.transaction() as db:
            self._serialize(db, "vocabulary")
            if self._live_row(db, tag.name) is not None:
                raise ValueError(f"tag {tag.name!r} already exists")
            self._check_hotkey(db, tag.hotkey, -1)
            removed = db.execute("SELECT id FROM tags WHERE name_key = ? AND merged_into IS NULL"
                                 " AND removed_at IS NOT NULL ORDER BY removed_at DESC",
                                 (name_key(tag.name),)).fetchone()
            if removed is not None:  # bring back the removed tag and its assignments
                tag_id = removed[0]
                self._revive(db, tag_id, tag.name, colour=colour, hotkey=hotkey, group=group,
                             description=description)
            else:
                position = db.execute("SELECT coalesce(max(position) + 1, 0) FROM tags").fetchone()
                tag_id = db.execute(
                    "INSERT INTO tags(name, name_key, colour, hotkey, grp, description, position,"
                    " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (tag.name, name_key(tag.name), tag.colour, tag.hotkey, tag.group,
                     tag.description, position[0], self._now())).fetchone()[0]
            self._event(db, "tag_created", value=tag.name)
            return self._record(db.execute(f"SELECT {_TAG_COLUMNS} FROM tags WHERE id = ?",
                                           (tag_id,)).fetchone())

    def _revive(self, db, tag_id: int, name: str, **given) -> None:
        """Un-remove a tag; fields given (not None/empty) replace the old ones. Its old hotkey
        is dropped if another tag took it meanwhile."""
        db.execute("UPDATE tags SET removed_at = NULL, name = ? WHERE id = ?", (name, tag_id))
        old_hotkey = db.execute("SELECT hotkey FROM tags WHERE id = ?", (tag_id,)).fetchone()[0]
        try:
            self._check_hotkey(db, old_hotkey, tag_id)
        except ValueError:
            db.execute("UPDATE tags SET hotkey = NULL WHERE id = ?", (tag_id,))
        changes = {k: v for k, v in given.items() if v}
        if changes:
            self.update_tag(name, **changes)

    def update_tag(self, name: str, **changes) -> TagRecord:
        unknown = set(changes) - {"colour", "hotkey", "group", "description", "position"}
        if unknown:
            raise TypeError(f"update_tag() got unknown fields {sorted(unknown)}")
        with self.transaction() as db:
            self._serialize(db, "vocabulary")
            row = self._require(db, name)
            tag_id = row[0]
            if changes.get("colour") is not None:
                db.execute("UPDATE tags SET colour = ? WHERE id = ?",
                           (normalise_colour(changes["colour"]), tag_id))
            if "hotkey" in changes:
                hotkey = Tag.make(row[1], hotkey=changes["hotkey"]).hotkey
                self._check_hotkey(db, hotkey, tag_id)
                db.execute("UPDATE tags SET hotkey = ? WHERE id = ?", (hotkey, tag_id))
            for field, column in (("group", "grp"), ("description", "description")):
                if changes.get(field) is not None:
                    db.execute(f"UPDATE tags SET {column} = ? WHERE id = ?",
                               (str(changes[field]).strip(), tag_id))
            if changes.get("position") is not None:
                self._move(db, tag_id, int(changes["position"]))
            self._event(db, "tag_updated", subject=row[1],
                        value=json.dumps(changes, sort_keys=True))
            return self._record(db.execute(f"SELECT {_TAG_COLUMNS} FROM tags WHERE id = ?",
                                           (tag_id,)).fetchone())

    def _move(self, db, tag_id: int, position: int) -> None:
        ids = [r[0] for r in db.execute(f"SELECT id FROM tags WHERE {LIVE} ORDER BY position, id")]
        ids.remove(tag_id)
        ids.insert(max(0, min(position, len(ids))), tag_id)
        db.executemany("UPDATE tags SET position = ? WHERE id = ?",
                       [(i, t) for i, t in enumerate(ids)])

    def rename_tag(self, old: str, new: str) -> None:
        new = normalise_name(new)
        with self.transaction() as db:
            self._serialize(db, "vocabulary")
            row = self._require(db, old)
            tag_id = row[0]
            clash = self._live_row(db, new)
            if clash is not None and clash[0] != tag_id:
                raise ValueError(f"tag {clash[1]!r} already exists; merge the tags instead")
            db.execute("UPDATE tags SET name = ?, name_key = ? WHERE id = ?",
                       (new, name_key(new), tag_id))
            self._event(db, "tag_renamed", subject=row[1], value=new)

    def merge_tags(self, src: str, dst: str) -> None:
        with self.transaction() as db:
            self._serialize(db, "vocabulary")
            src_id, src_name = self._require(db, src)[:2]
            dst_id, dst_name = self._require(db, dst)[:2]
            if src_id == dst_id:
                raise ValueError(f"cannot merge tag {src_name!r} into itself")
            for table, key in (("image_tags", "image_key"),
                               ("object_tags", "image_key, source, ann_key")):
                db.execute(f"UPDATE {table} SET tag_id = ? WHERE tag_id = ? AND ({key}) NOT IN"
                           f" (SELECT {key} FROM {table} WHERE tag_id = ?)",
                           (dst_id, src_id, dst_id))  # rows already tagged dst stay, src copy goes:
                db.execute(f"DELETE FROM {table} WHERE tag_id = ?", (src_id,))
            db.execute("UPDATE tags SET merged_into = ? WHERE id = ?", (dst_id, src_id))
            self._event(db, "tag_merged", subject=src_name, value=dst_name)

    def remove_tag(self, name: str) -> None:
        with self.transaction() as db:
            self._serialize(db, "vocabulary")
            tag_id, tag_name = self._require(db, name)[:2]
            db.execute("UPDATE tags SET removed_at = ? WHERE id = ?", (self._now(), tag_id))
            self._event(db, "tag_removed", subject=tag_name)
