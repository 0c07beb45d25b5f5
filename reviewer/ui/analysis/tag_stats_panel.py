"""Tag statistics panel: the error-analysis table of ``reviewer stats`` plus two bar charts.

Shows a ``stats_payload`` (``reviewer.io.stats``: the same numbers as ``reviewer stats --json``):
per tag its share of the erroneous images, its error rate, its share of the data and the room
for improvement first (the four figures that decide what to fix, visible without scrolling),
then the images carrying it and the metric on the tag's images beside the overall metric.
Clicking a tag emits ``tag_clicked(name)``; the "Reviewed only" box emits
``reviewed_only_changed(bool)``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QSplitter, QVBoxLayout, QWidget

from .common import Cell, PanelHeader, fill_table, make_table, pct
from .plots import PlotWidget, draw_tag_bars

COLUMNS = (  # (key, header, tooltip); the course's four columns come right after the tag
    ("tag", "Tag", "The failure tag (on the image or on one of its objects)"),
    ("share_of_errors", "Share of errors",
     "Erroneous images with the tag / erroneous images of the population"),
    ("error_rate", "Error rate", "Erroneous images with the tag / images with the tag"),
    ("share_of_images", "Share of data", "Tagged images / images of the population"),
    ("room_for_improvement", "Room",
     "Room for improvement: how much the overall metric would rise if the tag's images "
     "performed like the rest (the default order, largest first)"),
    ("images", "Images", "Images of the population carrying the tag"),
    ("metric", "Metric on tag", "The dataset metric computed on the tag's images only"),
    ("metric_overall", "Metric overall", "The dataset metric on the whole population"),
)
KEYS = tuple(k for k, _, _ in COLUMNS[1:])
ROOM = 4  # column of the room for improvement: the default sort, descending


class TagStatsPanel(QWidget):
    """Signals: ``tag_clicked(str)``, ``reviewed_only_changed(bool)``.

    Opens sorted by room for improvement (largest first; later the user's sort is kept). Tags
    no image of the population carries are folded away unless "Unused tags" is ticked.
    """

    tag_clicked = Signal(str)
    reviewed_only_changed = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.reviewed_only = QCheckBox("Reviewed only", self, toolTip="Statistics over the "
                                       "images marked reviewed only")
        self.reviewed_only.toggled.connect(self.reviewed_only_changed)
        self.show_unused = QCheckBox("Unused tags", self, toolTip="Also list the tags no "
                                     "image of the population carries (all figures empty)")
        self.show_unused.toggled.connect(lambda _: self.set_payload(self.payload))
        self.header = PanelHeader(self, self.show_unused, self.reviewed_only)
        self.table = make_table(self)
        self.table.setSortingEnabled(True)
        self.table.cellClicked.connect(self._on_table_cell_clicked)
        self.table.setToolTip("Click a tag to list its images in the image table")
        self.chart = PlotWidget(self)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 1)
        split.setSizes([820, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(split, 1)
        self.payload: dict | None = None
        self._sorted = False

    def column_of(self, key: str) -> int:
        """Table column of a payload key ("tag", "images", "share_of_errors", …)."""
        return next(c for c, (k, _, _) in enumerate(COLUMNS) if k == key)

    def set_payload(self, payload: dict | None) -> None:
        """Show a ``stats_payload`` (None: nothing open)."""
        self.payload = payload
        headers = [h for _, h, _ in COLUMNS]
        if payload is None:
            fill_table(self.table, headers, [])
            self.header.set_text("")
            self.chart.set_drawer(None)
            return
        name = payload["metric_name"]
        headers[6], headers[7] = f"{name} on tag", f"{name} overall"
        shown = {t: e for t, e in payload["tags"].items()
                 if e["images"] or self.show_unused.isChecked()}
        fill_table(self.table, headers, [_row(t, e) for t, e in shown.items()],
                   [t for _, _, t in COLUMNS], compact=True)
        if not self._sorted:
            self._sorted = True
            self.table.horizontalHeader().setSortIndicator(ROOM, Qt.SortOrder.DescendingOrder)
        self.header.set_text(_summary(payload, len(payload["tags"]) - len(shown)))
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
    return [Cell(tag, tag, tip), Cell(e["share_of_errors"], pct(e["share_of_errors"])),
            Cell(e["error_rate"], pct(e["error_rate"])),
            Cell(e["share_of_images"], pct(e["share_of_images"])),
            Cell(e["room_for_improvement"], _signed(e["room_for_improvement"]),
                 sort=_room_key(e)),
            e["images"], metric, overall]


def _room_key(e: dict) -> tuple:
    """Sort key of the room column: the room, ties broken by more images (the order of
    ``reviewer stats``); a tag without a room (carried by no image) sorts as -1."""
    room = e["room_for_improvement"]
    return (-1.0 if room is None else float(room), int(e["images"]))


def _signed(v) -> str:
    return "–" if v is None else f"{v:+.3f}"


def _summary(p: dict, hidden: int = 0) -> str:
    population = "reviewed images" if p["population"] == "reviewed" else "images"
    overall = "–" if p["metric_overall"] is None else f"{p['metric_overall']:.3f}"
    folded = f" ({hidden} on no image, hidden)" if hidden else ""
    return (f"{p['population_images']} {population}, {p['erroneous_images']} erroneous  ·  "
            f"{p['metric_name']} overall {overall}  ·  {len(p['tags'])} tags{folded}")
