"""Confusion-matrix panel: the heat map plus its options.

Detection: GT classes + background against predicted classes + background, counted over the
document's one-to-one confusion pairs (``DetectionDocument.confusion``). Segmentation: pixel
counts (``ConfusionStack.total``). A click on a cell emits ``cell_clicked(row, column)``; the
wiring turns it into an image subset of the table.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QScrollArea, QVBoxLayout, QWidget

from .common import PanelHeader
from .heatmap import ConfusionHeatmap


class ConfusionPanel(QWidget):
    """Signals: ``cell_clicked(int row, int column)``."""

    cell_clicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.errors_only = QCheckBox("Errors only", self, toolTip="Colour the cells by their "
                                     "share of each row's errors (the diagonal left out)")
        self.header = PanelHeader(self, self.errors_only)
        self.heatmap = ConfusionHeatmap(self)
        self.heatmap.cell_clicked.connect(self.cell_clicked)
        self.errors_only.toggled.connect(self.heatmap.set_errors_only)
        scroll = QScrollArea(self, widgetResizable=True)
        scroll.setWidget(self.heatmap)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(scroll, 1)

    def set_matrix(self, matrix, rows, columns, unit: str) -> None:
        self.heatmap.set_matrix(matrix, rows, columns, unit)
        self.header.set_text(f"Rows: ground truth, columns: prediction ({unit}); colours are "
                             "normalised per row. Click a cell to list its images.")

    def clear(self) -> None:
        self.heatmap.set_matrix(np.zeros((0, 0), np.int64), [], [])
        self.heatmap.set_selected(None)
        self.header.set_text("")
