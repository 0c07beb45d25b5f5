"""SideBySideView: image | GT | prediction panes whose zoom and scroll stay in sync.

Two arrangements of the same three panes: side by side (view mode "side_by_side", for tall
images) and stacked, image above GT above prediction ("stacked", for wide ones: a 2:1 street
scene gets three times the pixels in a landscape window). Each pane's title is a small chip in
its top-left corner, so the panes keep their whole height for the image.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QBoxLayout, QLabel, QWidget

from reviewer.core.view_state import CanvasFrame, LayerState

from .scene import frame_pixmap
from .view import CanvasView

PANES = (("image", "Image"), ("gt", "Ground truth"), ("pred", "Prediction"))
_TITLE_STYLE = ("QLabel { background: rgba(20, 20, 22, 200); color: #e8e8e8; padding: 2px 7px;"
                " border-radius: 3px; font-weight: 600; }")
_TITLE_MARGIN = 6


def pane_state(state: LayerState, pane: str) -> LayerState:
    """The layer state of one pane: "image" shows no annotations, "gt"/"pred" one source.

    The panes already tell the sources apart, so both are drawn alike for a direct comparison
    of their shapes: filled (at the filled source's opacity) when either source is filled in
    the overlay, outlined when both are."""
    mode = "errors" if state.view_mode == "errors" else "overlay"
    filled = next((s for s in (state.gt, state.pred) if s.fill), None)
    look = {} if filled is None else {"fill": True, "opacity": filled.opacity}
    return replace(state, view_mode=mode,
                   gt=replace(state.gt, visible=state.gt.visible and pane == "gt", **look),
                   pred=replace(state.pred, visible=state.pred.visible and pane == "pred",
                                **look))


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
        self.titles: dict[str, QLabel] = {}
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        for name, title in PANES:
            self._layout.addWidget(self._make_pane(name, title), 1)

    def _make_pane(self, name: str, title: str) -> CanvasView:
        view = CanvasView(self)
        view.view_changed.connect(lambda v=view: self._on_pane_view_changed(v))
        view.object_hovered.connect(self.object_hovered)
        view.object_clicked.connect(self.object_clicked)
        self.panes[name] = view
        label = QLabel(title, view)  # a chip over the pane: the image keeps the pane's height
        label.setStyleSheet(_TITLE_STYLE)
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        label.adjustSize()
        label.move(_TITLE_MARGIN, _TITLE_MARGIN)
        self.titles[name] = label
        return view

    @property
    def stacked(self) -> bool:
        """True when the panes are stacked top to bottom."""
        return self._layout.direction() == QBoxLayout.Direction.TopToBottom

    def set_stacked(self, stacked: bool) -> None:
        """Panes top to bottom (True) or left to right; each pane keeps its fit or zoom."""
        direction = (QBoxLayout.Direction.TopToBottom if stacked
                     else QBoxLayout.Direction.LeftToRight)
        if self._layout.direction() != direction:
            self._layout.setDirection(direction)

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
        self.set_stacked(state.view_mode == "stacked")
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
