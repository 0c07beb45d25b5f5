"""SideBySideView: image | GT | prediction panes whose zoom and scroll stay in sync."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from reviewer.core.view_state import CanvasFrame, LayerState

from .scene import frame_pixmap
from .view import CanvasView

PANES = (("image", "Image"), ("gt", "Ground truth"), ("pred", "Prediction"))
_TITLE_STYLE = ("QLabel { background: #1b1b1d; color: #d8d8d8; padding: 3px 8px;"
                " font-weight: 600; }")


def pane_state(state: LayerState, pane: str) -> LayerState:
    """The layer state of one pane: "image" shows no annotations, "gt"/"pred" one source."""
    mode = "errors" if state.view_mode == "errors" else "overlay"
    return replace(state, view_mode=mode,
                   gt=replace(state.gt, visible=state.gt.visible and pane == "gt"),
                   pred=replace(state.pred, visible=state.pred.visible and pane == "pred"))


class SideBySideView(QWidget):
    """Three CanvasViews over the same frame; zooming or panning one moves the others."""

    object_hovered = Signal(str, int)
    object_clicked = Signal(str, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.panes: dict[str, CanvasView] = {}
        self.state = LayerState()
        self._syncing = False
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(17, 17, 19))  # the gaps between panes
        self.setPalette(palette)
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for name, title in PANES:
            layout.addLayout(self._make_pane(name, title), 1)

    def _make_pane(self, name: str, title: str) -> QVBoxLayout:
        view = CanvasView(self)
        view.view_changed.connect(lambda v=view: self._on_pane_view_changed(v))
        view.object_hovered.connect(self.object_hovered)
        view.object_clicked.connect(self.object_clicked)
        self.panes[name] = view
        label = QLabel(title, self)
        label.setStyleSheet(_TITLE_STYLE)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column = QVBoxLayout()
        column.setSpacing(0)
        column.addWidget(label)
        column.addWidget(view, 1)
        return column

    def views(self) -> list[CanvasView]:
        return list(self.panes.values())

    def set_frame(self, frame: CanvasFrame) -> None:
        """Show a frame in all panes (the image is converted once and shared)."""
        pixmap = frame_pixmap(frame)
        for name, view in self.panes.items():
            view.canvas_scene.state = pane_state(self.state, name)
            view.set_frame(frame, pixmap)

    def prepare(self, frame: CanvasFrame) -> None:
        """Idle work for a frame about to be shown (its label chips)."""
        for name, view in self.panes.items():
            if name != "image":
                view.prepare(frame)

    def set_layers(self, state: LayerState) -> None:
        self.state = state
        for name, view in self.panes.items():
            view.set_layers(pane_state(state, name))

    def highlight(self, objects) -> list:
        objects = list(objects)
        return [view.highlight(objects) for view in self.panes.values()][0]

    def fit(self) -> None:
        for view in self.panes.values():
            view.fit()

    def actual_size(self) -> None:
        self.panes["image"].actual_size()

    def zoom_in(self) -> None:
        self.panes["image"].zoom_in()

    def zoom_out(self) -> None:
        self.panes["image"].zoom_out()

    def _on_pane_view_changed(self, source: CanvasView) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            h, v = source.horizontalScrollBar().value(), source.verticalScrollBar().value()
            for view in self.panes.values():
                if view is not source:
                    view.set_view(source.transform(), h, v, source.fit_mode)
        finally:
            self._syncing = False
