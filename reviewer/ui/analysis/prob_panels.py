"""Panels drawn from class probabilities (classification): PR and ROC curves per class, the
reliability diagram, score histograms per class, a class-vs-class scatter.

Each panel shows plot-ready numbers computed off the GUI thread by the task's engine
(``TaskView.class_curves``, ``reliability``, ``score_distribution``, ``class_scatter``; wiring in
``prob_links``) and asks for new ones through a signal when the reader picks other classes. With
150 classes nothing is drawn for all of them at once: the curves panel draws the ticked classes
(the five most labelled at first, search to find others), the others one or two chosen classes.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QToolButton, QVBoxLayout, QWidget

from reviewer.io.prob_charts import (
    GAP_COLOR,
    OTHER_COLOR,
    draw_class_curves,
    draw_reliability,
    draw_scatter,
    draw_score_hist,
)

from .class_picker import ClassChecklist, ClassCombo, default_ticked
from .common import PanelHeader
from .plots import PlotWidget

MAX_SCATTER_COLOURS = 10  # above this many labels: A, B and "other label"
PAIR_COLORS = ("#d6604d", "#2166ac")  # labels A and B when the others are "other label"
PICK_RADIUS = 6  # pixels around a point that a click opens it within


class _ChartPanel(QWidget):
    """A header (summary, controls, busy bar) over a chart, optionally beside a side widget;
    subclasses make their controls, then call ``_lay_out``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.chart = PlotWidget(self, min_height=170)
        self.names: list[str] = []
        self.colors: list[str] = []
        self.counts: list[int] = []

    def _lay_out(self, controls=(), side: QWidget | None = None) -> None:
        self.header = PanelHeader(self, *controls)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        if side is None:
            layout.addWidget(self.chart, 1)
            return
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(side)
        split.addWidget(self.chart)
        split.setStretchFactor(1, 4)
        split.setSizes([180, 800])
        layout.addWidget(split, 1)

    def set_classes(self, names, colors, counts) -> None:
        """The project's classes, their colours and labelled images (a session opened)."""
        self.names, self.colors, self.counts = list(names), list(colors), list(counts)

    def show_message(self, text: str) -> None:
        self.header.set_text(text)
        self.chart.set_drawer(None)


class ClassCurvesPanel(_ChartPanel):
    """PR and ROC curves of the ticked classes. ``classes_changed()`` when the ticks change."""

    classes_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.picker = ClassChecklist(self)
        self._lay_out(side=self.picker)
        self.picker.changed.connect(self.classes_changed)
        self.curves: list[dict] = []

    def set_classes(self, names, colors, counts) -> None:
        super().set_classes(names, colors, counts)
        self.picker.set_classes(names, colors, counts, default_ticked(counts))

    def shown_classes(self) -> list[int]:
        return self.picker.ticked()

    def set_curves(self, curves: list[dict]) -> None:
        self.curves = list(curves)
        colors = dict(enumerate(self.colors))
        self.chart.set_drawer(lambda fig: draw_class_curves(fig, self.curves, colors))
        self.header.set_text(_curves_summary(self.curves))


def _curves_summary(curves: list[dict]) -> str:
    if not curves:
        return "Tick classes on the left (type to search)"
    parts = []
    for c in curves[:3]:
        p = c["point"]
        ap = "–" if not np.isfinite(c["ap"]) else f"{c['ap']:.3f}"
        auc = "–" if not np.isfinite(c["auc"]) else f"{c['auc']:.3f}"
        point = "" if not np.isfinite(p["precision"]) else (
            f"; at {p['rule']}: precision {p['precision']:.3f}, recall {p['recall']:.3f}")
        parts.append(f"{c['name']}: AP {ap}, ROC AUC {auc}{point}")
    more = f" (+{len(curves) - 3} more)" if len(curves) > 3 else ""
    return " · ".join(parts) + more + " — dots: the operating points"


class ReliabilityPanel(_ChartPanel):
    """The reliability diagram (15 equal-width bins of the top-1 confidence) and the ECE."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._lay_out()
        self.bins: dict | None = None

    def set_bins(self, bins: dict) -> None:
        self.bins = bins
        self.chart.set_drawer(lambda fig: draw_reliability(fig, bins))
        filled = np.asarray(bins["count"]) > 0
        gap = np.abs(np.asarray(bins["accuracy"]) - np.asarray(bins["confidence"]))[filled]
        worst = int(np.flatnonzero(filled)[np.argmax(gap)]) if gap.size else 0
        e = bins["edges"]
        self.header.set_text(
            f"ECE {bins['ece']:.4f} (the images' share-weighted gap between accuracy and "
            f"confidence); accuracy {bins['accuracy_all']:.3f}; largest gap "
            f"{gap.max(initial=0):.3f} in ({e[worst]:.2f}, {e[worst + 1]:.2f}] "
            f"({int(bins['count'][worst]):,} images)")


class ScoreHistogramPanel(_ChartPanel):
    """p(class) for the images labelled with the chosen class vs the others. ``class_changed``."""

    class_changed = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.combo = ClassCombo(self, tip="The class whose probability is shown (type to "
                                          "search)")
        self._lay_out((QLabel("Class", self), self.combo))
        self.combo.chosen.connect(self.class_changed)
        self.distribution: dict | None = None

    def set_classes(self, names, colors, counts, start: int = 0) -> None:
        super().set_classes(names, colors, counts)
        self.combo.set_classes(names, start)

    def current_class(self) -> int:
        return max(self.combo.current_class(), 0)

    def set_distribution(self, d: dict) -> None:
        self.distribution = d
        self.chart.set_drawer(lambda fig: draw_score_hist(fig, d))
        self.header.set_text(f"p({d['name']}) for {d['n_labelled']:,} images labelled "
                             f"{d['name']} and {d['n_others']:,} others")


class _PointsPanel(_ChartPanel):
    """A scatter of images in label groups; a click on a point emits ``image_requested(row)``
    (``data``: {"rows", "x", "y", …}; ``groups``: (name, colour, mask over the points))."""

    image_requested = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.data: dict | None = None
        self.groups: list[tuple[str, str, np.ndarray]] = []
        self.artists: list = []
        self._pick_id = None

    def _draw(self, fig) -> None:
        self.artists = draw_scatter(fig, self.data, self.groups)
        canvas = self.chart.canvas
        if self._pick_id is None:
            self._pick_id = canvas.mpl_connect("button_press_event", self._on_press)

    def _on_press(self, event) -> None:
        """A click opens the image of the nearest point within ``PICK_RADIUS`` pixels (one
        image per click, wherever points of several labels overlap)."""
        if self.data is None or not self.artists or event.inaxes is not self.artists[0].axes:
            return
        row = self.row_near(event.x, event.y)
        if row is not None:
            self.image_requested.emit(row)

    def row_near(self, x: float, y: float) -> int | None:
        """The image row of the point nearest display position (x, y), if close enough."""
        d = self.data
        ax = self.artists[0].axes
        xy = ax.transData.transform(np.column_stack([d["x"], d["y"]]))
        dist = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
        i = int(np.argmin(dist)) if len(dist) else -1
        radius = PICK_RADIUS * self.chart.canvas.device_pixel_ratio
        return int(np.asarray(d["rows"])[i]) if i >= 0 and dist[i] <= radius else None

    def row_at(self, group: int, index: int) -> int:
        """The image row of point ``index`` of label group ``group`` (as a click picks it)."""
        return int(np.asarray(self.data["rows"])[self.groups[group][2]][index])


class ScatterPanel(_PointsPanel):
    """p(A) against p(B) coloured by label. ``classes_changed()`` when A or B changes."""

    classes_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.a = ClassCombo(self, tip="Class on the x axis (type to search)")
        self.b = ClassCombo(self, tip="Class on the y axis (type to search)")
        swap = QToolButton(self, text="⇄", toolTip="Swap the axes", autoRaise=True)
        self._lay_out((QLabel("x", self), self.a, QLabel("y", self), self.b, swap))
        swap.clicked.connect(self.swap)
        self.a.chosen.connect(lambda _: self.classes_changed.emit())
        self.b.chosen.connect(lambda _: self.classes_changed.emit())

    def set_classes(self, names, colors, counts, a: int = 0, b: int = 1) -> None:
        super().set_classes(names, colors, counts)
        self.a.set_classes(names, a)
        self.b.set_classes(names, b if len(names) > 1 else 0)

    def pair(self) -> tuple[int, int]:
        return max(self.a.current_class(), 0), max(self.b.current_class(), 0)

    def swap(self) -> None:
        a, b = self.pair()
        self.a.set_classes(self.names, b)
        self.b.set_classes(self.names, a)
        self.classes_changed.emit()

    def set_points(self, d: dict) -> None:
        self.data = d
        self.groups = self._groups(d)
        self.chart.set_drawer(self._draw)
        shown = len(d["rows"])
        self.header.set_text(f"{shown:,} images: p({d['a']}) against p({d['b']}); the dotted "
                             "diagonal is where the two are equal")

    def _groups(self, d: dict) -> list[tuple[str, str, np.ndarray]]:
        labels = np.asarray(d["label"])
        a, b = self.pair()
        if len(self.names) <= MAX_SCATTER_COLOURS:
            return [(n, self.colors[k], labels == k) for k, n in enumerate(self.names)
                    if (labels == k).any()]
        keep = [k for k in dict.fromkeys((a, b))]  # two contrasting colours, not the palette's
        groups = [(self.names[k], PAIR_COLORS[j], labels == k) for j, k in enumerate(keep)]
        other = ~np.isin(labels, keep)
        return groups + ([("other label", OTHER_COLOR, other)] if other.any() else [])


class LabelErrorPanel(_PointsPanel):
    """Confidence against the probability of the label, per image: right predictions on the
    diagonal, the confidently wrong at the bottom right, likely label errors (confident
    learning's flag, the table's ``label_issue``) in their own colour."""

    COLORS = (GAP_COLOR, "#f4a582", "#4393c3")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._lay_out()

    def set_points(self, d: dict) -> None:
        group = np.asarray(d["group"])
        self.data = {**d, "xlabel": "Confidence (the highest probability)",
                     "ylabel": "p(label) (self-confidence)",
                     "title": "Confidence vs p(label)", "legend_title": "image"}
        self.groups = [(f"{name}", self.COLORS[g], group == g)
                       for g, name in enumerate(d["names"])]
        self.chart.set_drawer(self._draw)
        flagged, wrong, right = d["counts"]
        self.header.set_text(
            f"{d['images']:,} images: {flagged:,} likely label errors (p(label) below its "
            f"class's mean), {wrong:,} other wrong predictions, {right:,} right (the "
            "diagonal); bottom right: confidently wrong — click a point to open it")
