"""The review window's behaviour: open a project, rank and filter images, review them.

``ReviewController`` owns the session (project + document + review store + history), the image
table model and the canvas content. Every review action is a command executed through
``session.history`` (journalled and undoable); views follow the history's ``applied`` signal and
the document's ``annotations_changed``, so undo and edits refresh the same way.

Signals: ``loaded()`` after a project is shown, ``image_shown(image_row)`` after the canvas shows
an image, ``load_failed(message)``.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from reviewer import tasks
from reviewer.core.commands import SetImageTags, SetStatus
from reviewer.core.problems import Problem
from reviewer.core.selection import ReviewSelection
from reviewer.core.view_state import PANE_MODES, LayerState
from reviewer.io.store_base import StorePasswordError
from reviewer.ui import frames, status, view_memory
from reviewer.ui.actions import build_actions
from reviewer.ui.analysis.links import AnalysisLinks
from reviewer.ui.conflicts import ConflictLinks
from reviewer.ui.dialogs.factory import DialogFactory
from reviewer.ui.feedback import LiveFeedback
from reviewer.ui.frame_cache import FrameCache
from reviewer.ui.grid.links import GridLinks
from reviewer.ui.loader import ProjectLoader, default_opener
from reviewer.ui.main_window import OVERLAY_PAGE, SIDE_BY_SIDE_PAGE, MainWindow
from reviewer.ui.model_links import ModelLinks
from reviewer.ui.models.image_filter import ReviewColumns
from reviewer.ui.models.image_table_model import ImageTableModel, columns_for
from reviewer.ui.panels import PanelLinks
from reviewer.ui.preloader import LOOKAHEAD, ImagePreloader
from reviewer.ui.rescore import ThresholdRescorer
from reviewer.ui.selection import SelectionActions
from reviewer.ui.settings import Settings
from reviewer.ui.task_view import view_of
from reviewer.ui.team_links import TeamLinks
from reviewer.ui.tools.mask_options import install_mask_tools
from reviewer.ui.tools.toolbar import install_tools
from reviewer.ui.view_actions import ViewActions

log = logging.getLogger(__name__)
MODE_ACTIONS = {"overlay": "view_overlay", "side_by_side": "view_side_by_side",
                "stacked": "view_stacked", "errors": "view_errors"}


class ReviewController(QObject):
    loaded = Signal()
    image_shown = Signal(int)
    load_failed = Signal(str)

    def __init__(self, window: MainWindow, settings: Settings, dialogs: DialogFactory | None = None,
                 opener=default_opener, parent=None):
        super().__init__(parent)
        self.window, self.settings = window, settings
        self.dialogs = dialogs or DialogFactory()
        self.session = None
        self.model: ImageTableModel | None = None
        self.state = ReviewSelection()  # the shown image and the layers (Qt-free, signals)
        self.frame = None
        self.preloader = ImagePreloader()
        self.frames = FrameCache(self)
        self.loader = ProjectLoader(window, opener, self)
        self.loader.loaded.connect(self._on_loader_loaded)
        self.loader.load_failed.connect(self._on_loader_load_failed)
        self.loader.load_cancelled.connect(self._on_loader_load_cancelled)
        self.rescorer = ThresholdRescorer(self)
        self.rescorer.applied.connect(self._on_rescorer_applied)
        self.actions = build_actions(window, self)
        window.install_actions(self.actions)
        self.panels = PanelLinks(self)
        self.view_actions = ViewActions(self)
        self.selection = SelectionActions(self)
        self.tools = install_tools(self)
        self.mask_controls = install_mask_tools(self)
        self.feedback = LiveFeedback(self)
        self.analysis = AnalysisLinks(self)
        self.team = TeamLinks(self)
        self.conflicts = ConflictLinks(self)
        self.models = ModelLinks(self)
        self.grid = GridLinks(self)  # the thumbnail grid, a page beside the canvas
        self.url_opener = None  # opens the exported report; None: QDesktopServices.openUrl
        window.refresh_docks_menu()
        self._connect_window()
        self._restore_window()
        self._set_project_actions(False)

    # --- wiring -----------------------------------------------------------------------------
    def _connect_window(self) -> None:
        w = self.window
        w.filter_bar.filter_changed.connect(self._on_filter_bar_filter_changed)
        w.problems_panel.image_requested.connect(self._on_problems_image_requested)
        w.history_panel.index_requested.connect(self._on_history_index_requested)
        w.closed.connect(self._on_window_closed)
        w.recent_menu.aboutToShow.connect(lambda: status.fill_recent_menu(self))

    def _restore_window(self) -> None:
        geometry, state = self.settings.window_geometry(), self.settings.window_state()
        if geometry is not None:
            self.window.restoreGeometry(geometry)
        if state is not None:
            self.window.restoreState(state)
        else:
            QTimer.singleShot(0, self.window.default_layout)  # docks have sizes once shown

    def _set_project_actions(self, enabled: bool) -> None:
        for key, action in self.actions.items():
            if key not in ("new_project", "open_project", "quit", "shortcuts", "about",
                           "set_user_name"):
                action.setEnabled(enabled)

    # --- projects ---------------------------------------------------------------------------
    def open_project(self, path=None) -> None:
        """Open ``path`` (asks for a folder when None) in the background."""
        if path is None:
            start = str(self.session.project.root) if self.session else ""
            path = self.dialogs.choose_project(self.window, start)
            if not path:
                return
        self._close_session()
        self.window.setWindowTitle(f"Reviewer — opening {Path(path).name}")
        self.loader.start(path)

    def switch_task(self, task: str) -> None:
        """Reopen the project on its other task (a project may hold detection and segmentation)."""
        if self.session is None:
            return
        if self.session.data.task == task or task not in self.session.project.tasks:
            self._sync_task_actions()
            return
        root = self.session.project.root
        self.close_for_reopen(f"{root.name} ({task})")
        self.loader.start(root, task)

    def close_for_reopen(self, what: str) -> None:
        """Close the session before the loader opens ``what`` (another task or model)."""
        self._close_session()
        self.window.setWindowTitle(f"Reviewer — opening {what}")

    def _sync_task_actions(self) -> None:
        present = self.session.project.tasks if self.session else []
        current = self.session.data.task if self.session else None
        for task in tasks.names():
            action = self.actions[f"task_{task}"]
            action.setEnabled(task in present)
            action.setChecked(task == current)

    def new_project(self) -> None:
        path = self.dialogs.new_project(self.window)
        if path:
            self.open_project(path)

    def quit(self) -> None:
        self.window.close()

    def _on_loader_loaded(self, session) -> None:
        self.session = session
        data = session.data
        table = session.document.table
        review = ReviewColumns(table["image_id"], session.store,
                               session.document.corrected_images)
        view = view_of(session)
        counts = view.class_counts(session.document)
        names = self.class_names()
        self.model = ImageTableModel(table, columns_for(table, data.task), review, counts, names,
                                     self, view.good_when_high, view.formatters(session))
        view = self.window.table
        view.setModel(self.model)
        self.window.fit_table_columns()
        view.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.model.ranking_changed.connect(self._on_model_ranking_changed)
        self._connect_session(session)
        self._fill_filter_choices()
        notices = [Problem(str(session.project.file), "on opening", n, "notice")
                   for n in session.notices]
        self.window.problems_panel.set_problems(notices + list(data.problems))
        self.window.docks["problems"].setVisible(bool(data.problems))
        self.panels.session_opened(session)
        self.analysis.session_opened(session)
        self.team.session_opened(session)
        self.conflicts.session_opened(session)
        self.models.session_opened(session)
        view_memory.restore(self)
        self.settings.add_recent_project(session.project.root)
        model = f", model {session.model}" if len(session.project.model_set(data.task)) > 1 \
            else ""
        self.window.setWindowTitle(f"Reviewer — {session.project.name} ({data.task}{model})")
        self._set_project_actions(True)
        self._sync_task_actions()
        self._on_history_changed()
        self.loaded.emit()

    def _on_loader_load_failed(self, path, exc) -> None:
        if isinstance(exc, StorePasswordError) and self.team.ask_password(path):
            return
        message = f"Could not open {path}: {exc}"
        log.error(message)
        self.window.setWindowTitle("Reviewer")
        problems = getattr(exc, "problems", None)
        if problems:
            self.window.problems_panel.set_problems(problems)
            self.window.docks["problems"].show()
        self.dialogs.error(self.window, "Cannot open project", message)
        self.load_failed.emit(message)

    def _on_loader_load_cancelled(self, path) -> None:
        self.window.setWindowTitle("Reviewer")
        self.window.statusBar().showMessage(f"Opening {path} cancelled", 5000)

    def _connect_session(self, session) -> None:
        view = view_of(session)
        self.rescorer.attach(session.document, view)
        threshold = view.score_threshold(session.document)
        if threshold is not None:  # the slider starts at the project's score threshold
            self.layers = replace(self.layers, score_threshold=threshold)
        self.panels.layers.threshold.set_text(*view.threshold_text(session.document))
        self.panels.layers.threshold.setVisible(threshold is not None)
        session.history.applied.connect(self._on_history_applied)
        session.history.changed.connect(self._on_history_changed)
        session.document.annotations_changed.connect(self._on_document_annotations_changed)

    def _close_session(self) -> None:
        if self.session is None:
            return
        view_memory.save(self)
        self.grid.session_closed()
        s = self.session
        s.history.applied.disconnect(self._on_history_applied)
        s.history.changed.disconnect(self._on_history_changed)
        s.document.annotations_changed.disconnect(self._on_document_annotations_changed)
        self.team.session_closed()
        self.analysis.session_closed()
        self.models.session_closed()
        self.rescorer.attach(None)
        self.preloader.wait()
        self.preloader.clear()
        self.frames.clear()
        s.close()
        self.session, self.current, self.frame = None, None, None
        self._set_project_actions(False)

    def class_names(self) -> list[str]:
        return tasks.get(self.session.data.task).class_names(self.session.data)

    def refresh_filter_choices(self) -> None:
        self._fill_filter_choices()

    def _fill_filter_choices(self) -> None:
        table = self.session.document.table
        metrics = [k for k, v in table.items() if np.asarray(v).dtype.kind in "fiu"]
        tags = [r.name for r in self.session.store.tags()]
        self.window.filter_bar.set_choices(tags, self.class_names(), metrics)

    def _on_window_closed(self) -> None:
        self.loader.cancel()
        self._close_session()
        self.settings.save_window(self.window.saveGeometry(), self.window.saveState())
        self.loader.wait()

    # --- selection and navigation -----------------------------------------------------------
    @property
    def current(self) -> int | None:
        """The image row on the canvas (``state.current``)."""
        return self.state.current

    @current.setter
    def current(self, row: int | None) -> None:
        self.state.current = row

    @property
    def layers(self) -> LayerState:
        return self.state.layers

    @layers.setter
    def layers(self, state: LayerState) -> None:
        self.state.layers = state

    def image_id(self, row: int):
        """The original id of image row ``row`` (what commands and the store name)."""
        value = self.session.document.table["image_id"][row]
        return value.item() if isinstance(value, np.generic) else value

    def select_image(self, row: int) -> None:
        """Show image row ``row``: canvas frame, table selection, panels; prefetch the next."""
        if self.session is None:
            return
        self.panels.flush()  # a pending note edit belongs to the image shown until now
        self.current = int(row)
        self._sync_table_selection()
        self._show_frame()
        self.panels.image_selected(self.current)
        self._prefetch()
        status.update(self)
        self.image_shown.emit(self.current)

    def _sync_table_selection(self) -> None:
        view_row = self.model.view_row(self.current)
        selection = self.window.table.selectionModel()
        if view_row < 0:
            selection.clearSelection()
            return
        index = self.model.index(view_row, 0)
        if selection.currentIndex().row() != view_row:
            selection.blockSignals(True)
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                      | QItemSelectionModel.SelectionFlag.Rows)
            selection.blockSignals(False)
            self.window.table.viewport().update()
        self.window.table.scrollTo(index)

    def _show_frame(self) -> None:
        if self.grid.shown:  # the grid covers the canvas: the frame is built when it is left
            self.frame = None
            return
        path, expected = frames.load_request(self.session, self.current)
        image = self.preloader.get(path, expected) if path is not None else None
        self.frame = self.frames.take(self.current, image)
        self.active_view().set_frame(self.frame)
        problem = frames.image_problem(self.session, self.current, image)
        if problem is not None and self.window.problems_panel.add_problem(problem):
            self.window.docks["problems"].show()  # found only now: a damaged file's pixels

    def active_view(self):
        w = self.window
        return w.side_by_side if w.canvas_stack.currentIndex() == SIDE_BY_SIDE_PAGE else w.canvas

    def show_canvas(self) -> None:
        """Show the current image on the canvas (the grid, covering it, deferred its frame)."""
        if self.session is not None and self.current is not None and self.frame is None:
            self._show_frame()
            self.panels.image_selected(self.current)
            self._prefetch()

    def _prefetch(self) -> None:
        if self.grid.shown:
            return
        order, v = self.model.order, self.model.view_row(self.current)
        if v < 0:
            return
        rows = order[v + 1: v + 1 + LOOKAHEAD].tolist()
        requests = [frames.load_request(self.session, r) for r in rows]
        self.preloader.prefetch([r for r in requests if r[0] is not None])
        self.frames.prepare(rows)

    def _step(self, row: int | None, message: str) -> None:
        if row is None:
            self.window.statusBar().showMessage(message, 3000)
            return
        self.select_image(row)

    def next_image(self) -> None:
        if self.current is not None:
            self._step(self.model.neighbour(self.current, 1), "Last image of the ranking")

    def previous_image(self) -> None:
        if self.current is not None:
            self._step(self.model.neighbour(self.current, -1), "First image of the ranking")

    def next_unreviewed(self) -> None:
        if self.current is not None:
            self._step(self.model.next_unreviewed(self.current), "No unreviewed image left")

    def _on_table_current_row_changed(self, current, previous) -> None:
        if current.isValid():
            self.select_image(self.model.image_row(current.row()))

    def _on_problems_image_requested(self, image_id) -> None:
        row = view_memory.row_of_key(self, image_id)
        if row is None:
            return
        if self.model.view_row(row) < 0:
            self.window.filter_bar.clear()
        self.select_image(row)

    def _on_model_ranking_changed(self) -> None:
        if self.current is not None and self.model.view_row(self.current) >= 0:
            self._sync_table_selection()
        elif self.model.rowCount():
            self.select_image(self.model.image_row(0))
        status.update(self)

    def _on_filter_bar_filter_changed(self, spec) -> None:
        if self.model is not None:
            self.model.set_filter(spec)

    # --- review actions ---------------------------------------------------------------------
    def execute(self, command) -> bool:
        """Run a command through the history (journalled, undoable); a conflict with another
        reviewer or a lost server is resolved with the user (ui/team_links.py)."""
        return self.team.execute(command)

    def mark_status(self, status: str) -> None:
        """Set the current image's review status, then go to the next image (several images
        selected in the table: all of them, one history entry, and stay)."""
        if self.current is None:
            return
        if self.selection.several():
            self.selection.set_status(status)
            return
        key = self.image_id(self.current)
        before = self.model.review.status[self.current]
        if before != status:
            self.execute(SetStatus(key, before, status))
        if self.team.lease_mode:
            self.team.next_for_me()
        else:
            self.next_image()

    def toggle_tag(self, name: str) -> None:
        """Add or remove image tag ``name`` on the current image."""
        if self.current is None or not name:
            return
        key = self.image_id(self.current)
        before = tuple(sorted(self.session.store.image_tags(key)))
        after = tuple(sorted(set(before) ^ {name}))
        self.execute(SetImageTags(key, before, after))

    def toggle_tag_at(self, position: int) -> None:
        """Keys 1-9: the tags panel toggles its tag with that hotkey and emits ``tag_toggled``."""
        if self.current is not None:
            self.panels.toggle_position(position)

    def undo(self) -> None:
        if self.session is not None:
            self.team.undo()

    def redo(self) -> None:
        if self.session is not None:
            self.team.redo()

    def next_for_me(self) -> None:
        self.team.next_for_me()

    def set_user_name(self) -> None:
        self.team.set_user_name()

    def _on_history_index_requested(self, n: int) -> None:
        history = self.session.history
        while history.index > n and history.can_undo and self.team.undo():
            pass
        while history.index < n and history.can_redo and self.team.redo():
            pass

    def _on_history_applied(self, command, undone: bool) -> None:
        doc = self.session.document
        for image_id in command.image_ids():
            if image_id is None or not doc.has_image(image_id):
                continue
            row = doc.image_row(image_id)
            self.model.review.update_row(row, self.session.store)
            self.model.refresh_image(row)
            if row == self.current:
                self.panels.image_selected(row)
        self.panels.review_changed()
        status.update(self)

    def _on_history_changed(self) -> None:
        self.conflicts.refresh()
        history = self.session.history
        labels = [status.describe(c) for c in history.commands()]
        self.window.history_panel.set_history(labels, history.redo_labels())
        self.actions["undo"].setEnabled(history.can_undo)
        self.actions["redo"].setEnabled(history.can_redo)

    def _on_rescorer_applied(self) -> None:
        """Every image was re-scored at a new threshold (the slider's, or one a command set):
        refresh rows, the canvas and the slider."""
        threshold = view_of(self.session).score_threshold(self.session.document)
        if threshold is not None and threshold != self.layers.score_threshold:
            self.layers = replace(self.layers, score_threshold=threshold)
            self.panels.show_view_mode(self.layers)
            self.active_view().set_layers(self.layers)
        self.frames.clear()
        self.model.refresh_all()
        if self.current is not None:
            self._show_frame()
            self.panels.image_selected(self.current)
        self.analysis.invalidate(debounce=True)  # operating points, confusion, metrics
        status.update(self)

    def _on_document_annotations_changed(self, row: int) -> None:
        self.frames.forget(row)
        self.model.refresh_image(row)
        if row == self.current:
            self._show_frame()

    # --- view -------------------------------------------------------------------------------
    def set_view_mode(self, mode: str) -> None:
        self.layers = replace(self.layers, view_mode=mode)
        self.actions[MODE_ACTIONS[mode]].setChecked(True)
        page = SIDE_BY_SIDE_PAGE if mode in PANE_MODES else OVERLAY_PAGE
        self.window.show_page(page)
        self.panels.show_view_mode(self.layers)
        self.apply_layers(self.layers)

    def apply_layers(self, state: LayerState) -> None:
        """Show ``state`` in the active view (and give it the current frame if it lacks it).

        A new score threshold also re-scores every image in the background (detection).
        """
        if self.session is not None and state.score_threshold != self.layers.score_threshold:
            self.rescorer.request(state.score_threshold)
        self.layers = state
        view = self.active_view()
        view.set_layers(state)
        if self.frame is not None and _frame_of(view) is not self.frame:
            view.set_frame(self.frame)

    def fit(self) -> None:
        self.active_view().fit()

    def zoom_in(self) -> None:
        self.active_view().zoom_in()

    def zoom_out(self) -> None:
        self.active_view().zoom_out()

    def actual_size(self) -> None:
        self.active_view().actual_size()

    def focus_filter(self) -> None:
        self.window.docks["images"].show()
        self.window.filter_bar.text.setFocus()
        self.window.filter_bar.text.selectAll()

    def show_shortcuts(self) -> None:
        self.dialogs.shortcuts(self.window)

    def show_about(self) -> None:
        self.dialogs.about(self.window)

    def show_analysis(self, name: str) -> None:
        self.analysis.show(name)

    def export_review(self) -> None:
        """File ▸ Export…: the export dialog (runs in the background, opens the report)."""
        from reviewer.ui.dialogs.export_dialog import ExportDialog
        if self.session is not None:
            self.export_dialog = ExportDialog(self.session, self.window, self.url_opener)
            self.export_dialog.open()


def _frame_of(view):
    if hasattr(view, "frame") and callable(view.frame):
        return view.frame()
    panes = getattr(view, "panes", {})
    return next(iter(panes.values())).frame() if panes else None


def app_instance() -> QApplication:
    return QApplication.instance() or QApplication([])
