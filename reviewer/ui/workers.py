"""Background jobs: a function runs on a thread pool, its results arrive on the main thread.

``Job(fn)`` runs ``fn(progress)`` on a thread pool (a ``concurrent.futures`` executor: PySide6
6.12 corrupts refcounts when a QThreadPool runs Python QRunnable subclasses); ``progress(stage, done, total)`` emits
``progressed`` (at most every 50 ms, so a chatty job cannot flood the GUI thread) and raises ``Cancelled`` once ``cancel()`` was called, so the function stops at its
next progress report. ``finished(result)``, ``failed(exception)`` and ``cancelled()`` are emitted
from the worker thread and delivered by queued connections to slots on the main thread, where the
results are applied. A result that arrives after ``cancel()`` is passed to ``discard`` (to close
what it holds) instead of ``finished``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)
PROGRESS_INTERVAL = 0.05  # seconds between two progressed signals (the last step always goes)


class Cancelled(Exception):
    """Raised inside a job's function by ``progress`` after ``Job.cancel()``."""


class Job(QObject):
    """One background call of ``fn(progress) -> result``.

    Signals: ``progressed(stage, done, total)``, ``finished(result)``, ``failed(exception)``,
    ``cancelled()``.
    """

    progressed = Signal(str, int, int)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(self, fn: Callable, discard: Callable | None = None, parent=None):
        super().__init__(parent)
        self._fn = fn
        self._discard = discard
        self._cancel = threading.Event()
        self._last = 0.0
        self.done = threading.Event()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the function to stop at its next progress report."""
        self._cancel.set()

    def progress(self, stage: str, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise Cancelled(stage)
        now = time.monotonic()
        if done in (0, total) or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            self.progressed.emit(stage, int(done), int(total))

    def start(self, pool: Executor) -> Job:
        pool.submit(self.run)
        return self

    def run(self) -> None:
        """Worker-thread body (called by the pool)."""
        try:
            result = self._fn(self.progress)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # reported to the user by the main thread
            log.exception("background job failed")
            self.failed.emit(exc)
        else:
            if self._cancel.is_set():
                if self._discard is not None:
                    self._discard(result)
                self.cancelled.emit()
            else:
                self.finished.emit(result)
        finally:
            self.done.set()
