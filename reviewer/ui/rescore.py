"""The score-threshold slider re-scores every image in the background (tasks with a score
threshold: the task view's ``score_threshold``).

``ThresholdRescorer.request(threshold)`` runs the task view's ``rescore(doc, threshold)`` on a
worker thread (a newer request cancels the older one); the result is applied on the main thread
with ``document.apply_rescored``. ``applied()`` is emitted whenever the document's scores were
reset (its ``scores_reset``: after such a result, or a command that changed the threshold, e.g. a
classification project's operating threshold), so the table and canvas refresh. If the ground
truth changed meanwhile the stale result is dropped and the request runs again.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from reviewer.ui.workers import Job


class ThresholdRescorer(QObject):
    applied = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="rescore")
        self.document = None
        self.view = None
        self.job: Job | None = None
        self.pending: float | None = None

    def attach(self, document, view=None) -> None:
        """Follow ``document`` of a task with ``view`` (None to detach: a running job's result
        is then ignored)."""
        self.cancel()
        if self._follows():
            self.document.scores_reset.disconnect(self._on_document_scores_reset)
        self.document, self.view = document, view
        if self._follows():
            document.scores_reset.connect(self._on_document_scores_reset)

    def _follows(self) -> bool:
        """Whether the attached document's scores can be reset (a task with a threshold)."""
        doc, view = self.document, self.view
        return doc is not None and view is not None and view.score_threshold(doc) is not None

    def request(self, threshold: float) -> None:
        doc = self.document
        if not self._follows():
            return  # a task without a score threshold: nothing to re-score
        if abs(self.view.score_threshold(doc) - threshold) < 1e-9 and self.job is None:
            return
        self.cancel()
        self.pending = threshold
        work = self.view.rescore(doc, threshold)
        job = Job(lambda progress: work(), parent=self)
        job.finished.connect(lambda result, j=job: self._on_job_finished(j, result))
        self.job = job
        job.start(self.pool)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job = None

    def wait(self) -> None:
        self.pool.submit(lambda: None).result()

    def _on_job_finished(self, job: Job, result) -> None:
        if job is not self.job or self.document is None:
            return
        self.job = None
        if self.document.apply_rescored(result):  # emits scores_reset: applied()
            self.pending = None
        elif self.pending is not None:
            self.request(self.pending)  # the GT changed while computing: once more

    def _on_document_scores_reset(self) -> None:
        self.applied.emit()
