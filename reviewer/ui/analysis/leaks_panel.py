"""Leaks panel: the pairs of ``reviewer splits --check`` to look at side by side.

Header: the split column, the group column (or none) and *Check* (the check runs in the
background: hashing shows its progress; hashes are cached beside the project). The table lists
each pair (images, partitions, reason, distance or group); selecting one shows both images side
by side, each with *Tag 'leak'* and *Move to <the other partition>* (both undoable commands of
the review). Signals: ``check_requested()``, ``pair_selected(i, j)`` (image rows),
``tag_requested(row)``, ``move_requested(row, split)``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .common import Cell, PanelHeader, fill_table, make_table

NO_GROUP = "(no group column)"
LEAK_TAG = "leak"


class _Side(QWidget):
    """One image of the pair: its picture, name and partition, and its two actions."""

    def __init__(self, parent, which: str):
        super().__init__(parent)
        self.picture = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter,
                              objectName=f"leak_{which}")
        self.picture.setMinimumHeight(120)
        self.caption = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.tag = QPushButton(f"Tag '{LEAK_TAG}'", self, objectName=f"leak_tag_{which}",
                               toolTip="Tag this image (an undoable command)")
        self.move = QPushButton("Move", self, objectName=f"leak_move_{which}",
                                toolTip="Put this image in the other image's partition")
        grid = QGridLayout(self)
        grid.setContentsMargins(2, 2, 2, 2)
        grid.addWidget(self.picture, 0, 0, 1, 2)
        grid.addWidget(self.caption, 1, 0, 1, 2)
        grid.addWidget(self.tag, 2, 0)
        grid.addWidget(self.move, 2, 1)
        self.row, self.other_split = -1, ""
        self.show_image(None, "", -1, "")

    def show_image(self, path: Path | None, caption: str, row: int, other_split: str) -> None:
        self.row, self.other_split = row, other_split
        pix = QPixmap(str(path)) if path is not None else QPixmap()
        if not pix.isNull():
            pix = pix.scaled(260, 180, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        self.picture.setPixmap(pix)
        if pix.isNull():
            self.picture.setText("(no image)" if row >= 0 else "")
        self.caption.setText(caption)
        self.move.setText(f"Move to {other_split}" if other_split else "Move")
        for b in (self.tag, self.move):
            b.setEnabled(row >= 0)


class LeaksPanel(QWidget):
    check_requested = Signal()
    pair_selected = Signal(int, int)
    tag_requested = Signal(int)
    move_requested = Signal(int, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.split_column = QComboBox(self, objectName="leaks_split", minimumWidth=110,
                                      toolTip="The column holding the partitions")
        self.group_by = QComboBox(self, objectName="leaks_group", minimumWidth=130,
                                  toolTip="Images sharing a value of this column (one "
                                          "object, patient, video) must stay together")
        self.check = QPushButton("Check", self, objectName="leaks_check",
                                 toolTip="Find duplicates, near-duplicates and shared groups "
                                         "across partitions (in the background)")
        self.check.clicked.connect(self.check_requested)
        self.progress = QProgressBar(self, maximumWidth=160, maximumHeight=14)
        self.progress.hide()
        self.header = PanelHeader(self, self.split_column, self.group_by, self.check,
                                  self.progress)
        self.table = make_table(self)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.left, self.right = _Side(self, "a"), _Side(self, "b")
        for side in (self.left, self.right):
            side.tag.clicked.connect(lambda _=False, s=side: self.tag_requested.emit(s.row))
            side.move.clicked.connect(
                lambda _=False, s=side: self.move_requested.emit(s.row, s.other_split))
        pair = QWidget(self)
        row = QGridLayout(pair)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.left, 0, 0)
        row.addWidget(self.right, 0, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(pair)
        split.setSizes([700, 540])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(split, 1)
        self.payload: dict | None = None
        self.paths = None  # image row -> Path
        self.header.set_text("Check a split for leaks: duplicates and shared groups across "
                             "partitions")

    def set_choices(self, names) -> None:
        names = list(names)
        for box, items, pick in ((self.split_column, names, "split"),
                                 (self.group_by, [NO_GROUP, *names], "")):
            old = box.currentText()
            with QSignalBlocker(box):
                box.clear()
                box.addItems(items)
                want = old if old in items else pick if pick in items else items[0] \
                    if items else ""
                box.setCurrentIndex(max(box.findText(want), 0))

    def options(self) -> tuple[str, str | None]:
        group = self.group_by.currentText()
        return self.split_column.currentText(), None if group in ("", NO_GROUP) else group

    def set_progress(self, stage: str, done: int, total: int) -> None:
        self.progress.setVisible(done < total)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{stage} %v/%m")

    def set_payload(self, payload: dict | None, paths=None, error: str = "") -> None:
        self.payload, self.paths = payload, paths
        self.progress.hide()
        if payload is None:
            fill_table(self.table, ("Image",), [])
            self.header.set_text(error, error=bool(error))
            return
        rows = [[Cell(a, a), sa, Cell(b, b), sb, e["reason"],
                 e.get("group") if e["reason"] == "group" else e["distance"]]
                for e in payload["leaks"]
                for (a, b), (sa, sb) in [(e["images"], e["splits"])]]
        fill_table(self.table, ("Image", "Partition", "Image", "Partition", "Reason",
                                "Bits apart / group"), rows)
        self.table.resizeColumnsToContents()
        per = ", ".join(f"{k}: {v}" for k, v in payload["per_pair"].items())
        n = len(payload["leaks"])
        self.header.set_text(f"{payload['images_checked']} images checked: {n} "
                             f"leak{'s' if n != 1 else ''}" + (f" ({per})" if per else "")
                             + f"; near-duplicate: ≤ {payload['max_distance']} of 256 bits")
        if n:
            self.table.selectRow(0)
        else:
            self._show(None)

    def _on_table_selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows() if self.payload else []
        self._show(self.payload["leaks"][rows[0].row()] if rows else None)

    def _show(self, e: dict | None) -> None:
        if e is None:
            self.left.show_image(None, "", -1, "")
            self.right.show_image(None, "", -1, "")
            return
        (i, j), (a, b), (sa, sb) = e["rows"], e["images"], e["splits"]
        path = self.paths or (lambda r: None)
        self.left.show_image(path(i), f"{a}\n{sa}", i, sb)
        self.right.show_image(path(j), f"{b}\n{sb}", j, sa)
        self.pair_selected.emit(i, j)
