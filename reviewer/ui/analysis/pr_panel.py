"""PR-curves panel: precision-recall curve per class at the project's IoU threshold, with the
operating point of the score threshold (``reviewer.core.curves.pr_curves``).

The class list on the left chooses the curves drawn (the eight classes with most GT at first).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QSplitter, QVBoxLayout, QWidget

from .common import PanelHeader
from .plots import PlotWidget, draw_pr_curves

DEFAULT_SHOWN = 8


class PRPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.header = PanelHeader(self)
        self.classes = QListWidget(self, toolTip="Tick the classes to draw")
        self.classes.itemChanged.connect(self._redraw)
        self.chart = PlotWidget(self, min_height=200)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.classes)
        split.addWidget(self.chart)
        split.setStretchFactor(1, 4)
        split.setSizes([170, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(split, 1)
        self.curves: list = []
        self.names: list[str] = []
        self.colors: list[str] = []
        self.title = ""
        self.ap_label = "AP"

    def set_curves(self, curves, names, colors, params) -> None:
        """``curves``: PRCurve per class; ``colors``: (K,) '#rrggbb'; ``params``: DetectionParams."""
        keep = {self.classes.item(i).text(): self.classes.item(i).checkState()
                for i in range(self.classes.count())}
        self.curves, self.names, self.colors = list(curves), list(names), list(colors)
        self.ap_label = f"AP@{params.iou_threshold:.2f}"
        self.title = (f"IoU ≥ {params.iou_threshold:.2f} ({params.iou_type}); dots: operating "
                      f"point at score ≥ {params.score_threshold:.2f}")
        top = set(np.argsort([-c.num_gt for c in curves], kind="stable")[:DEFAULT_SHOWN].tolist())
        self.classes.blockSignals(True)
        self.classes.clear()
        for k, (c, name) in enumerate(zip(curves, names, strict=True)):
            item = QListWidgetItem(_swatch(colors[k]), name, self.classes)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            default = Qt.CheckState.Checked if k in top and c.num_gt else Qt.CheckState.Unchecked
            item.setCheckState(keep.get(name, default))
            item.setToolTip(_tip(c, name))
        self.classes.blockSignals(False)
        self.header.set_text("Precision-recall per class at " + self.title.split(";")[0])
        self._redraw()

    def clear(self) -> None:
        self.classes.clear()
        self.curves = []
        self.header.set_text("")
        self.chart.set_drawer(None)

    def shown_classes(self) -> list[int]:
        return [i for i in range(self.classes.count())
                if self.classes.item(i).checkState() == Qt.CheckState.Checked]

    def _redraw(self, *_) -> None:
        data = []
        for k in self.shown_classes():
            c = self.curves[k]
            if not c.num_gt:
                continue
            data.append({"name": self.names[k], "color": self.colors[k], "recall": c.recall,
                         "precision": c.precision_interp, "point": c.operating_point,
                         "ap": c.ap, "ap_label": self.ap_label})
        title = self.title
        self.chart.set_drawer(lambda fig: draw_pr_curves(fig, data, title))


def _swatch(color: str) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(QColor(color))
    return QIcon(pix)


def _tip(c, name: str) -> str:
    if not c.num_gt:
        return f"{name}: no ground truth"
    p, r = c.operating_point
    point = "no prediction above the threshold" if np.isnan(p) else \
        f"precision {p:.3f}, recall {r:.3f} at the score threshold"
    return f"{name}: {c.num_gt} GT objects, AP at this IoU {c.ap:.3f}; {point}"
