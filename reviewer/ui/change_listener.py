"""Change notices of a shared review store, received off the GUI thread.

``ChangeListener`` is a ``QThread`` around the store's Qt-free notification source
(``ReviewStore.notifications()``; store_postgres_listen.py): it blocks on the source and emits
``changed`` when another session committed something. When the connection breaks it emits
``connection_lost(message)``, reconnects with a growing delay (0.25 s up to 5 s) and emits
``connection_back`` once listening again; the window then catches up from the change log, which
covers whatever happened meanwhile. Signals reach the GUI thread queued; the thread stops within
a quarter of a second of ``stop()``.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal

from reviewer.io.store_base import StoreConnectionError

POLL = 0.25  # seconds between checks of the stop flag
MAX_DELAY = 5.0


class ChangeListener(QThread):
    changed = Signal()
    connection_lost = Signal(str)
    connection_back = Signal()

    def __init__(self, source, parent=None):
        super().__init__(parent)
        self.source = source
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.source.wait(POLL):
                    self.changed.emit()
            except StoreConnectionError as exc:
                self.connection_lost.emit(exc.reason)
                if self._reconnect():
                    self.connection_back.emit()

    def _reconnect(self) -> bool:
        delay = POLL
        while not self._stop.is_set():
            try:
                self.source.reconnect()
                return True
            except StoreConnectionError:
                self._stop.wait(delay)
                delay = min(delay * 2, MAX_DELAY)
        return False

    def stop(self) -> None:
        """Stop the thread and close the source's connection."""
        self._stop.set()
        self.wait(10_000)
        self.source.close()
