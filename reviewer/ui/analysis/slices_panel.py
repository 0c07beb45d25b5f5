"""Slices panel: the metric on a chosen set of images beside the whole set, overall and per class.

A slice is a tag, a review status, the image table's current filter, or a class present. The
panel emits ``slice_requested(kind, value)``; the wiring computes the rows and hands back
``compute.slice_metrics`` (the engine's ``detection_eval`` / ``semantic_eval`` on those rows).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QVBoxLayout, QWidget

from reviewer.ui.widgets.class_search import searchable

from .common import Cell, PanelHeader, fill_table, make_table

KINDS = (("Tag", "tag"), ("Review status", "status"), ("Image table filter", "filter"),
         ("Class present", "class"))
STATUSES = (("Unreviewed", "unreviewed"), ("Reviewed", "reviewed"),
            ("Needs second look", "needs-second-look"), ("Skipped", "skipped"))


class SlicesPanel(QWidget):
    """Signals: ``slice_requested(str kind, str value)``."""

    slice_requested = Signal(str, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.kind = QComboBox(self, toolTip="What defines the slice")
        for text, value in KINDS:
            self.kind.addItem(text, value)
        self.value = searchable(QComboBox(self, toolTip="Which tag, status or class (type to "
                                          "search)", minimumWidth=160))
        self.header = PanelHeader(self, self.kind, self.value)
        self.table = make_table(self)
        self.table.setSortingEnabled(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.table, 1)
        self.tags: list[str] = []
        self.classes: list[str] = []
        self.result: dict | None = None
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.value.currentIndexChanged.connect(self._emit)

    def set_choices(self, tags, classes) -> None:
        self.tags, self.classes = list(tags), list(classes)
        self._fill_values()

    def choose(self, kind: str, value: str = "") -> None:
        """Select a slice programmatically (emits ``slice_requested``)."""
        with QSignalBlocker(self.kind):
            self.kind.setCurrentIndex(max(self.kind.findData(kind), 0))
        self._fill_values()
        if value:
            self.value.setCurrentIndex(max(self.value.findData(value), 0))
        self._emit()

    def current(self) -> tuple[str, str]:
        return self.kind.currentData(), self.value.currentData() or ""

    def _on_kind_changed(self) -> None:
        self._fill_values()
        self._emit()

    def _fill_values(self) -> None:
        kind = self.kind.currentData()
        items = {"tag": [(t, t) for t in self.tags], "status": list(STATUSES),
                 "filter": [("(the rows listed now)", "")],
                 "class": [(c, c) for c in self.classes]}[kind]
        old = self.value.currentData()
        with QSignalBlocker(self.value):
            self.value.clear()
            for text, value in items:
                self.value.addItem(text, value)
            self.value.setCurrentIndex(max(self.value.findData(old), 0))
        self.value.setEnabled(kind != "filter")

    def _emit(self, *_) -> None:
        kind, value = self.current()
        if kind == "filter" or value:
            self.slice_requested.emit(kind, value)

    def set_result(self, title: str, result: dict | None) -> None:
        self.result = result
        if result is None:
            fill_table(self.table, ("Class",), [])
            self.header.set_text(title)
            return
        name = result["metric_name"]
        n, total = result["images"], result["images_all"]
        detection = name.startswith("AP")
        headers = ["Class", f"{name} slice", f"{name} all", "Δ", "Images in slice",
                   "Images overall"]
        if detection:
            headers[4:4] = ["AP50 slice", "AP50 all"]
        rows = [_row("All classes", *result["overall"], n, total, detection)]
        rows += [_row(*c, detection) for c in result["classes"]]
        fill_table(self.table, headers, rows)
        self.header.set_text(f"{title}: {n} of {total} images")


def _row(name, v, all_v, v50, all50, n, total, detection) -> list:
    delta = Cell(None) if v is None or all_v is None else Cell(v - all_v, f"{v - all_v:+.3f}")
    row = [name, v, all_v, delta, n, total]
    if detection:
        row[4:4] = [v50, all50]
    return row
