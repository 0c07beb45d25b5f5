"""Copy a whole review store to another one: SQLite -> PostgreSQL and back, nothing lost.

Both backends hold the same tables and columns (store_schema.py, store_postgres_schema.py), so a
copy is every row of every table with its ids kept: tag ids (assignments refer to them), journal
seqs and event ids (undo / redo events and the change log refer to them), who and when of every
change, the per-author undo state, assignments and the annotation id counter. Leases are not
copied (they are minutes long and tied to a session).

The copy runs in one transaction of the target, which must be a new, empty store; the source is
read from one snapshot. Afterwards both are read back and compared row by row: ``copy_store``
raises rather than report success on a copy that differs.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.core.tags import TagVocabulary
from reviewer.io.store_base import ReviewStore, StoreError

# (table, columns, order); tags first without merged_into (it may point to a later tag)
TABLES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("meta", ("key", "value"), "key"),
    ("tags", ("id", "name", "name_key", "colour", "hotkey", "grp", "description", "position",
              "created", "merged_into", "removed_at"), "id"),
    ("images", ("image_key", "status", "note", "who", "at", "status_who", "status_at"),
     "image_key"),
    ("image_tags", ("image_key", "tag_id", "who", "at"), "image_key, tag_id"),
    ("object_tags", ("image_key", "source", "ann_key", "tag_id", "who", "at"),
     "image_key, source, ann_key, tag_id"),
    ("journal", ("seq", "image_key", "kind", "payload", "who", "at", "discarded", "undone",
                 "last_event", "conflict", "resolution"), "seq"),
    ("journal_targets", ("target", "seq"), "target, seq"),
    ("events", ("id", "at", "who", "kind", "image_key", "subject", "value", "session"), "id"),
    ("work", ("image_key", "assignee"), "image_key"),
    ("image_metadata", ("image_key", "name", "value", "who", "at"), "image_key, name"),
)
_NOT_COPIED_META = ("application", "schema_version")  # each store keeps its own


@dataclass(frozen=True)
class CopyReport:
    """Rows copied per table (all verified equal in the target)."""

    rows: dict[str, int]

    def __str__(self) -> str:
        return ", ".join(f"{n} {t}" for t, n in self.rows.items() if t != "meta")


def dump(store: ReviewStore) -> dict[str, list[tuple]]:
    """Every copied row of ``store``, table by table, in a fixed order (one snapshot)."""
    out = {}
    with store.snapshot(), store._reading() as db:
        for table, columns, order in TABLES:
            where = " WHERE assignee IS NOT NULL" if table == "work" else ""
            rows = db.execute(f"SELECT {', '.join(columns)} FROM {table}{where}"
                              f" ORDER BY {order}").fetchall()
            if table == "meta":
                rows = [r for r in rows if r[0] not in _NOT_COPIED_META]
            out[table] = [tuple(r) for r in rows]
    return out


def is_empty(store: ReviewStore) -> bool:
    """No review in ``store`` yet (its vocabulary may be seeded, nothing else)."""
    rows = dump(store)
    return not any(rows[t] for t in ("images", "image_tags", "object_tags", "journal", "events",
                                     "work", "image_metadata"))


def copy_store(source: ReviewStore, open_target) -> CopyReport:
    """Copy ``source`` into the store ``open_target(vocabulary)`` opens (a new, empty store).

    ``open_target`` gets an empty vocabulary to seed with; raises StoreError when the target
    already holds a review, or when the copy read back differs from the source."""
    rows = dump(source)
    target = open_target(TagVocabulary())
    try:
        if not is_empty(target) or dump(target)["tags"]:
            raise StoreError(target.describe(), "already holds a review; copy into a new store "
                                                "(another schema or file)")
        with target.transaction() as db:
            db.execute("DELETE FROM meta WHERE key NOT IN ('application', 'schema_version')")
            for table, columns, _ in TABLES:
                _insert(db, table, columns, rows[table])
            _follow_identities(target, db, rows)
        copied = dump(target)
        for table, _, _ in TABLES:
            if copied[table] != rows[table]:
                raise StoreError(target.describe(), f"the copy of table {table} differs from the "
                                                    "source; do not use it")
        return CopyReport({t: len(rows[t]) for t, _, _ in TABLES})
    finally:
        target.close()


def _insert(db, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    if table == "tags":  # merged_into after every tag exists
        merged = [(r[-2], r[0]) for r in rows if r[-2] is not None]
        rows = [(*r[:-2], None, r[-1]) for r in rows]
    marks = ", ".join("?" * len(columns))
    db.executemany(f"INSERT INTO {table}({', '.join(columns)}) VALUES ({marks})", rows)
    if table == "tags" and merged:
        db.executemany("UPDATE tags SET merged_into = ? WHERE id = ?", merged)


def _follow_identities(target: ReviewStore, db, rows: dict) -> None:
    """PostgreSQL identity columns continue after the copied ids (SQLite's AUTOINCREMENT
    follows explicit ids by itself)."""
    if getattr(target, "backend", "") != "postgresql":
        return
    from reviewer.io.store_postgres_schema import IDENTITY
    for table, column in IDENTITY.items():
        top = max((r[0] for r in rows[table]), default=0)
        if top:
            db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), ?)", (top,))
