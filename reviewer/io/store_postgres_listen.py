"""Change notices of a PostgreSQL review store (Qt-free; the window runs it off the GUI thread).

Every committed write sends ``NOTIFY`` on the store's channel with the newest event id. A
``PostgresNotifications`` holds its own connection that ``LISTEN``s there; ``wait(timeout)``
blocks until a notice arrives (True) or the timeout passes (False). Notices only say "something
changed": the reader then catches up from the change log (events after its horizon), which also
covers whatever happened while the connection was down.
"""

from __future__ import annotations

import contextlib
import threading

from reviewer.io.store_base import StoreConnectionError
from reviewer.io.store_url import StoreLocation


class PostgresNotifications:
    """``wait(timeout) -> bool``; ``reconnect()`` after StoreConnectionError; ``close()``."""

    def __init__(self, location: StoreLocation, channel: str, where: str):
        self.location, self.channel, self.where = location, channel, where
        self._conn = None
        self._lock = threading.Lock()
        self.reconnect()

    def reconnect(self) -> None:
        """(Re)open the listening connection; StoreConnectionError while the server is away."""
        from reviewer.io.store_postgres import connect
        with self._lock:
            self._drop()
            conn = connect(self.location, self.where)
            try:
                conn.execute(f'LISTEN "{self.channel}"')
            except Exception as exc:
                conn.close()
                raise StoreConnectionError(self.where, f"cannot listen for changes ({exc})") \
                    from exc
            self._conn = conn

    def wait(self, timeout: float) -> bool:
        """True when at least one notice arrived within ``timeout`` seconds (pending ones are
        drained: many notices make one wake-up)."""
        import psycopg
        conn = self._conn
        if conn is None:
            raise StoreConnectionError(self.where, "not listening (closed)")
        try:
            got = any(True for _ in conn.notifies(timeout=timeout, stop_after=1))
            if got:
                for _ in conn.notifies(timeout=0.01):
                    pass
            return got
        except psycopg.Error as exc:
            raise StoreConnectionError(self.where, f"the listening connection broke ({exc})") \
                from exc

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                conn.close()
