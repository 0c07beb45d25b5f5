"""Confusion-matrix panel: the heat map, its zoom, and the list of the largest confusions.

Detection: GT classes + a "ghost" row (predictions matching no GT object) against predicted
classes + a "missed" column (GT objects no prediction found), counted over the document's
one-to-one confusion pairs (``DetectionDocument.confusion``). Segmentation: pixel counts
(``ConfusionStack.total``) with a "void" column. A click on a cell, or on a row of the "top
confusions" list beside the grid, emits ``cell_clicked(row, column)``; the wiring turns it into
an image subset of the table.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .common import PanelHeader
from .confusion_top import TopConfusionsList, top_confusions
from .heatmap import ZOOM_STEP, ConfusionHeatmap


def _button(parent, text: str, tip: str, slot) -> QToolButton:
    button = QToolButton(parent, text=text, toolTip=tip, autoRaise=True)
    button.clicked.connect(slot)
    return button


class ConfusionPanel(QWidget):
    """Signals: ``cell_clicked(int row, int column)``."""

    cell_clicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.errors_only = QCheckBox("Errors only", self, toolTip="Colour the cells by their "
                                     "share of each row's errors (the diagonal left out)")
        self.heatmap = ConfusionHeatmap(self)
        zoom = [_button(self, "−", "Smaller cells (Ctrl+wheel)",
                        lambda: self.heatmap.zoom_by(1 / ZOOM_STEP)),
                _button(self, "Fit", "Automatic cell size", self.heatmap.fit),
                _button(self, "+", "Bigger cells (Ctrl+wheel)",
                        lambda: self.heatmap.zoom_by(ZOOM_STEP))]
        self.header = PanelHeader(self, self.errors_only, *zoom)
        self.heatmap.cell_clicked.connect(self._on_heatmap_cell_clicked)
        self.errors_only.toggled.connect(self.heatmap.set_errors_only)
        self.scroll = QScrollArea(self, widgetResizable=True)
        self.scroll.setWidget(self.heatmap)
        self.top = TopConfusionsList(self)
        self.top.cell_clicked.connect(self._on_top_cell_clicked)
        self.with_background = QCheckBox("With missed, ghosts, void", self, checked=False,
                                         toolTip="List the errors against background too, not "
                                                 "only one class taken for another")
        self.with_background.toggled.connect(self._fill_top)
        self.split = split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.scroll)
        split.addWidget(_column(self, QLabel("<b>Top confusions</b>", self),
                                self.with_background, self.top))
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([700, 280])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(split, 1)

    def set_matrix(self, matrix, rows, columns, unit: str, special_rows=(),
                   special_columns=()) -> None:
        shape = self.heatmap.matrix.shape
        self.heatmap.set_matrix(matrix, rows, columns, unit, special_rows, special_columns)
        if self.heatmap.matrix.shape != shape:  # a new matrix: the list gets the spare width
            self._share_width()
        self.header.set_text(f"Rows: ground truth, columns: prediction ({unit}); colours are "
                             "normalised per row. Click a cell or a confusion to list its "
                             "images; Ctrl+wheel zooms.")
        self._fill_top()

    def _share_width(self) -> None:
        total = sum(self.split.sizes()) or self.width()
        grid = self.heatmap.sizeHint().width() + self.scroll.verticalScrollBar().sizeHint().width()
        left = int(min(max(grid + 8, total * 0.4), total * 0.72))
        self.split.setSizes([left, max(total - left, 240)])

    def _fill_top(self) -> None:
        heat = self.heatmap
        entries = top_confusions(heat.matrix, special_rows=heat.special_rows,
                                 special_columns=heat.special_columns,
                                 include_special=self.with_background.isChecked())
        self.top.set_entries(entries, heat)

    def select_cell(self, r: int, c: int) -> None:
        """Mark a cell and scroll it into view (a click on the list)."""
        self.heatmap.set_selected((r, c))
        centre = self.heatmap.cell_center(r, c)
        self.scroll.ensureVisible(centre.x(), centre.y(), 60, 60)

    def _on_heatmap_cell_clicked(self, r: int, c: int) -> None:
        self.top.clearSelection()
        self.cell_clicked.emit(r, c)

    def _on_top_cell_clicked(self, r: int, c: int) -> None:
        self.select_cell(r, c)
        self.cell_clicked.emit(r, c)

    def clear(self) -> None:
        self.heatmap.set_matrix(np.zeros((0, 0), np.int64), [], [])
        self.heatmap.set_selected(None)
        self.top.set_entries([], self.heatmap)
        self.header.set_text("")


def _column(parent, *widgets) -> QWidget:
    box = QWidget(parent)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(4, 2, 0, 0)
    layout.setSpacing(2)
    for w in widgets:
        layout.addWidget(w, 1 if isinstance(w, TopConfusionsList) else 0)
    return box
