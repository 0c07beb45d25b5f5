"""ModelPanes: one image with model A's predictions beside model B's, zoom and pan in sync.

Each pane is a ``CanvasView`` showing the image, the ground truth and one model's predictions
with the window's layer state (its colours, classes, threshold, fill or outline); a title chip
names the model, in the pane's bottom-left corner (the top-left holds the classification label
card). Zooming or panning one pane moves the other, as in ``SideBySideView``. The
panes are side by side or one above the other, whichever shows the image larger (a 2:1 street
scene gets twice the pixels stacked in a landscape window).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QBoxLayout, QLabel, QWidget

from reviewer.core.view_state import CanvasFrame, LayerState

from .scene import frame_pixmap
from .side_by_side import _TITLE_MARGIN, _TITLE_STYLE
from .view import CanvasView


class ModelPanes(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.views = [CanvasView(self), CanvasView(self)]
        self.titles = []
        self._syncing = False
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(17, 17, 19))
        self.setPalette(palette)
        self.setAutoFillBackground(True)
        self._layout = layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for view in self.views:
            view.view_changed.connect(lambda v=view: self._on_pane_view_changed(v))
            label = QLabel("", view)
            label.setStyleSheet(_TITLE_STYLE)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            self.titles.append(label)
            view.installEventFilter(self)
            layout.addWidget(view, 1)

    def set_frames(self, frames: list[CanvasFrame], titles: list[str],
                   state: LayerState) -> None:
        """Frame and title of each pane (A, B), drawn with ``state`` as an overlay."""
        from dataclasses import replace
        pane_state = replace(state, view_mode="overlay" if state.view_mode != "errors"
                             else "errors")
        self._arrange(frames[0].image_size)
        pixmap = frame_pixmap(frames[0])
        for view, frame, label, title in zip(self.views, frames, self.titles, titles,
                                             strict=True):
            view.canvas_scene.state = pane_state
            view.set_frame(frame, pixmap)
            view.set_layers(pane_state)
            label.setText(title)
            label.adjustSize()
            self._place(view, label)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize and obj in self.views:
            self._place(obj, self.titles[self.views.index(obj)])
        return False

    @staticmethod
    def _place(view, label) -> None:
        label.move(_TITLE_MARGIN, max(view.height() - label.height() - _TITLE_MARGIN, 0))

    def _arrange(self, size) -> None:
        if not size or not size[0] or not size[1]:
            return
        (w, h), width, height = size, max(self.width(), 1), max(self.height(), 1)
        beside = min(width / 2 / w, height / h)
        stacked = min(width / w, height / 2 / h)
        self._layout.setDirection(QBoxLayout.Direction.TopToBottom if stacked > beside
                                  else QBoxLayout.Direction.LeftToRight)

    def fit(self) -> None:
        for view in self.views:
            view.fit()

    def _on_pane_view_changed(self, source: CanvasView) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            h, v = source.horizontalScrollBar().value(), source.verticalScrollBar().value()
            for view in self.views:
                if view is not source:
                    view.set_view(source.transform(), h, v, source.fit_mode)
        finally:
            self._syncing = False
