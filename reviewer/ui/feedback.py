"""Live feedback after every edit: the current image's score before → after, the dataset metric.

``LiveFeedback`` adds two labels to the status bar. ``score_label`` shows the current image's
score with the original ground truth and with the corrections (``document.table_before`` vs
``document.table``): detection "errors 5 → 2 · F1 0.40 → 0.83", segmentation
"mIoU 0.41 → 0.78". It is refreshed synchronously after each command (the document has already
re-scored the image when the history reports it). ``metric_label`` shows the dataset metric
(detection AP50 and AP, segmentation mIoU) of the original and the corrected GT; it is recomputed
on a worker thread 300 ms after the last edit (one AP pass takes ~0.5 s at 5k images) from a
snapshot taken on the main thread, and a result older than the latest edit is dropped.

The corrected images of the table (``ReviewColumns.corrected``) are kept in step here too: when
the "corrected" filter is on, a newly corrected image joins the filtered rows.

Signals: ``metric_changed(text)`` after a dataset metric was computed and shown.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from reviewer.ui.task_view import pair, view_of
from reviewer.ui.workers import Job

METRIC_DEBOUNCE_MS = 300


class LiveFeedback(QObject):
    metric_changed = Signal(str)

    def __init__(self, controller):
        super().__init__(controller)
        self.c = controller
        window = controller.window
        self.score_label = QLabel(window, objectName="score_label", toolTip=(
            "Current image: score with the original ground truth → with your corrections"))
        self.metric_label = QLabel(window, objectName="metric_label", toolTip=(
            "Dataset metric: original ground truth → corrected (recomputed after edits)"))
        bar = window.statusBar()
        for label in (self.score_label, self.metric_label):
            label.setContentsMargins(10, 0, 4, 0)
            bar.addPermanentWidget(label)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="metric")
        self.job: Job | None = None
        self.session = None
        self.before: dict | None = None  # dataset metric of the original GT
        self.generation = 0  # bumped by every edit: older results are dropped
        self._debounce = QTimer(self, singleShot=True, interval=METRIC_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._start_metric_job)
        controller.loaded.connect(self._on_controller_loaded)
        controller.image_shown.connect(self._on_controller_image_shown)
        window.closed.connect(self._on_window_closed)

    # --- session ----------------------------------------------------------------------------
    def _on_controller_loaded(self) -> None:
        self._detach()
        session = self.c.session
        self.session, self.before = session, None
        session.history.applied.connect(self._on_history_applied)
        if view_of(session).score_threshold(session.document) is not None:  # re-scored at will
            session.document.scores_reset.connect(self._on_document_scores_reset)
        self.metric_label.setText(f"Dataset: {view_of(session).metric_names(session)} …")
        self._start_metric_job()
        self.show_score()

    def _detach(self) -> None:
        s = self.session
        if s is None:
            return
        s.history.applied.disconnect(self._on_history_applied)
        if view_of(s).score_threshold(s.document) is not None:
            s.document.scores_reset.disconnect(self._on_document_scores_reset)
        self._cancel()
        self.session = None

    def _on_window_closed(self) -> None:
        self._detach()
        self._debounce.stop()
        self.pool.shutdown(wait=False, cancel_futures=True)

    # --- the current image ------------------------------------------------------------------
    def _on_controller_image_shown(self, row: int) -> None:
        self.show_score()

    def _on_document_scores_reset(self) -> None:
        self.show_score()
        if view_of(self.session).metric_follows_threshold:  # before and after both change
            self.before = None
            self.generation += 1
            self._debounce.start()

    def show_score(self) -> None:
        """Show the current image's score before → after in ``score_label``."""
        c = self.c
        if c.session is None or c.current is None:
            self.score_label.setText("")
            return
        doc = c.session.document
        text = view_of(c.session).score_text(doc.table_before, doc.table, c.current)
        self.score_label.setText(f"Image: {text}")

    def _on_history_applied(self, command, undone: bool) -> None:
        doc = self.session.document
        rows = [doc.image_row(i) for i in command.image_ids() if i is not None]
        if command.changes_gt:
            self._mark_corrected(rows)
            self.generation += 1
            self._debounce.start()
        if self.c.current in rows:
            self.show_score()

    def _mark_corrected(self, rows) -> None:
        model = self.c.model
        corrected = self.session.document.corrected_images
        joined = False
        for row in rows:
            model.review.corrected[row] = row in corrected
            joined |= bool(model.review.corrected[row]) and model.view_row(row) < 0
            model.refresh_image(row)
        if joined and model.filter.corrected:
            model.set_filter(model.filter)  # the newly corrected image joins the filtered rows

    # --- the dataset metric -----------------------------------------------------------------
    def _start_metric_job(self) -> None:
        if self.session is None:
            return
        self._cancel()
        compute = view_of(self.session).metric_snapshot(self.session,
                                                        with_before=self.before is None)
        job = Job(lambda progress: compute(), parent=self)
        job.generation, job.session = self.generation, self.session
        job.finished.connect(self._on_job_finished)  # queued: a slot of this main-thread object
        self.job = job
        job.start(self.pool)

    def _cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job = None

    def _on_job_finished(self, result: dict) -> None:
        job = self.sender()
        if job is not self.job or job.session is not self.session:
            return
        self.job = None
        if result.get("before") is not None:
            self.before = result["before"]
        if job.generation != self.generation:
            return  # an edit came in meanwhile: its own job is on the way
        text = metric_text(self.before, result["after"])
        self.metric_label.setText(f"Dataset: {text}")
        self.metric_changed.emit(text)


# --- text and computation (no widgets) -------------------------------------------------------

def metric_text(before: dict | None, after: dict) -> str:
    """"AP50 0.712 · AP 0.455" or "mIoU 0.612 → 0.634": the dataset metrics (name -> value)."""
    parts = []
    for name, value in after.items():
        b = value if before is None else before.get(name, value)
        parts.append(pair(name, b, value, 3))
    return " · ".join(parts)
