"""Per-class metrics panel: the metric before and after the corrections, and class imbalance.

Shows ``export_metrics.session_metrics`` (the numbers ``reviewer export`` writes to
metrics.json): detection AP / AP50 / recall per class on the original GT (``document.base``) and
the corrected GT (``document.dataset()``), with GT and prediction counts drawn as bars;
segmentation IoU per class before (the stack as loaded) and after, with GT / predicted pixels.
"""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from .common import BarDelegate, Cell, PanelHeader, fill_table, fmt, make_table
from .plots import DATA_COLOR, ERROR_COLOR

DETECTION_HEADERS = ("Class", "AP before", "AP after", "Δ AP", "AP50 after", "Recall after",
                     "GT objects", "Predictions", "FP", "FN")
SEMANTIC_HEADERS = ("Class", "IoU before", "IoU after", "Δ IoU", "GT pixels", "Predicted pixels")


class ClassMetricsPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.header = PanelHeader(self)
        self.table = make_table(self)
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
        detection = metrics["task"] == "detection"
        before, after = metrics["before"]["per_class"], metrics["after"]["per_class"]
        names = list(dict.fromkeys(list(before) + list(after)))
        if detection:
            rows = [_detection_row(n, before.get(n, {}), after.get(n, {})) for n in names]
            fill_table(self.table, DETECTION_HEADERS, rows)
            bars = (6, 7)
        else:
            rows = [_semantic_row(n, before.get(n, {}), after.get(n, {})) for n in names]
            fill_table(self.table, SEMANTIC_HEADERS, rows)
            bars = (4, 5)
        for c, delegate in zip(bars, self._bars, strict=True):
            delegate.columns = bars  # GT and predictions on one scale
            self.table.setItemDelegateForColumn(c, delegate)
        for c in bars:
            self.table.horizontalHeader().resizeSection(c, 110)
        self.header.set_text(_summary(metrics))


def _delta(b, a) -> Cell:
    if a is None or b is None:
        return Cell(None)
    return Cell(a - b, f"{a - b:+.3f}")


def _detection_row(name: str, b: dict, a: dict) -> list:
    gt, tp, fp, fn = (a.get(k) for k in ("gt", "tp", "fp", "fn"))
    recall = tp / gt if gt else None
    pred = None if tp is None or fp is None else tp + fp
    return [name, b.get("AP"), a.get("AP"), _delta(b.get("AP"), a.get("AP")), a.get("AP50"),
            recall, gt, pred, fp, fn]


def _semantic_row(name: str, b: dict, a: dict) -> list:
    return [name, b.get("IoU"), a.get("IoU"), _delta(b.get("IoU"), a.get("IoU")),
            a.get("gt_area"), a.get("pred_area")]


def _summary(m: dict) -> str:
    name, b, a = m["metric_name"], m["metric_before"], m["metric_after"]
    text = f"{name} on the original labels {fmt(b)} → on the corrected labels {fmt(a)}"
    if a is not None and b is not None:
        text += f" ({a - b:+.3f})"
    return text + f"  ·  {m['images']} images"
