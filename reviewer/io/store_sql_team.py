"""Sharing the work in the SQL stores: assignments, "next image for me" leases, progress.

Table ``work`` has one row per image that was ever assigned or leased: ``assignee`` (planned
split, ``reviewer assign``) and a lease (``lease_who``, ``lease_session``, ``lease_until``). A lease
is taken with ``SELECT … FOR UPDATE SKIP LOCKED`` on a server: two reviewers asking at the same
moment lock different rows, so they never get the same image. Leases expire on their own
(``lease_until``, the server's clock), so a crashed window frees its image. Leases are not review
changes: they write no event.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from reviewer.io.store_base import Lease, PersonProgress
from reviewer.io.store_sql_journal import SqlJournal

_CHUNK = 400  # candidates looked at per query


class SqlTeam(SqlJournal):
    """Assignment, lease and progress methods of the SQL stores."""

    skip_locked = ""  # " FOR UPDATE OF w SKIP LOCKED" on a server

    def _clock(self, db) -> str:
        """Now for leases (a server store asks the server)."""
        return self._now()

    # --- assignments ------------------------------------------------------------------------------
    def assign(self, image_keys: Iterable[object], who: str | None) -> int:
        keys = list(dict.fromkeys(str(k) for k in image_keys))
        who = (who or "").strip() or None
        changed = 0
        with self.transaction() as db:
            current = self.assignments()
            for key in keys:
                if current.get(key) == who:
                    continue
                db.execute("INSERT INTO work(image_key, assignee) VALUES (?, ?) ON CONFLICT"
                           "(image_key) DO UPDATE SET assignee = excluded.assignee", (key, who))
                self._event(db, "assigned", key, None, who or "")
                changed += 1
        return changed

    def assignments(self) -> dict[str, str]:
        with self._reading() as db:
            rows = db.execute("SELECT image_key, assignee FROM work WHERE assignee IS NOT NULL")
            return dict(rows.fetchall())

    # --- leases -----------------------------------------------------------------------------------
    def take_lease(self, candidates: Iterable[object], minutes: float = 20.0) -> Lease | None:
        keys = list(dict.fromkeys(str(k) for k in candidates))
        with self.transaction() as db:
            now = self._clock(db)
            until = (datetime.fromisoformat(now) + timedelta(minutes=minutes)).isoformat(
                timespec="milliseconds")
            for i in range(0, len(keys), _CHUNK):
                chosen = self._free_image(db, keys[i:i + _CHUNK], now)
                if chosen is not None:
                    db.execute("UPDATE work SET lease_who = NULL, lease_session = NULL,"
                               " lease_until = NULL WHERE lease_session = ? AND image_key <> ?",
                               (self.session_id, chosen))
                    db.execute("UPDATE work SET lease_who = ?, lease_session = ?, lease_until = ?"
                               " WHERE image_key = ?", (self.user, self.session_id, until, chosen))
                    return Lease(chosen, self.user, until)
        return None

    def _free_image(self, db, chunk: list[str], now: str) -> str | None:
        """The first key of ``chunk`` that is unreviewed, assigned to the user or nobody, and
        not leased by another session (its row locked for this transaction)."""
        values = ", ".join("(?, ?)" for _ in chunk)
        params = [v for pos, key in enumerate(chunk) for v in (key, pos)]
        db.executemany("INSERT INTO work(image_key) VALUES (?) ON CONFLICT DO NOTHING",
                       [(k,) for k in chunk])
        row = db.execute(
            f"WITH c(image_key, pos) AS (VALUES {values})"
            " SELECT w.image_key FROM c JOIN work w ON w.image_key = c.image_key"
            " LEFT JOIN images i ON i.image_key = w.image_key"
            " WHERE coalesce(i.status, 'unreviewed') = 'unreviewed'"
            " AND (w.assignee IS NULL OR w.assignee = ?)"
            " AND (w.lease_session IS NULL OR w.lease_session = ? OR w.lease_until < ?)"
            " ORDER BY CASE WHEN w.assignee IS NULL THEN 1 ELSE 0 END, c.pos LIMIT 1"
            f"{self.skip_locked}", (*params, self.user, self.session_id, now)).fetchone()
        return None if row is None else row[0]

    def release_lease(self, image_key: object | None = None) -> None:
        where, params = "lease_session = ?", [self.session_id]
        if image_key is not None:
            where, params = where + " AND image_key = ?", params + [str(image_key)]
        with self.transaction() as db:
            db.execute("UPDATE work SET lease_who = NULL, lease_session = NULL,"
                       f" lease_until = NULL WHERE {where}", params)

    def leases(self) -> list[Lease]:
        with self._reading() as db:
            now = self._clock(db)
            rows = db.execute("SELECT image_key, lease_who, lease_until FROM work"
                              " WHERE lease_until >= ? ORDER BY image_key", (now,)).fetchall()
        return [Lease(*r) for r in rows]

    # --- progress ---------------------------------------------------------------------------------
    def progress(self, image_keys: Iterable[object] | None = None) -> list[PersonProgress]:
        keep = None if image_keys is None else image_keys if isinstance(image_keys, frozenset) \
            else {str(k) for k in image_keys}
        statuses: dict[str, Counter] = defaultdict(Counter)
        assigned: Counter = Counter()
        done: Counter = Counter()
        with self._reading() as db:
            for key, who, status in db.execute("SELECT image_key, status_who, status FROM images"
                                               " WHERE status_who IS NOT NULL").fetchall():
                if keep is None or key in keep:
                    statuses[who][status] += 1
            for key, who, status in db.execute(
                    "SELECT w.image_key, w.assignee, coalesce(i.status, 'unreviewed') FROM work w"
                    " LEFT JOIN images i ON i.image_key = w.image_key"
                    " WHERE w.assignee IS NOT NULL").fetchall():
                if keep is None or key in keep:
                    assigned[who] += 1
                    done[who] += status != "unreviewed"
            commands: Counter = Counter(
                who for key, who in db.execute("SELECT image_key, who FROM journal WHERE"
                                               " discarded = 0 AND undone = 0").fetchall()
                if keep is None or key in keep or key == "")
        people = sorted(set(statuses) | set(assigned) | set(commands))
        return [PersonProgress(p, dict(statuses[p]), assigned[p], done[p], int(commands.get(p, 0)))
                for p in people]
