"""Loading a project in the background: a ``Job`` around ``open_session`` plus the progress UI.

``ProjectLoader.start(path)`` runs ``opener(path, progress)`` on a thread pool while the status
bar shows the stage, a progress bar and a Cancel button. Signals (delivered on the main thread):
``loaded(session)``, ``load_failed(path, exception)``, ``load_cancelled(path)``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from reviewer.io.session import open_session
from reviewer.ui.workers import Job

STAGE_TEXT = {"loading": "Loading annotations…", "decoding masks": "Decoding masks…",
              "scoring": "Scoring images…",
              "reading the project cache": "Reading the project cache…"}


def default_opener(path, progress, task=None, model=None):
    return open_session(path, task, progress, model=model)


class ProjectLoader(QObject):
    loaded = Signal(object)
    load_failed = Signal(object, object)
    load_cancelled = Signal(object)

    def __init__(self, window, opener=default_opener, parent=None):
        super().__init__(parent)
        self.window = window
        self.opener = opener
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="load")
        self.job: Job | None = None
        self.path = None
        window.cancel_button.clicked.connect(self.cancel)

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(self, path, task: str | None = None, model: str | None = None) -> None:
        """Open ``path`` (its default task, or ``task``; the task's current model, or
        ``model``) in the background."""
        self.cancel()
        self.path = path
        opener = self.opener

        def run(progress):
            if model is not None:
                return opener(path, progress, task, model=model)
            return opener(path, progress) if task is None else opener(path, progress, task)

        job = Job(run, discard=_close, parent=self)
        job.progressed.connect(self._on_job_progressed)
        job.finished.connect(self._on_job_finished)
        job.failed.connect(self._on_job_failed)
        job.cancelled.connect(self._on_job_cancelled)
        self.job = job
        self.window.progress_label.setText(f"Opening {path}…")
        self.window.progress.setRange(0, 0)
        self.window.show_progress(True)
        job.start(self.pool)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.window.progress_label.setText("Cancelling…")

    def wait(self) -> None:
        """Wait for the running job (and any queued one) to end."""
        if self.job is not None:
            self.job.done.wait()
        self.pool.submit(lambda: None).result()

    def _done(self, job) -> bool:
        """True when ``job`` is the current job (older, cancelled jobs are ignored)."""
        if job is not self.job:
            return False
        self.job = None
        self.window.show_progress(False)
        return True

    def _on_job_progressed(self, stage: str, done: int, total: int) -> None:
        self.window.progress_label.setText(STAGE_TEXT.get(stage, stage))
        self.window.progress.setRange(0, max(total, 0))
        self.window.progress.setValue(done)

    def _on_job_finished(self, session) -> None:
        if self._done(self.sender()):
            self.loaded.emit(session)
        else:
            _close(session)

    def _on_job_failed(self, exc) -> None:
        if self._done(self.sender()):
            self.load_failed.emit(self.path, exc)

    def _on_job_cancelled(self) -> None:
        if self._done(self.sender()):
            self.load_cancelled.emit(self.path)


def _close(session) -> None:
    if session is not None:
        session.close()
