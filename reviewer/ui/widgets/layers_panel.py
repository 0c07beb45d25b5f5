"""The layers panel of the review window: what the canvas shows.

Model -> view: ``set_classes``, ``set_counts``, ``set_state`` (setters emit nothing).
View -> model: ``only_class_requested(index)`` / ``all_classes_requested()`` (a class row's
double-click or context menu: the controller shows that class alone in both sources),
``layers_changed(LayerState)`` (at once for checkboxes and buttons, at most once
per ~30 ms while an opacity slider is dragged, never twice with the same state) and
``threshold_changed(float)`` (at most once per ~150 ms while dragging, once on release; a
threshold change also emits ``layers_changed`` since the state carries it).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.view_state import LayerState
from reviewer.ui.widgets.layers_class_list import counts_by_index
from reviewer.ui.widgets.layers_source_section import SourceSection, segmented
from reviewer.ui.widgets.layers_threshold import ThresholdRow
from reviewer.ui.widgets.layers_throttle import Throttle

DRAG_THROTTLE_MS = 30
_MODE_OPTIONS = [
    ("overlay", "Overlay", "Ground truth and predictions drawn over the image, in class colours "
                           "(O; X swaps which one is filled)"),
    ("side_by_side", "Side by side", "Image | ground truth | predictions in three synchronised "
                                     "panes, side by side (B)"),
    ("stacked", "Stacked", "Image above ground truth above predictions, synchronised: roomier "
                           "for wide images (T)"),
    ("errors", "Errors", "Coloured by match: true positives, false positives, misses and "
                         "error types (E)"),
]
_MODES = tuple(key for key, _, _ in _MODE_OPTIONS)  # button id -> view mode


def _bold_label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def _separator(parent: QWidget) -> QFrame:
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def _mode_grid(row: QHBoxLayout) -> QGridLayout:
    """The view-mode buttons two by two (one view above, three panes below): the panel stays
    narrow enough for a 1366-pixel screen."""
    buttons = [row.itemAt(i).widget() for i in range(row.count())]
    grid = QGridLayout()
    grid.setSpacing(0)
    for button, (r, c) in zip(buttons, ((0, 0), (1, 0), (1, 1), (0, 1)), strict=True):
        row.removeWidget(button)
        grid.addWidget(button, r, c)
    return grid


class LayersPanel(QWidget):
    """Layer visibility, opacity, fill/outline, visible classes, labels, view mode, threshold."""

    layers_changed = Signal(object)  # LayerState
    threshold_changed = Signal(float)
    only_class_requested = Signal(int)  # class index: show it alone in GT and predictions
    all_classes_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("LayersPanel")
        self._updating = False
        self._names: tuple[str, ...] = ()
        self._last_state: LayerState | None = None
        self.mode_group, mode_row = segmented(self, _MODE_OPTIONS, expand=True)
        self.image_box = QCheckBox("&Image", self)
        self.image_box.setToolTip("Show or hide the image itself")
        self.labels_box = QCheckBox("&Labels", self)
        self.labels_box.setToolTip("Write the class name (and score for predictions) on boxes")
        self.gt = SourceSection("&Ground truth", "ground-truth objects", self)
        self.pred = SourceSection("&Predictions", "predictions", self)
        self.threshold = ThresholdRow(self)
        self._drag_throttle = Throttle(DRAG_THROTTLE_MS, self)
        self._build_layout(mode_row)
        self._connect()
        self.set_state(LayerState())

    def _build_layout(self, mode_row: QHBoxLayout) -> None:
        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(_bold_label("View", content))
        layout.addLayout(_mode_grid(mode_row))
        display = QHBoxLayout()
        display.addWidget(self.image_box)
        display.addWidget(self.labels_box)
        display.addStretch(1)
        layout.addLayout(display)
        layout.addWidget(_separator(content))
        layout.addWidget(self.gt)
        layout.addWidget(_separator(content))
        layout.addWidget(self.pred)
        layout.addWidget(self.threshold)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _connect(self) -> None:
        self.mode_group.idToggled.connect(self._on_mode_toggled)
        self.image_box.toggled.connect(self._on_control_changed)
        self.labels_box.toggled.connect(self._on_control_changed)
        self.gt.edited.connect(self._on_source_edited)
        self.pred.edited.connect(self._on_source_edited)
        self.threshold.value_changed.connect(self._on_threshold_changed)
        self._drag_throttle.fired.connect(self._emit_state)
        for section in (self.gt, self.pred):
            section.class_list.only_requested.connect(self.only_class_requested)
            section.class_list.all_requested.connect(self.all_classes_requested)

    # --- model -> view -------------------------------------------------------------------
    def set_classes(self, names: Sequence[str], colors: Sequence) -> None:
        """Class names in class-index order and their colours (``#rrggbb``, QColor or an
        (r,g,b) row of a (K,3) array). Classes keep their visibility by name. No signal."""
        self._names = tuple(str(n) for n in names)
        colours = list(colors) if colors is not None else []
        for section in (self.gt, self.pred):
            section.class_list.set_classes(self._names, colours)
            section.class_filter.classes_set()
        self._last_state = self.state()

    def set_counts(self, gt_counts, pred_counts) -> None:
        """Objects per class on the current image, for GT and predictions: each a mapping
        (class index or name -> n), a length-K sequence, or None (unknown: shown blank)."""
        gt = counts_by_index(gt_counts, self._names)
        pred = counts_by_index(pred_counts, self._names)
        self.gt.class_list.set_counts(gt)
        self.pred.class_list.set_counts(pred)
        for i, name in enumerate(self._names):
            tip = "" if gt[i] is None else (f"“{name}” on this image: {gt[i]} ground truth, "
                                            f"{pred[i]} predicted")
            for section in (self.gt, self.pred):
                section.class_list.topLevelItem(i).setToolTip(1, tip)

    def set_state(self, state: LayerState) -> None:
        """Show ``state``; emits nothing and drops any pending drag emission."""
        self._drag_throttle.cancel()
        self._updating = True
        self.mode_group.button(_MODES.index(state.view_mode)).setChecked(True)
        self.image_box.setChecked(state.show_image)
        self.labels_box.setChecked(state.show_labels)
        self.gt.set_layer(state.gt)
        self.pred.set_layer(state.pred)
        self.threshold.set_value(state.score_threshold)
        self._updating = False
        self._last_state = self.state()

    # --- view -> model -------------------------------------------------------------------
    def state(self) -> LayerState:
        mode = _MODES[max(self.mode_group.checkedId(), 0)]
        return LayerState(show_image=self.image_box.isChecked(), gt=self.gt.layer(),
                          pred=self.pred.layer(), show_labels=self.labels_box.isChecked(),
                          view_mode=mode, score_threshold=self.threshold.value())

    def set_view_mode(self, mode: str) -> None:
        """Switch the view mode as if its button were clicked (emits ``layers_changed``);
        for a window shortcut."""
        self.mode_group.button(_MODES.index(mode)).click()

    def _emit_state(self) -> None:
        state = self.state()
        if state != self._last_state:
            self._last_state = state
            self.layers_changed.emit(state)

    def _on_control_changed(self, *_args) -> None:
        if not self._updating:
            self._drag_throttle.cancel()
            self._emit_state()

    def _on_mode_toggled(self, _id: int, checked: bool) -> None:
        if checked:
            self._on_control_changed()

    def _on_source_edited(self, immediate: bool) -> None:
        if self._updating:
            return
        if immediate:
            self._on_control_changed()
        else:
            self._drag_throttle.poke()

    def _on_threshold_changed(self, value: float) -> None:
        if self._updating:
            return
        self.threshold_changed.emit(value)
        self._on_control_changed()

