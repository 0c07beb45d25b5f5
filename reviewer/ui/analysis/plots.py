"""Matplotlib charts for the analysis panels, imported lazily.

``PlotWidget`` holds a matplotlib figure that is created the first time the widget is shown (so
matplotlib and its Qt backend are imported only then, never at start-up). ``set_drawer(fn)``
gives it a ``fn(figure)`` that draws the content; it runs again on every ``set_drawer``.
The ``draw_*`` functions draw one chart into a figure and use the widget's palette colours.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

ERROR_COLOR = "#d6604d"
DATA_COLOR = "#4393c3"


class PlotWidget(QWidget):
    def __init__(self, parent=None, min_height: int = 160):
        super().__init__(parent)
        self.setMinimumHeight(min_height)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.canvas = None
        self.figure = None
        self._drawer: Callable | None = None

    def set_drawer(self, drawer: Callable | None) -> None:
        """Draw with ``drawer(figure)`` now if the figure exists, else when first shown."""
        self._drawer = drawer
        if self.canvas is not None:
            self._render()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.canvas is None:
            self._create()
            self._render()

    def _create(self) -> None:
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure
        self.figure = Figure(layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setParent(self)
        self._layout.addWidget(self.canvas)

    def _render(self) -> None:
        fig = self.figure
        fig.clear()
        pal = self.palette()
        fig.set_facecolor(pal.color(QPalette.ColorRole.Base).name())
        if self._drawer is not None:
            self._drawer(fig)
            _theme(fig, pal.color(QPalette.ColorRole.Text).name())
        self.canvas.draw_idle()


def _theme(fig, text: str) -> None:
    for ax in fig.axes:
        ax.set_facecolor("none")
        ax.tick_params(colors=text, labelsize=8)
        ax.xaxis.label.set_color(text)
        ax.yaxis.label.set_color(text)
        ax.title.set_color(text)
        for spine in ax.spines.values():
            spine.set_color(text)
            spine.set_alpha(0.35)


def draw_tag_bars(fig, names: list[str], share_of_images, share_of_errors) -> None:
    """Two horizontal bar charts sharing the tag axis: share of data and share of errors."""
    if not names:
        fig.text(0.5, 0.5, "No tagged images yet", ha="center", va="center", fontsize=9,
                 color="grey")
        return
    y = np.arange(len(names))
    left, right = fig.subplots(1, 2, sharey=True)
    for ax, values, color, title in ((left, share_of_images, DATA_COLOR, "Share of images"),
                                     (right, share_of_errors, ERROR_COLOR,
                                      "Share of erroneous images")):
        values = np.nan_to_num(np.asarray(values, np.float64))
        ax.barh(y, 100 * values, color=color, height=0.7)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("%", fontsize=8)
        ax.set_xlim(0, max(5.0, 100 * float(values.max(initial=0)) * 1.15))
        ax.grid(axis="x", alpha=0.25)
    left.set_yticks(y, names, fontsize=8)
    left.invert_yaxis()


def draw_pr_curves(fig, curves: list[dict], title: str) -> None:
    """One axes: each dict has name, color, recall, precision (n,), point (p, r), ap."""
    ax = fig.subplots()
    for c in curves:
        ap = c.get("ap_label", "AP")
        label = f"{c['name']} ({ap} {c['ap']:.3f})" if np.isfinite(c["ap"]) else c["name"]
        ax.step(c["recall"], c["precision"], where="post", color=c["color"], lw=1.6,
                label=label)
        p, r = c["point"]
        if np.isfinite(p):
            ax.plot([r], [p], "o", color=c["color"], ms=7, mec="white", mew=1.2)
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Recall", fontsize=9)
    ax.set_ylabel("Precision", fontsize=9)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.25)
    if curves:
        ax.legend(fontsize=8, loc="lower left", framealpha=0.6)
