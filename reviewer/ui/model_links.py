"""Several models in the window: the model picker and the Compare Models panel.

``ModelLinks(controller)`` adds a "Model" picker to the toolbar (shown when the task has two
models or more). Choosing a model reopens the session on that model's predictions in the
background (the loader's progress bar; the image shown stays, ``view_memory``): the ranking,
the canvas and the panels then follow that model. Review state is shared by all models.

The Compare Models dock (Analysis ▸ Compare Models) runs ``compare_payload`` — the code path of
``reviewer compare`` — on a worker thread with a progress bar: each model's session is a
read-only sibling of the window's session (``model_session``: the same store, every correction
replayed), so the numbers are those of ``reviewer compare`` on the corrected ground truth.
Another model's loaded ``TaskData`` is kept until the session closes, so comparing again after a
correction only rescores. An edit marks the shown comparison as out of date. "A | B on the
canvas" puts ``ModelPanes`` in the canvas's place: the image shown, with A's predictions beside
B's (frames built from the comparison's sessions), following the image as the user moves; a view
mode (overlay, side by side, …) gives the canvas back.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel

from reviewer import tasks
from reviewer.ui import frames, view_memory
from reviewer.ui.canvas.model_panes import ModelPanes
from reviewer.ui.compare_panel import ComparePanel
from reviewer.ui.workers import Job


class ModelLinks(QObject):
    """Signals: ``compared(payload)`` once a comparison is shown."""

    compared = Signal(object)

    def __init__(self, controller):
        super().__init__(controller)
        self.c = controller
        self.session = None
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="compare")
        self.job: Job | None = None
        self.cache: dict[str, object] = {}  # model -> TaskData loaded by a comparison
        self.sessions: list = []  # the shown comparison's sessions (A, B)
        self._rows: dict[str, int] = {}  # image id -> row of those sessions' tables
        w = controller.window
        self.label = QLabel(" Model: ", w)
        self.picker = QComboBox(w, toolTip="Whose predictions the window shows: the ranking, "
                                "the canvas and the panels follow the model chosen here")
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        w.toolbar.addSeparator()
        self._label_action = w.toolbar.addWidget(self.label)
        self._picker_action = w.toolbar.addWidget(self.picker)
        self.picker.activated.connect(self._on_picker_activated)
        self.panel = ComparePanel(w)
        self.panel.compare_requested.connect(self.compare)
        self.panel.image_requested.connect(self._on_panel_image_requested)
        self.panel.model_requested.connect(self.switch_model)
        self.panel.panes_toggled.connect(self._on_panel_panes_toggled)
        self.panes = ModelPanes(w)
        w.canvas_stack.addWidget(self.panes)
        w.canvas_stack.currentChanged.connect(self._on_canvas_stack_current_changed)
        controller.image_shown.connect(self._on_controller_image_shown)
        self.dock = QDockWidget("Compare Models", w, objectName="dock_compare")
        self.dock.setWidget(self.panel)
        w.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        w.docks["compare"] = self.dock
        self._show_picker(False)

    # --- session ----------------------------------------------------------------------------
    def session_opened(self, session) -> None:
        self.session = session
        models = session.project.model_set(session.data.task)
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItems(models.names)
        self.picker.setCurrentText(session.model or "")
        self.picker.blockSignals(False)
        self._show_picker(len(models) > 1)
        self.panel.set_result(None)
        self.panel.set_models(models.names, session.model)
        session.history.applied.connect(self._on_history_applied)

    def session_closed(self) -> None:
        if self.session is None:
            return
        self.cancel()
        self.wait()
        self.session.history.applied.disconnect(self._on_history_applied)
        self.session = None
        self.cache.clear()
        self.sessions, self._rows = [], {}
        self.panel.set_result(None)
        self._show_picker(False)

    def _show_picker(self, visible: bool) -> None:
        self._label_action.setVisible(visible)
        self._picker_action.setVisible(visible)

    # --- picking a model --------------------------------------------------------------------
    def _on_picker_activated(self, index: int) -> None:
        self.switch_model(self.picker.itemText(index))

    def switch_model(self, name: str) -> None:
        """Show ``name``'s predictions: reopen the session on that model in the background."""
        c = self.c
        if c.session is None or not name or name == c.session.model:
            return
        root, task = c.session.project.root, c.session.data.task
        c.close_for_reopen(f"{root.name} ({task}, model {name})")
        c.loader.start(root, task, name)

    # --- comparing --------------------------------------------------------------------------
    def show_compare(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def compare(self, a: str, b: str) -> Job | None:
        """Compare model ``b`` with ``a`` in the background; the panel shows the result."""
        if self.session is None:
            return None
        self.cancel()
        session, cache = self.session, dict(self.cache)

        def run(progress):
            return _compare(session, cache, [a, b], progress)

        job = Job(run, parent=self)
        job.progressed.connect(self.panel.set_progress)
        job.finished.connect(self._on_job_finished)
        job.failed.connect(self._on_job_failed)
        job.cancelled.connect(self._on_job_cancelled)
        self.job = job
        self.panel.set_busy(True, f"Comparing {b} with {a}…")
        return job.start(self.pool)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job = None
            self.panel.set_busy(False)

    def wait(self) -> None:
        self.pool.submit(lambda: None).result()

    def _mine(self) -> bool:
        job = self.sender()
        if job is not self.job:
            return False
        self.job = None
        return True

    def _on_job_finished(self, result) -> None:
        if not self._mine():
            return
        payload, outcomes, loaded, sessions = result
        self.cache.update(loaded)
        self.sessions = sessions
        ids = sessions[0].document.table["image_id"].tolist()
        self._rows = {str(i): r for r, i in enumerate(ids)}
        self.panel.set_result(payload, outcomes)
        if self.showing_panes:
            self._update_panes()
        self.compared.emit(payload)

    def _on_job_failed(self, exc) -> None:
        if self._mine():
            self.panel.show_error(str(exc))

    def _on_job_cancelled(self) -> None:
        self._mine()

    def _on_history_applied(self, command, undone: bool) -> None:
        if self.panel.payload is not None:
            self.panel.counts.setText("The corrections changed since this comparison: press "
                                      "Compare again. " + self.panel.counts.text())

    def _on_panel_image_requested(self, index: int) -> None:
        payload = self.panel.payload
        if payload is None or self.c.session is None:
            return
        image_id = payload["images"]["per_image"][index]["image_id"]
        row = view_memory.row_of_key(self.c, image_id)
        if row is not None:
            self.c.select_image(row)


    # --- A | B on the canvas ----------------------------------------------------------------
    @property
    def showing_panes(self) -> bool:
        return self.c.window.canvas_stack.currentWidget() is self.panes

    def _on_panel_panes_toggled(self, on: bool) -> None:
        c = self.c
        if on and self.sessions:
            c.window.canvas_stack.setCurrentWidget(self.panes)
            self._update_panes()
            self.panes.fit()
        elif not on and self.showing_panes:
            c.set_view_mode(c.layers.view_mode)  # the view mode's page again

    def _on_canvas_stack_current_changed(self, _index: int) -> None:
        if not self.showing_panes and self.panel.panes_button.isChecked():
            self.panel.panes_button.blockSignals(True)
            self.panel.panes_button.setChecked(False)
            self.panel.panes_button.blockSignals(False)

    def _on_controller_image_shown(self, _row: int) -> None:
        if self.showing_panes:
            self._update_panes()

    def _update_panes(self) -> None:
        c = self.c
        if c.session is None or c.current is None or len(self.sessions) < 2:
            return
        row = self._rows.get(str(c.image_id(c.current)))
        if row is None:
            return
        image = c.frame.image if c.frame is not None else None
        built = [frames.build_frame(s, row, image) for s in self.sessions]
        titles = [f"{letter}: {s.model}" for letter, s in zip("AB", self.sessions, strict=True)]
        self.panes.set_frames(built, titles, c.layers)


def _compare(session, cache: dict, names: list[str], progress):
    """(payload, outcomes, loaded TaskData by model, sessions) of ``names`` on ``session``
    (worker)."""
    from reviewer.io.compare import compare_payload, image_outcomes
    from reviewer.io.models import model_session
    sessions, loaded = [], {}
    for name in names:
        data = session.data if name == session.model else cache.get(name)
        s = model_session(session, name, progress, data=data)
        loaded[name] = s.data
        sessions.append(s)
    payload = compare_payload(sessions, progress=progress)
    task = tasks.get(session.data.task)
    outcomes = image_outcomes(task, sessions[0].document.table, sessions[1].document.table)
    return payload, outcomes, loaded, sessions
