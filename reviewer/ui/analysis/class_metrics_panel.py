"""Per-class metrics panel: the metric before and after the corrections, and class imbalance.

Shows ``export_metrics.session_metrics`` (the numbers ``reviewer export`` writes to
metrics.json): detection AP / AP50 / recall per class on the original GT (``document.base``) and
the corrected GT (``document.dataset()``), with GT and prediction counts drawn as bars;
segmentation IoU per class before (the stack as loaded) and after, with GT / predicted pixels.
"""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from reviewer.ui.task_view import view_of

from .common import BarDelegate, Cell, PanelHeader, RowFilter, fill_table, fmt, make_table
from .plots import DATA_COLOR, ERROR_COLOR


class ClassMetricsPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = make_table(self)
        self.filter = RowFilter(self.table)
        self.header = PanelHeader(self, self.filter)
        self.table.setSortingEnabled(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.table, 1)
        self._bars = (BarDelegate(DATA_COLOR, self.table), BarDelegate(ERROR_COLOR, self.table))
        self.metrics: dict | None = None

    def set_metrics(self, metrics: dict | None) -> None:
        """Show a ``session_metrics`` dict (None clears)."""
        self.metrics = metrics
        for c in range(self.table.columnCount()):
            self.table.setItemDelegateForColumn(c, None)
        if metrics is None:
            fill_table(self.table, ("Class",), [])
            self.header.set_text("")
            return
        headers, rows, bars = view_of(metrics["task"]).class_metric_rows(metrics)
        fill_table(self.table, headers, rows)
        for c, delegate in zip(bars, self._bars, strict=True):
            delegate.columns = bars  # GT and predictions on one scale
            self.table.setItemDelegateForColumn(c, delegate)
        for c in bars:
            self.table.horizontalHeader().resizeSection(c, 110)
        self.filter.apply()
        self.header.set_text(_summary(metrics))


def delta(b, a) -> Cell:
    """The change of a metric, as a table cell (empty when either side is undefined)."""
    if a is None or b is None:
        return Cell(None)
    return Cell(a - b, f"{a - b:+.3f}")


def _summary(m: dict) -> str:
    name, b, a = m["metric_name"], m["metric_before"], m["metric_after"]
    text = f"{name} on the original labels {fmt(b)} → on the corrected labels {fmt(a)}"
    if a is not None and b is not None:
        text += f" ({a - b:+.3f})"
    return text + f"  ·  {m['images']} images"
