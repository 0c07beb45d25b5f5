"""Background computations of the analysis panels: one ``Job`` per panel, the latest one wins.

``AnalysisRunner.run(key, fn, on_done)`` cancels the job running under ``key`` (its result is
dropped), runs ``fn(progress)`` on a worker thread and calls ``on_done(result)`` on the main
thread. ``busy_changed(key, busy)`` lets a panel show its progress indicator; ``failed(key,
message)`` reports an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from reviewer.ui.workers import Job


class AnalysisRunner(QObject):
    busy_changed = Signal(str, bool)
    failed = Signal(str, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="analysis")
        self.jobs: dict[str, Job] = {}
        self._callbacks: dict[Job, Callable] = {}

    def run(self, key: str, fn: Callable, on_done: Callable) -> Job:
        """Run ``fn(progress) -> result`` in the background; ``on_done(result)`` on this thread."""
        self.cancel(key)
        job = Job(fn, parent=self)
        job.key = key
        self.jobs[key] = job
        self._callbacks[job] = on_done
        job.finished.connect(self._on_job_finished)  # queued: bound slots of this QObject
        job.failed.connect(self._on_job_failed)
        job.cancelled.connect(self._on_job_cancelled)
        self.busy_changed.emit(key, True)
        return job.start(self.pool)

    def busy(self, key: str) -> bool:
        return key in self.jobs

    def cancel(self, key: str | None = None) -> None:
        """Cancel the job under ``key`` (every job when None); its result is never applied."""
        for k in [key] if key is not None else list(self.jobs):
            job = self.jobs.pop(k, None)
            if job is not None:
                job.cancel()
                self._callbacks.pop(job, None)
                self.busy_changed.emit(k, False)

    def wait(self) -> None:
        """Block until every submitted job has ended (window close, tests)."""
        self.pool.submit(lambda: None).result()

    def _forget(self, job: Job) -> bool:
        """Drop ``job``; True when its result is still wanted."""
        callback = self._callbacks.pop(job, None)
        if self.jobs.get(job.key) is job:
            del self.jobs[job.key]
            self.busy_changed.emit(job.key, False)
        job.done.wait(5)  # the worker is past its last signal: the QObject can go
        job.deleteLater()
        return callback is not None

    def _on_job_finished(self, result) -> None:
        job = self.sender()
        callback = self._callbacks.get(job)
        if self._forget(job) and callback is not None:
            callback(result)

    def _on_job_failed(self, exc) -> None:
        job = self.sender()
        if self._forget(job):
            self.failed.emit(job.key, f"{type(exc).__name__}: {exc}")

    def _on_job_cancelled(self) -> None:
        self._forget(self.sender())
