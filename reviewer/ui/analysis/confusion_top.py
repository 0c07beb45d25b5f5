"""The "top confusions" list beside the confusion matrix: its largest off-diagonal cells.

``top_confusions(matrix, …)`` picks them (numpy, no Qt); ``TopConfusionsList`` shows them, one
row per cell ("GT car → predicted truck", count, share of the GT row), and a click emits
``cell_clicked(row, column)`` exactly as a click on the cell itself.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from reviewer.ui.widgets.sort_arrows import install_sort_arrows

LIMIT = 50
_CELL = Qt.ItemDataRole.UserRole


def top_confusions(matrix, limit: int = LIMIT, special_rows=(), special_columns=(),
                   include_special: bool = True) -> list[tuple[int, int, int]]:
    """(count, row, column) of the ``limit`` largest non-zero off-diagonal cells of an (R, C)
    matrix, largest first (ties: row, then column). Without ``include_special`` the special
    rows and columns (background, void) are left out: class-to-class confusions only."""
    m = np.asarray(matrix, np.int64)
    keep = m > 0
    n = min(m.shape) if m.ndim == 2 else 0
    keep[np.arange(n), np.arange(n)] = False
    if not include_special:
        keep[[r for r in special_rows if r < m.shape[0]], :] = False
        keep[:, [c for c in special_columns if c < m.shape[1]]] = False
    rows, cols = np.nonzero(keep)
    counts = m[rows, cols]
    order = np.lexsort((cols, rows, -counts))[:limit]
    return [(int(counts[i]), int(rows[i]), int(cols[i])) for i in order]


class TopConfusionsList(QTableWidget):
    """Signals: ``cell_clicked(int row, int column)`` (matrix coordinates)."""

    cell_clicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["Confusion", "Count", "Share"])
        self.horizontalHeaderItem(2).setToolTip("Share of the GT class's row")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        install_sort_arrows(header)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.setToolTip("The largest off-diagonal cells: click one to list its images")
        self.cellClicked.connect(self._on_cell_clicked)
        self.entries: list[tuple[int, int, int]] = []

    def set_entries(self, entries, heatmap) -> None:
        """Show (count, row, column) entries with the heat map's labels and tooltips."""
        self.entries = list(entries)
        self.setRowCount(len(self.entries))
        for i, (count, r, c) in enumerate(self.entries):
            total = int(heatmap.matrix[r].sum())
            text = _describe(heatmap, r, c)
            cells = (text, f"{count:,}", f"{100 * count / total:.1f}%" if total else "–")
            for j, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setData(_CELL, (r, c))
                item.setToolTip(heatmap.cell_text(r, c))
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(i, j, item)

    def _on_cell_clicked(self, row: int, _column: int) -> None:
        r, c = self.item(row, 0).data(_CELL)
        self.cell_clicked.emit(int(r), int(c))


def _describe(heatmap, r: int, c: int) -> str:
    return f"{heatmap.rows[r]} → {heatmap.columns[c]}"
