"""Tag statistics panel: the error-analysis table of ``reviewer stats`` plus two bar charts.

Shows a ``stats_payload`` (``reviewer.io.stats``: the same numbers as ``reviewer stats --json``):
per tag the images carrying it, their share of the data and of the erroneous images, the error
rate, the metric on the tag's images beside the overall metric and the room for improvement.
Clicking a tag emits ``tag_clicked(name)``; the "Reviewed only" box emits
``reviewed_only_changed(bool)``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QSplitter, QVBoxLayout, QWidget

from .common import Cell, PanelHeader, fill_table, make_table, pct
from .plots import PlotWidget, draw_tag_bars

COLUMNS = (
    ("Tag", "The failure tag (on the image or on one of its objects)"),
    ("Images", "Images of the population carrying the tag"),
    ("Share of data", "Tagged images / images of the population"),
    ("Share of errors", "Erroneous images with the tag / erroneous images of the population"),
    ("Error rate", "Erroneous images with the tag / images with the tag"),
    ("Metric on tag", "The dataset metric computed on the tag's images only"),
    ("Metric overall", "The dataset metric on the whole population"),
    ("Room for improvement", "How much the overall metric would rise if the tag's images "
                             "performed like the rest"),
)
KEYS = ("images", "share_of_images", "share_of_errors", "error_rate", "metric",
        "metric_overall", "room_for_improvement")


class TagStatsPanel(QWidget):
    """Signals: ``tag_clicked(str)``, ``reviewed_only_changed(bool)``."""

    tag_clicked = Signal(str)
    reviewed_only_changed = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.reviewed_only = QCheckBox("Reviewed only", self, toolTip="Statistics over the "
                                       "images marked reviewed only")
        self.reviewed_only.toggled.connect(self.reviewed_only_changed)
        self.header = PanelHeader(self, self.reviewed_only)
        self.table = make_table(self)
        self.table.setSortingEnabled(True)
        self.table.cellClicked.connect(self._on_table_cell_clicked)
        self.table.setToolTip("Click a tag to list its images in the image table")
        self.chart = PlotWidget(self)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([620, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(split, 1)
        self.payload: dict | None = None
        self._sorted = False

    def set_payload(self, payload: dict | None) -> None:
        """Show a ``stats_payload`` (None: nothing open)."""
        self.payload = payload
        if payload is None:
            fill_table(self.table, [c for c, _ in COLUMNS], [])
            self.header.set_text("")
            self.chart.set_drawer(None)
            return
        name = payload["metric_name"]
        headers = [c for c, _ in COLUMNS]
        headers[5], headers[6] = f"{name} on tag", f"{name} overall"
        rows = [_row(tag, entry) for tag, entry in payload["tags"].items()]
        fill_table(self.table, headers, rows, [t for _, t in COLUMNS])
        if not self._sorted:  # most frequent tags first; later the user's sort is kept
            self._sorted = True
            self.table.sortItems(1, Qt.SortOrder.DescendingOrder)
        self.header.set_text(_summary(payload))
        used = [(t, e) for t, e in payload["tags"].items() if e["images"]]
        used.sort(key=lambda te: -te[1]["images"])
        names = [t for t, _ in used]
        self.chart.set_drawer(lambda fig: draw_tag_bars(
            fig, names, [e["share_of_images"] for _, e in used],
            [e["share_of_errors"] for _, e in used]))

    def _on_table_cell_clicked(self, row: int, column: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.tag_clicked.emit(item.text())


def _row(tag: str, e: dict) -> list:
    metric, overall = e["metric"], e["metric_overall"]
    tip = f"{tag}: {e['images']} images, {e['erroneous_images']} erroneous"
    return [Cell(tag, tag, tip), e["images"], Cell(e["share_of_images"], pct(e["share_of_images"])),
            Cell(e["share_of_errors"], pct(e["share_of_errors"])),
            Cell(e["error_rate"], pct(e["error_rate"])), metric, overall,
            Cell(e["room_for_improvement"], _signed(e["room_for_improvement"]))]


def _signed(v) -> str:
    return "–" if v is None else f"{v:+.3f}"


def _summary(p: dict) -> str:
    population = "reviewed images" if p["population"] == "reviewed" else "images"
    overall = "–" if p["metric_overall"] is None else f"{p['metric_overall']:.3f}"
    return (f"{p['population_images']} {population}, {p['erroneous_images']} erroneous  ·  "
            f"{p['metric_name']} overall {overall}  ·  {len(p['tags'])} tags")
