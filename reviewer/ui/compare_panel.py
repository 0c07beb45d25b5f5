"""The Compare Models panel: two models of the task side by side, from ``compare_payload``.

It shows what ``reviewer compare`` prints, from the same payload: the headline metric of A and B
with B − A, its paired-bootstrap 95 % interval and the share of resamples where B is better; the
image counts (improved / regressed / unchanged, classification fixed / broken); a per-class table
(A, B, B − A of the task's class metric), the difference of the confusion matrices (B − A: on
the diagonal more is better, off it fewer) and a per-image table (A's error, B's error, B − A),
sorted most regressed first and filtered by outcome. Clicking an image row asks for that image
(``image_requested(row)``: the row of the session's table); "Show B" asks the window to show
model B (``model_requested(name)``).

"A | B on the canvas" (checkable) asks for the two models' predictions side by side on the
canvas (``panes_toggled(on)``).

Signals: ``compare_requested(a, b)``, ``image_requested(row)``, ``model_requested(name)``,
``panes_toggled(bool)``.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

BETTER, WORSE = QColor(0, 128, 0), QColor(190, 30, 30)
OUTCOMES = ("all", "improved", "regressed", "unchanged", "fixed", "broken", "both_wrong")


class _Number(QTableWidgetItem):
    """A cell sorted by its number (None last)."""

    def __init__(self, value, digits: int = 3, signed: bool = False):
        text = "n/a" if value is None else (f"{value:+.{digits}f}" if signed and value != 0
                                             else f"{value:.{digits}f}")
        super().__init__(text)
        self.value = -math.inf if value is None else float(value)
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other) -> bool:
        return self.value < getattr(other, "value", -math.inf)


class ComparePanel(QWidget):
    compare_requested = Signal(str, str)
    image_requested = Signal(int)
    model_requested = Signal(str)
    panes_toggled = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.payload: dict | None = None
        self._can_run = False
        self.outcomes: dict[str, np.ndarray] = {}
        self.a_box, self.b_box = QComboBox(self), QComboBox(self)
        self.run_button = QPushButton("Compare", self, toolTip="Compare B with A: per class, "
                                      "per image, and a paired bootstrap (in the background)")
        self.run_button.clicked.connect(self._on_run_clicked)
        self.show_b = QPushButton("Show B", self, enabled=False,
                                  toolTip="Show model B's predictions in the window")
        self.show_b.clicked.connect(lambda: self.model_requested.emit(self.b_box.currentText()))
        self.panes_button = QPushButton("A | B on the canvas", self, enabled=False,
                                        checkable=True, toolTip="The image with A's predictions "
                                        "beside B's, zoom and pan in sync")
        self.panes_button.toggled.connect(self.panes_toggled)
        self.progress = QProgressBar(self, maximumWidth=160, visible=False, textVisible=True)
        self.headline = QLabel("Choose two models and press Compare.", self, wordWrap=True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts = QLabel("", self, wordWrap=True)
        self.outcome_box = QComboBox(self, toolTip="Which images the list shows")
        self.outcome_box.currentIndexChanged.connect(self._fill_images)
        self.classes = _table(self, ["class", "A", "B", "B − A"])
        self.confusion = _table(self, [])
        self.confusion.setSortingEnabled(False)
        self.confusion.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.classes, "Per class")
        self.tabs.addTab(self.confusion, "Confusion B − A")
        self.images = _table(self, ["image", "A error", "B error", "B − A"])
        self.images.cellClicked.connect(self._on_images_cell_clicked)
        self._layout()

    def _layout(self) -> None:
        top = QHBoxLayout()
        for w in (QLabel("A", self), self.a_box, QLabel("B", self), self.b_box, self.run_button,
                  self.panes_button, self.show_b, self.progress):
            top.addWidget(w)
        top.addStretch(1)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Images:", right))
        row.addWidget(self.outcome_box, 1)
        column.addLayout(row)
        column.addWidget(self.images, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.tabs)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.headline)
        layout.addWidget(self.counts)
        layout.addWidget(split, 1)

    # --- inputs -----------------------------------------------------------------------------
    def set_models(self, names: list[str], current: str | None) -> None:
        """The task's models; A defaults to the first, B to the current one (or the second)."""
        for box in (self.a_box, self.b_box):
            box.blockSignals(True)
            box.clear()
            box.addItems(names)
            box.blockSignals(False)
        if len(names) >= 2:
            b = current if current in names and current != names[0] else names[1]
            self.a_box.setCurrentText(names[0])
            self.b_box.setCurrentText(b)
        self._can_run = len(names) >= 2
        self.run_button.setEnabled(self._can_run)
        if len(names) < 2:
            self.headline.setText("This task has one model: add another with `reviewer models "
                                  "PROJECT add NAME PATH` to compare.")

    def _on_run_clicked(self) -> None:
        a, b = self.a_box.currentText(), self.b_box.currentText()
        if a == b:
            self.headline.setText("Choose two different models.")
            return
        self.compare_requested.emit(a, b)

    def set_busy(self, busy: bool, text: str = "") -> None:
        self.progress.setVisible(busy)
        self.run_button.setEnabled(not busy and self._can_run)
        if busy:
            self.progress.setRange(0, 0)
            self.headline.setText(text or "Comparing…")

    def set_progress(self, stage: str, done: int, total: int) -> None:
        self.progress.setFormat(f"{stage} %v/%m" if total > 1 else stage)
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        self.headline.setText(f"Could not compare: {message}")

    # --- results ----------------------------------------------------------------------------
    def set_result(self, payload: dict | None, outcomes: dict[str, np.ndarray] | None = None
                   ) -> None:
        """Show ``payload`` (``compare_payload``; None clears); ``outcomes``: (N,) bool per
        outcome for the image filter (``image_outcomes``)."""
        self.set_busy(False)
        self.payload, self.outcomes = payload, outcomes or {}
        self.show_b.setEnabled(payload is not None)
        self.panes_button.setEnabled(payload is not None)
        if payload is None:
            self.panes_button.setChecked(False)
        if payload is None:
            if self._can_run:
                self.headline.setText("Choose two models and press Compare.")
            self.counts.setText("")
            self.classes.setRowCount(0)
            self.confusion.setRowCount(0)
            self.confusion.setColumnCount(0)
            self.images.setRowCount(0)
            return
        self.headline.setText(headline_text(payload))
        self.counts.setText(counts_text(payload))
        self._fill_classes()
        self._fill_confusion()
        self.outcome_box.blockSignals(True)
        self.outcome_box.clear()
        for key in (k for k in OUTCOMES if k == "all" or k in self.outcomes):
            n = len(payload["images"]["per_image"]) if key == "all" \
                else int(self.outcomes[key].sum())
            self.outcome_box.addItem(f"{key.replace('_', ' ')} ({n})", key)
        self.outcome_box.blockSignals(False)
        self._fill_images()

    def _fill_classes(self) -> None:
        from reviewer import tasks
        p = self.payload
        key = tasks.get(p["task"]).class_metric
        a, b = p["models"][:2]
        self.classes.setHorizontalHeaderLabels([f"class ({key})", a, b, "B − A"])
        self.classes.setSortingEnabled(False)
        self.classes.setRowCount(len(p["per_class"]))
        for r, (name, per) in enumerate(p["per_class"].items()):
            delta = p["per_class_delta"].get(name, {}).get(key)
            self.classes.setItem(r, 0, QTableWidgetItem(name))
            self.classes.setItem(r, 1, _Number((per.get(a) or {}).get(key)))
            self.classes.setItem(r, 2, _Number((per.get(b) or {}).get(key)))
            self.classes.setItem(r, 3, _delta_item(delta, True))  # class metrics: higher is better
        self.classes.setSortingEnabled(True)
        self.classes.sortItems(3, Qt.SortOrder.AscendingOrder)  # the class B hurt most first

    def _fill_confusion(self) -> None:
        conf = self.payload.get("confusion")
        t = self.confusion
        if not conf or conf.get("delta") is None:
            t.setRowCount(0)
            t.setColumnCount(0)
            return
        delta, labels = conf["delta"], [str(x) for x in conf["labels"] or []]
        a, b = (conf["matrices"][m] for m in self.payload["models"][:2])
        t.setRowCount(len(delta))
        t.setColumnCount(len(delta[0]) if delta else 0)
        t.setHorizontalHeaderLabels(labels[:t.columnCount()])
        t.setVerticalHeaderLabels(labels[:t.rowCount()])
        t.verticalHeader().show()
        for r, row in enumerate(delta):
            for col, value in enumerate(row):
                item = _delta_item(value, r == col, digits=0)
                item.setToolTip(f"{conf.get('rows', 'rows')} {labels[r]} → "
                                f"{conf.get('columns', 'columns')} {labels[col]}: "
                                f"A {a[r][col]}, B {b[r][col]}")
                t.setItem(r, col, item)

    def _fill_images(self) -> None:
        p = self.payload
        if p is None:
            return
        key = self.outcome_box.currentData() or "all"
        rows = p["images"]["per_image"]
        keep = self.outcomes.get(key) if key != "all" else None
        chosen = [i for i in range(len(rows)) if keep is None or keep[i]]
        a, b = p["models"][:2]
        self.images.setHorizontalHeaderLabels(["image", f"{a} error", f"{b} error", "B − A"])
        self.images.setSortingEnabled(False)
        self.images.setRowCount(len(chosen))
        for r, i in enumerate(chosen):
            row = rows[i]
            name = QTableWidgetItem(row["file_name"])
            name.setData(Qt.ItemDataRole.UserRole, i)
            self.images.setItem(r, 0, name)
            self.images.setItem(r, 1, _Number(row["error"][a]))
            self.images.setItem(r, 2, _Number(row["error"][b]))
            self.images.setItem(r, 3, _delta_item(row["delta"], False))
        self.images.setSortingEnabled(True)
        self.images.sortItems(3, Qt.SortOrder.DescendingOrder)  # most regressed first

    def _on_images_cell_clicked(self, r: int, _column: int) -> None:
        item = self.images.item(r, 0)
        if item is not None:
            self.image_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))


def headline_text(p: dict) -> str:
    """One sentence: metric of A and B, B − A, its 95 % interval, the share where B wins."""
    d = p["difference"]
    a, b = p["models"][:2]
    lo, hi = d["ci95"]

    def num(v, sign=""):
        return "n/a" if v is None else f"{v:{sign}.3f}"
    share = "n/a" if d["p_b_better"] is None else f"{100 * d['p_b_better']:.1f} %"
    return (f"{d['metric']}: {a} {num(d['a'])}, {b} {num(d['b'])}; B − A = "
            f"{num(d['value'], '+')}, 95 % interval [{num(lo, '+')}, {num(hi, '+')}]; "
            f"B better in {share} of {d['resamples']} paired resamples (seed {d['seed']})")


def counts_text(p: dict) -> str:
    im = p["images"]
    parts = [f"{im[k]} {k}" for k in ("improved", "regressed", "unchanged")]
    if "fixed" in im:
        parts += [f"{im[k]} {k.replace('_', ' ')}" for k in ("fixed", "broken", "both_wrong",
                                                             "both_right")]
    if im.get("not_compared"):
        parts.append(f"{im['not_compared']} not compared")
    return "Images (B vs A, the table's error): " + ", ".join(parts)


def _delta_item(delta, good_when_high: bool, digits: int = 3) -> _Number:
    item = _Number(delta, digits=digits, signed=True)
    if delta is not None and delta != 0:
        better = (delta > 0) == good_when_high
        item.setForeground(BETTER if better else WORSE)
    return item


def _table(parent, headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers), parent)
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    rows = t.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(t.fontMetrics().height() + 6)
    t.setWordWrap(False)
    header = t.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    t.setSortingEnabled(True)
    return t
