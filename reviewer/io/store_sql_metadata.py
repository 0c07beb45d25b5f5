"""Metadata values set in the review (SQLite and PostgreSQL): table ``image_metadata``.

Imported metadata lives in ``PROJECT/metadata.parquet`` (``reviewer.io.metadata``); what a
reviewer sets — a ``split`` made by ``reviewer splits --make``, an image moved to another
partition — is review state, journalled as a ``SetMetadata`` command and kept here: one row per
(image key, column) holding the value as JSON (``null``: set to missing). A row overrides the
imported value; removing the row brings the imported value back (undo). Keys are review keys.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

_CHUNK = 500


class SqlMetadata:
    """``metadata_edits`` / ``set_metadata`` of the SQL stores (mixed into SqlOperations)."""

    def metadata_edits(self, name: str | None = None) -> dict[str, dict[str, object]]:
        out: dict[str, dict[str, object]] = {}
        where, params = ("WHERE name = ?", (name,)) if name is not None else ("", ())
        with self._reading() as db:
            rows = db.execute(f"SELECT name, image_key, value FROM image_metadata {where}",
                              params).fetchall()
        for column, key, value in rows:
            out.setdefault(column, {})[key] = None if value is None else json.loads(value)
        return out

    def set_metadata(self, name: str, values: Mapping[str, object],
                     remove: Iterable[str] = ()) -> None:
        name = str(name)
        rows = [(str(k), name, json.dumps(v), self.user) for k, v in values.items()]
        gone = [str(k) for k in remove]
        with self.transaction() as db:
            now = self._now()
            if rows:
                db.executemany("INSERT INTO image_metadata(image_key, name, value, who, at)"
                               " VALUES (?, ?, ?, ?, ?) ON CONFLICT(image_key, name) DO UPDATE"
                               " SET value = excluded.value, who = excluded.who,"
                               " at = excluded.at", [(*r, now) for r in rows])
            for i in range(0, len(gone), _CHUNK):
                chunk = gone[i:i + _CHUNK]
                db.execute(f"DELETE FROM image_metadata WHERE name = ? AND image_key IN"
                           f" ({', '.join('?' * len(chunk))})", (name, *chunk))
            if rows or gone:
                only = rows[0][0] if len(rows) + len(gone) == 1 and rows else None
                self._event(db, "metadata", only, name,
                            f"{len(rows)} set, {len(gone)} back to imported")
