"""CanvasWidget: the one widget the review window embeds; switches single view / side by side."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedLayout, QWidget

from reviewer.core.view_state import PANE_MODES, CanvasFrame, CanvasObject, LayerState

from .side_by_side import SideBySideView
from .view import CanvasView


class CanvasWidget(QWidget):
    """A CanvasView for "overlay"/"errors" and a SideBySideView for "side_by_side"/"stacked".

    Only the page on screen receives frames; the other catches up when the mode switches.
    Signals carry (source, ann_id) as in CanvasView.
    """

    object_hovered = Signal(str, int)
    object_clicked = Signal(str, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.single = CanvasView(self)
        self.side_by_side = SideBySideView(self)
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.single)
        self._stack.addWidget(self.side_by_side)
        for page in (self.single, self.side_by_side):
            page.object_hovered.connect(self.object_hovered)
            page.object_clicked.connect(self.object_clicked)
        self.state = LayerState()
        self._frame: CanvasFrame | None = None
        self._highlighted: list = []
        self._stale = {self.single: False, self.side_by_side: False}

    def current(self) -> CanvasView | SideBySideView:
        """The page on screen."""
        return self.side_by_side if self.state.view_mode in PANE_MODES else self.single

    def set_frame(self, frame: CanvasFrame) -> None:
        self._frame = frame
        self._highlighted = []
        page = self.current()
        for other in self._stale:
            self._stale[other] = other is not page
        page.set_frame(frame)

    def set_layers(self, state: LayerState) -> None:
        self.state = state
        page = self.current()
        page.set_layers(state)
        if page is not self._stack.currentWidget():
            if self._stale[page] and self._frame is not None:
                self._stale[page] = False
                page.set_frame(self._frame)
            page.highlight(self._highlighted)
            self._stack.setCurrentWidget(page)

    def highlight(self, objects) -> list:
        self._highlighted = [o.key if isinstance(o, CanvasObject) else tuple(o) for o in objects]
        return self.current().highlight(self._highlighted)

    def fit(self) -> None:
        self.current().fit()

    def actual_size(self) -> None:
        self.current().actual_size()

    def zoom_in(self) -> None:
        self.current().zoom_in()

    def zoom_out(self) -> None:
        self.current().zoom_out()
