"""The thumbnail grid widget: the image table's rows as cells, its selection model shared.

``ThumbnailGrid`` draws view rows 0..n-1 of a model (the image table's ``ImageTableModel``) in
the order the table shows them, and selects through the table's own ``QItemSelectionModel``
(whole rows): both views show one selection, one current image, one ranking and filter, live.
Only the cells in view are drawn and their content asked of ``cell_source`` (an object with
``cell(view_row) -> paint.Cell`` and ``tooltip(view_row) -> str``); the layout is arithmetic
(``layout.GridLayout``), so a million rows cost what a hundred do.

Mouse: click selects, Ctrl+click toggles, Shift+click extends from the anchor, a drag from a
gap or the margin draws a rubber band (Ctrl adds to the selection), double-click opens.
Keys: arrows, Home / End, Page Up / Page Down move (Shift extends, Ctrl moves without
selecting, Ctrl+Space toggles), Ctrl+A selects every row, Esc keeps only the current one,
Enter opens; other keys go to ``key_filter`` (``wants(event)``, ``press(event)``), then to the
window's shortcuts. Ctrl+wheel resizes the thumbnails.

Signals: ``activated(view_row)`` (double-click, Enter), ``size_changed(side)`` (Ctrl+wheel),
``visible_changed(range)`` (the rows in view changed: scrolled, resized, new rows),
``context_menu_requested(global QPoint)``.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QPoint,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import QAbstractScrollArea, QRubberBand, QToolTip

from .layout import MAX_SIZE, MIN_SIZE, GridLayout
from .paint import Style, paint_cell

_SEL = QItemSelectionModel.SelectionFlag
_CTRL, _SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
_NAV = {Qt.Key.Key_Left: "left", Qt.Key.Key_Right: "right", Qt.Key.Key_Up: "up",
        Qt.Key.Key_Down: "down", Qt.Key.Key_Home: "home", Qt.Key.Key_End: "end",
        Qt.Key.Key_PageUp: "page_up", Qt.Key.Key_PageDown: "page_down"}
_OPEN = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
ZOOM_STEP = 1.12  # thumbnail side factor per wheel notch


class ThumbnailGrid(QAbstractScrollArea):
    activated = Signal(int)
    size_changed = Signal(int)
    visible_changed = Signal(object)
    context_menu_requested = Signal(QPoint)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("thumbnail_grid")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Base)
        self.viewport().setMouseTracking(False)
        self.cell_source = None
        self.key_filter = None
        self.model = None
        self.selection = None
        self.layout_ = GridLayout(0, 128, 1)
        self._size = 128
        self._anchor = -1
        self._band: tuple[QPoint, QItemSelection] | None = None
        self._rubber = QRubberBand(QRubberBand.Shape.Rectangle, self.viewport())
        self._visible_timer = QTimer(self, singleShot=True, interval=0)
        self._visible_timer.timeout.connect(self._on_visible_timer_timeout)

    # --- model and selection ------------------------------------------------------------------
    def set_model(self, model, selection: QItemSelectionModel) -> None:
        """Show ``model``'s rows, selecting through ``selection`` (the table's)."""
        if self.model is not None:
            for signal, slot in self._links():
                signal.disconnect(slot)
        self.model, self.selection = model, selection
        if model is not None:
            for signal, slot in self._links():
                signal.connect(slot)
        self._anchor = -1
        self.relayout()

    def _links(self) -> list:
        m, s = self.model, self.selection
        return [(m.modelReset, self._on_model_changed), (m.layoutChanged, self._on_model_changed),
                (m.rowsInserted, self._on_model_changed), (m.rowsRemoved, self._on_model_changed),
                (m.dataChanged, self._on_model_data_changed),
                (s.selectionChanged, self._on_selection_changed),
                (s.currentChanged, self._on_selection_changed)]

    def count(self) -> int:
        return 0 if self.model is None else self.model.rowCount()

    def current_row(self) -> int:
        return -1 if self.selection is None else self.selection.currentIndex().row()

    def is_selected(self, v: int) -> bool:
        return self.selection is not None and self.selection.isRowSelected(v)

    def select_rows(self, first: int, last: int, flags) -> None:
        """Select view rows first..last (whole rows) with ``flags``."""
        if self.selection is not None and 0 <= first <= last < self.count():
            right = self.model.columnCount() - 1
            self.selection.select(QItemSelection(self.model.index(first, 0),
                                                 self.model.index(last, right)),
                                  flags | _SEL.Rows)

    def set_current(self, v: int, flags) -> None:
        if self.selection is not None and 0 <= v < self.count():
            self.selection.setCurrentIndex(self.model.index(v, 0), flags | _SEL.Rows)
            self.ensure_visible(v)

    # --- size and layout ----------------------------------------------------------------------
    @property
    def thumb_size(self) -> int:
        return self._size

    def set_thumb_size(self, size: int, keep: int | None = None) -> None:
        """Cells of ``size`` pixels; the cell of view row ``keep`` (default: the current one)
        stays where it is on screen."""
        size = max(MIN_SIZE, min(MAX_SIZE, int(size)))
        if size == self._size:
            return
        keep = self.current_row() if keep is None else keep
        before = self._screen_y(keep)
        self._size = size
        self.relayout()
        if before is not None:
            self.verticalScrollBar().setValue(self.layout_.cell(keep)[1] - before)
        self.size_changed.emit(size)

    def relayout(self) -> None:
        self.layout_ = GridLayout.fit(self.count(), self._size, self.viewport().width())
        bar = self.verticalScrollBar()
        bar.setRange(0, max(0, self.layout_.height - self.viewport().height()))
        bar.setPageStep(self.viewport().height())
        bar.setSingleStep(max(8, self.layout_.pitch // 3))
        self.viewport().update()
        self._visible_timer.start()

    def visible_rows(self) -> range:
        top = self.verticalScrollBar().value()
        return self.layout_.band(top, top + self.viewport().height())

    def ensure_visible(self, v: int) -> None:
        if not 0 <= v < self.count():
            return
        _, y, _, h = self.layout_.cell(v)
        bar, height = self.verticalScrollBar(), self.viewport().height()
        if y - self.layout_.margin < bar.value():
            bar.setValue(y - self.layout_.margin)
        elif y + h + self.layout_.margin > bar.value() + height:
            bar.setValue(y + h + self.layout_.margin - height)

    def cell_rect(self, v: int) -> QRect:
        """View row ``v``'s cell in viewport pixels."""
        x, y, w, h = self.layout_.cell(v)
        return QRect(x, y - self.verticalScrollBar().value(), w, h)

    def row_at(self, pos: QPoint) -> int:
        return self.layout_.at(pos.x(), pos.y() + self.verticalScrollBar().value())

    def update_rows(self, rows) -> None:
        """Repaint the cells of view rows ``rows`` that are in view."""
        shown = self.visible_rows()
        for v in rows:
            if v in shown:
                self.viewport().update(self.cell_rect(v))

    def _screen_y(self, v: int) -> int | None:
        if not 0 <= v < self.count():
            return None
        return self.layout_.cell(v)[1] - self.verticalScrollBar().value()

    # --- painting -----------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        if self.model is None:
            return
        p = QPainter(self.viewport())
        if not self.count():
            p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter,
                       "No image matches the filter")
            p.end()
            return
        exposed = event.rect()
        current = self.current_row()
        palette = self.palette()
        style = Style(self.font(), palette.color(QPalette.ColorRole.Base),
                      palette.color(QPalette.ColorRole.Highlight))
        for v in self.visible_rows():
            rect = self.cell_rect(v)
            if rect.intersects(exposed) and self.cell_source is not None:
                paint_cell(p, rect, self.cell_source.cell(v), self.is_selected(v), v == current,
                           style)
        p.end()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()
        self._visible_timer.start()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.relayout()

    def _on_visible_timer_timeout(self) -> None:
        self.visible_changed.emit(self.visible_rows())

    def _on_model_changed(self, *_args) -> None:
        self.relayout()

    def _on_model_data_changed(self, top_left, bottom_right, *_roles) -> None:
        self.update_rows(range(top_left.row(), bottom_right.row() + 1))
        self._visible_timer.start()  # a changed row may need a new overlay

    def _on_selection_changed(self, *_args) -> None:
        self.viewport().update()

    # --- mouse --------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        v = self.row_at(event.position().toPoint())
        mods = event.modifiers()
        if event.button() == Qt.MouseButton.RightButton:
            if v >= 0 and not self.is_selected(v):
                self.set_current(v, _SEL.ClearAndSelect)
                self._anchor = v
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if v < 0:
            self._start_band(event.position().toPoint(), bool(mods & _CTRL))
            return
        if mods & _SHIFT and self._anchor >= 0:
            self._extend(v, bool(mods & _CTRL))
        elif mods & _CTRL:
            self.set_current(v, _SEL.Toggle)
            self._anchor = v
        else:
            self.set_current(v, _SEL.ClearAndSelect)
            self._anchor = v

    def mouseMoveEvent(self, event) -> None:
        if self._band is None:
            return
        pos = event.position().toPoint()
        bar = self.verticalScrollBar()
        if pos.y() < 0 or pos.y() > self.viewport().height():  # drag past an edge: scroll
            bar.setValue(bar.value() + (pos.y() if pos.y() < 0
                                        else pos.y() - self.viewport().height()))
        origin, base = self._band
        here = QPoint(pos.x(), pos.y() + bar.value())
        self._rubber.setGeometry(QRect(QPoint(origin.x(), origin.y() - bar.value()),
                                       QPoint(pos.x(), pos.y())).normalized())
        selection = QItemSelection(base)
        right = self.model.columnCount() - 1
        for first, last in self.layout_.spans(origin.x(), origin.y(), here.x(), here.y()):
            selection.select(self.model.index(first, 0), self.model.index(last, right))
        self.selection.select(selection, _SEL.ClearAndSelect | _SEL.Rows)

    def mouseReleaseEvent(self, event) -> None:
        if self._band is not None:
            self._band = None
            self._rubber.hide()

    def mouseDoubleClickEvent(self, event) -> None:
        v = self.row_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and v >= 0:
            self.activated.emit(v)

    def contextMenuEvent(self, event) -> None:
        self.context_menu_requested.emit(event.globalPos())

    def wheelEvent(self, event) -> None:
        if event.modifiers() & _CTRL:
            notches = event.angleDelta().y() / 120
            if notches:
                keep = self.row_at(event.position().toPoint())
                self.set_thumb_size(round(self._size * ZOOM_STEP ** notches),
                                    keep if keep >= 0 else None)
            event.accept()
            return
        super().wheelEvent(event)

    def _start_band(self, pos: QPoint, add: bool) -> None:
        if self.selection is None:
            return
        base = QItemSelection(self.selection.selection()) if add else QItemSelection()
        if not add:
            self.selection.clearSelection()
        self._band = (QPoint(pos.x(), pos.y() + self.verticalScrollBar().value()), base)
        self._rubber.setGeometry(QRect(pos, pos))
        self._rubber.show()

    def _extend(self, v: int, add: bool) -> None:
        """Select from the anchor to ``v`` (``add``: keeping the rest of the selection)."""
        first, last = sorted((self._anchor, v))
        self.select_rows(first, last, _SEL.Select if add else _SEL.ClearAndSelect)
        self.set_current(v, _SEL.NoUpdate)

    # --- keys ---------------------------------------------------------------------------------
    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self._takes(event):
            event.accept()  # the key reaches keyPressEvent, not the window's shortcut
            return True
        if event.type() == QEvent.Type.ToolTip and self.cell_source is not None:
            v = self.row_at(self.viewport().mapFrom(self, event.pos()))
            if v >= 0:
                QToolTip.showText(event.globalPos(), self.cell_source.tooltip(v), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def _takes(self, event) -> bool:
        mods = event.modifiers() & (_CTRL | _SHIFT | Qt.KeyboardModifier.AltModifier)
        key = event.key()
        if key in _NAV and not mods & Qt.KeyboardModifier.AltModifier:
            return True
        if key in _OPEN or event.matches(QKeySequence.StandardKey.SelectAll):
            return True
        if key == Qt.Key.Key_Escape or (key == Qt.Key.Key_Space and mods == _CTRL):
            return True
        return self.key_filter is not None and self.key_filter.wants(event)

    def keyPressEvent(self, event) -> None:
        key, mods = event.key(), event.modifiers()
        current = self.current_row()
        if key in _NAV and not mods & Qt.KeyboardModifier.AltModifier:
            self._navigate(_NAV[key], mods)
        elif key in _OPEN:
            if current >= 0:
                self.activated.emit(current)
        elif event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_rows(0, self.count() - 1, _SEL.Select)
        elif key == Qt.Key.Key_Escape and current >= 0:
            self.set_current(current, _SEL.ClearAndSelect)
            self._anchor = current
        elif key == Qt.Key.Key_Space and mods & _CTRL and current >= 0:
            self.set_current(current, _SEL.Toggle)
        elif self.key_filter is None or not self.key_filter.press(event):
            super().keyPressEvent(event)

    def _navigate(self, move: str, mods) -> None:
        current = self.current_row()
        page_rows = max(1, self.viewport().height() // self.layout_.pitch)
        target = self.layout_.step(max(current, 0), move, page_rows) if current >= 0 else 0
        if target < 0:
            return
        if mods & _SHIFT:
            if self._anchor < 0:
                self._anchor = max(current, 0)
            self._extend(target, bool(mods & _CTRL))
        elif mods & _CTRL:
            self.set_current(target, _SEL.NoUpdate)
        else:
            self.set_current(target, _SEL.ClearAndSelect)
            self._anchor = target
