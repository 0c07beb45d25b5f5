"""The grid in the review window: the page beside the canvas, its key, its state, its menu.

``GridLinks(controller)`` puts a ``ThumbnailGrid`` in the window's canvas stack over the image
table's model and selection model, so the grid shows the table's rows in the table's order and
selection, live. G (View ▸ Grid of Thumbnails, the toolbar button) switches between the canvas
and the grid; Enter or a double-click opens a thumbnail on the canvas. While the grid covers the
canvas, the controller builds no canvas frames (``shown``); leaving the grid shows the current
image. Review keys act on the grid's selection through the window's own actions (R / S / N,
1-9 through the tags panel) and the task's image key handlers (classification: L / C, Alt+digit,
A), each as one history entry. The thumbnail size (status-bar slider, Ctrl+wheel) and whether a
project was left in the grid are view state (QSettings).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QSlider

from reviewer.core.view_state import PANE_MODES
from reviewer.ui.main_window import OVERLAY_PAGE, SIDE_BY_SIDE_PAGE

from .layout import MAX_SIZE, MIN_SIZE, fitting_size
from .source import GridSource
from .thumbs import ThumbnailLoader, side_for
from .view import ThumbnailGrid

AT_A_GLANCE = 48  # the default size shows at least this many whole thumbnails
KEYS = ("G", "Ctrl+G")  # Ctrl+G alone where a tool of the task has G (segmentation's fill)


class GridLinks:
    def __init__(self, controller):
        self.c = c = controller
        w = controller.window
        self.loader = ThumbnailLoader(parent=controller)
        self.source = GridSource(self.loader)
        self.grid = ThumbnailGrid(w)
        self.grid.cell_source = self.source
        self.grid.key_filter = ImageKeys(controller)
        self.page = w.canvas_stack.addWidget(self.grid)
        self.slider = QSlider(Qt.Orientation.Horizontal, w, minimum=MIN_SIZE, maximum=MAX_SIZE,
                              maximumWidth=120, toolTip="Thumbnail size (Ctrl+wheel on the grid)")
        self.count_label = QLabel(w)
        w.statusBar().insertPermanentWidget(1, self.count_label)  # after the image's name
        w.statusBar().insertPermanentWidget(2, self.slider)
        self._show_bar(False)
        self.grid.activated.connect(self._on_grid_activated)
        self.grid.visible_changed.connect(self._on_grid_visible_changed)
        self.grid.size_changed.connect(self._on_grid_size_changed)
        self.grid.context_menu_requested.connect(self._on_grid_context_menu_requested)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.loader.ready.connect(self._on_loader_ready)
        w.canvas_stack.currentChanged.connect(self._on_stack_current_changed)
        c.image_shown.connect(self._on_controller_image_shown)
        c.loaded.connect(self._on_controller_loaded)
        w.closed.connect(self.loader.shutdown)
        self.enter_on_load = False  # `reviewer open P --grid`: the next project opens in the grid
        size = c.settings.thumb_size()
        self._sized = size is not None  # a size was chosen (slider, Ctrl+wheel), now or before
        if size is not None:
            self._set_size(size)

    @property
    def shown(self) -> bool:
        """The grid covers the canvas."""
        return self.c.window.canvas_stack.currentIndex() == self.page

    # --- switching ----------------------------------------------------------------------------
    def toggle(self) -> None:
        """G: the grid, or back to the canvas."""
        if self.shown:
            self.leave()
        else:
            self.enter()

    def enter(self) -> None:
        if self.c.session is None:
            self._sync_action()
            return
        self.c.window.canvas_stack.setCurrentIndex(self.page)
        if not self._sized:
            viewport = self.grid.viewport()
            self._set_size(fitting_size(viewport.width(), viewport.height(), AT_A_GLANCE))
        self.grid.relayout()
        current = self._current_view_row()
        if current >= 0:
            self.grid.ensure_visible(current)
        self.grid.setFocus()

    def leave(self) -> None:
        """Back to the canvas, in its view mode, showing the current image."""
        mode = self.c.layers.view_mode
        self.c.window.show_page(SIDE_BY_SIDE_PAGE if mode in PANE_MODES else OVERLAY_PAGE)
        self.c.view_actions.focus_canvas()

    def _on_stack_current_changed(self, page: int) -> None:
        self._sync_action()
        self._show_bar(page == self.page)
        if page != self.page:
            self.c.show_canvas()  # the frame the grid kept the controller from building

    def _sync_action(self) -> None:
        action = self.c.actions["view_grid"]
        action.blockSignals(True)
        action.setChecked(self.shown)
        action.blockSignals(False)

    def _on_grid_activated(self, v: int) -> None:
        """Double-click / Enter: that image on the canvas."""
        if self.c.model is not None and 0 <= v < self.c.model.rowCount():
            row = self.c.model.image_row(v)
            if row != self.c.current:
                self.c.select_image(row)
            self.leave()

    # --- sessions -----------------------------------------------------------------------------
    def _on_controller_loaded(self) -> None:
        c = self.c
        selection = c.window.table.selectionModel()
        self.source.attach(c.session, c.model)
        self.grid.set_model(c.model, selection)
        selection.selectionChanged.connect(self._count_selected)
        c.model.ranking_changed.connect(self._on_model_ranking_changed)
        self._count_selected()
        self._sync_keys()
        if self.enter_on_load or c.settings.grid_shown(c.session.project.root):
            self.enter_on_load = False
            self.enter()

    def session_closed(self) -> None:
        """The controller closes the session: remember whether the grid was shown."""
        c = self.c
        c.settings.set_grid_shown(c.session.project.root, self.shown)
        c.model.ranking_changed.disconnect(self._on_model_ranking_changed)
        self.grid.set_model(None, None)
        self.source.attach(None, None)
        self.loader.clear()

    def _sync_keys(self) -> None:
        """G, unless a tool of the task has it (then Ctrl+G)."""
        tools = self.c.tools.toolbar.actions_by_tool.values() if self.c.tools.toolbar else ()
        taken = any(a.isEnabled() and a.shortcut() == QKeySequence(KEYS[0]) for a in tools)
        keys = KEYS[1:] if taken else KEYS
        action = self.c.actions["view_grid"]
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setToolTip(f"Grid of Thumbnails ({keys[0]}): {action.statusTip()}")

    # --- following the window -----------------------------------------------------------------
    def _current_view_row(self) -> int:
        c = self.c
        return -1 if c.current is None or c.model is None else c.model.view_row(c.current)

    def _on_controller_image_shown(self, row: int) -> None:
        if self.shown:
            self.grid.ensure_visible(self._current_view_row())
            self.grid.viewport().update()

    def _on_model_ranking_changed(self) -> None:
        if self.shown:
            self.grid.ensure_visible(self._current_view_row())

    def _on_grid_visible_changed(self, rows) -> None:
        if self.shown and self.c.session is not None:
            self.source.request(rows)

    def _on_loader_ready(self, key) -> None:
        self.grid.update_rows(self.source.rows_of(key))

    def _count_selected(self, *_args) -> None:
        selection = self.c.window.table.selectionModel()
        n = sum(r.bottom() - r.top() + 1 for r in selection.selection()
                if r.left() == 0) if selection is not None else 0
        self.count_label.setText(f"{n} selected" if n > 1 else "")

    # --- size ---------------------------------------------------------------------------------
    def _set_size(self, size: int) -> None:
        self.grid.set_thumb_size(size)
        self._on_grid_size_changed(self.grid.thumb_size, save=False)

    def _on_grid_size_changed(self, size: int, save: bool = True) -> None:
        self.source.side = side_for(size * self.grid.devicePixelRatioF())
        self.slider.blockSignals(True)
        self.slider.setValue(size)
        self.slider.blockSignals(False)
        if save:
            self._sized = True
            self.c.settings.set_thumb_size(size)

    def _on_slider_value_changed(self, size: int) -> None:
        self.grid.set_thumb_size(size)

    def _show_bar(self, visible: bool) -> None:
        self.slider.setVisible(visible)
        self.count_label.setVisible(visible)

    # --- menu ---------------------------------------------------------------------------------
    def _on_grid_context_menu_requested(self, pos) -> None:
        c = self.c
        if c.session is None or c.current is None:
            return
        menu = QMenu(self.grid)
        menu.addAction("Open on the Canvas\tEnter",
                       lambda: self._on_grid_activated(self.grid.current_row()))
        menu.addSeparator()
        for name in ("mark_reviewed", "mark_skipped", "mark_second_look"):
            menu.addAction(c.actions[name])
        self._tag_menu(menu.addMenu("Tags"))
        for handler in self.grid.key_filter.handlers():
            handler.context_menu(None, menu)
        self.last_menu = menu
        menu.popup(pos)

    def _tag_menu(self, menu: QMenu) -> None:
        """Every tag of the vocabulary: ticked when every selected image has it; choosing it
        adds it to all of them (or, when all have it, removes it), one history entry."""
        c = self.c
        rows = c.selection.rows() or [c.current]
        for tag in c.session.store.vocabulary():
            everywhere = all(tag.name in c.model.review.tags[r] for r in rows)
            action = menu.addAction(tag.name, lambda n=tag.name, on=not everywhere:
                                    self._set_tag(n, on))
            action.setCheckable(True)
            action.setChecked(everywhere)

    def _set_tag(self, name: str, on: bool) -> None:
        c = self.c
        if c.selection.several():
            c.selection.set_tag(name, on)
        elif (name in c.model.review.tags[c.current]) != on:
            c.toggle_tag(name)


class ImageKeys:
    """The keys of the task's image key handlers (``acts_on_images``: the classification
    relabel keys) for the grid, which acts on the same selection."""

    def __init__(self, controller):
        self.c = controller

    def handlers(self) -> list:
        return [h for h in self.c.tools.key_handlers if getattr(h, "acts_on_images", False)]

    def wants(self, event) -> bool:
        return any(h.wants_key(event) for h in self.handlers())

    def press(self, event) -> bool:
        return any(h.key_press(event) for h in self.handlers())

