"""Slices by column: the ``reviewer slices --json`` table over any column, in the window.

Choose a column (metadata, tag, status, or a column of the per-image table) and, for numbers
and dates, the number of quantile bins; the panel shows per value the images, share of the data
and of the errors, error rate, the task's metric on the slice and on the rest, the bootstrap
95 % interval and the room for improvement — the payload of ``reviewer.io.slices`` (the same
numbers as the CLI). Signals: ``column_changed()`` (recompute), ``slice_clicked(label)``.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QSpinBox, QVBoxLayout, QWidget

from .common import Cell, PanelHeader, fill_table, make_table, pct


class ColumnSlicesPanel(QWidget):
    column_changed = Signal()
    slice_clicked = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.column = QComboBox(self, objectName="slices_column", minimumWidth=150,
                                toolTip="The column whose values make the slices")
        self.bins = QSpinBox(self, minimum=1, maximum=50, value=4, prefix="bins ",
                             toolTip="Quantile bins of a number or date column with more "
                                     "distinct values than this")
        self.header = PanelHeader(self, self.column, self.bins)
        self.table = make_table(self)
        self.table.setSortingEnabled(True)
        self.table.setToolTip("Click a slice to list its images in the image table")
        self.table.cellClicked.connect(self._on_table_cell_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.table, 1)
        self.payload: dict | None = None
        self.column.currentIndexChanged.connect(lambda _: self.column_changed.emit())
        self.bins.valueChanged.connect(lambda _: self.column_changed.emit())

    def set_choices(self, names, preferred: str = "split") -> None:
        old = self.column.currentText()
        with QSignalBlocker(self.column):
            self.column.clear()
            self.column.addItems(list(names))
            pick = old if old in names else preferred if preferred in names else \
                (names[0] if names else "")
            self.column.setCurrentIndex(max(self.column.findText(pick), 0))

    def current(self) -> tuple[str, int]:
        return self.column.currentText(), self.bins.value()

    def set_payload(self, payload: dict | None, error: str = "") -> None:
        self.payload = payload
        if payload is None:
            fill_table(self.table, ("Slice",), [])
            self.header.set_text(error, error=bool(error))
            return
        key, name = payload["metric"], payload["metric_name"]
        headers = ["Slice", "Images", "Share of data", "Share of errors", "Error rate",
                   f"{name} on slice", f"{name} on rest", "95% interval", "Room"]
        rows = []
        for label, e in payload["slices"].items():
            lo, hi = e["ci95"]
            ci = Cell(lo, "" if lo is None else f"{lo:.3f} – {hi:.3f}")
            rows.append([Cell(label, label, f"{payload['by']}: {label}"), e["images"],
                         Cell(e["share_of_images"], pct(e["share_of_images"])),
                         Cell(e["share_of_errors"], pct(e["share_of_errors"])),
                         Cell(e["error_rate"], pct(e["error_rate"])), e[key],
                         e[f"{key}_rest"], ci, e["room_for_improvement"]])
        fill_table(self.table, headers, rows, compact=True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        overall = payload["overall"][key]
        self.header.set_text(
            f"{payload['population_images']} images by {payload['by']}"
            + (f" ({payload['bins']} quantile bins)" if payload["bins"] else "")
            + f"; {name} overall {'' if overall is None else f'{overall:.3f}'}; "
            f"{payload['erroneous_images']} erroneous ({payload['erroneous_rule']})")

    def _on_table_cell_clicked(self, row: int, column: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.slice_clicked.emit(item.text())
