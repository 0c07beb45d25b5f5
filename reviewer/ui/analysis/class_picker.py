"""Choosing classes in a chart panel when there may be 2 or 150 of them: type to search.

``ClassCombo`` picks one class: an editable combo box whose completer matches any part of the
name (``cat`` finds ``wildcat``). ``ClassChecklist`` picks several: a search line over a list of
tick boxes, each class named with its count of labelled images; ``changed()`` after a tick.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

DEFAULT_TICKED = 5  # classes drawn at first when there are more (the most labelled ones)


def swatch(color: str) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(QColor(color))
    return QIcon(pix)


class ClassCombo(QComboBox):
    """One class, chosen from a list or by typing part of its name. ``chosen(int)``."""

    chosen = Signal(int)

    def __init__(self, parent=None, tip: str = "Type to search"):
        super().__init__(parent, toolTip=tip, minimumWidth=140)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        completer = self.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.activated.connect(self._on_activated)
        self.lineEdit().editingFinished.connect(self._on_editing_finished)
        self._last = -1

    def set_classes(self, names: list[str], current: int = 0) -> None:
        with QSignalBlocker(self):
            self.clear()
            self.addItems(list(names))
            self.setCurrentIndex(current if 0 <= current < len(names) else -1)
        self._last = self.currentIndex()

    def current_class(self) -> int:
        return self.currentIndex()

    def choose(self, k: int) -> None:
        """Select class ``k`` as a user would (emits ``chosen``)."""
        self.setCurrentIndex(k)
        self._on_activated(k)

    def _on_activated(self, k: int) -> None:
        if k >= 0 and k != self._last:
            self._last = k
            self.chosen.emit(k)

    def _on_editing_finished(self) -> None:
        k = self.findText(self.currentText(), Qt.MatchFlag.MatchFixedString)
        if k < 0:  # not a class name: back to the class shown before
            with QSignalBlocker(self):
                self.setCurrentIndex(self._last)
            return
        self.setCurrentIndex(k)
        self._on_activated(k)


class ClassChecklist(QWidget):
    """Several classes: a search line and tick boxes. ``changed()`` after the ticks change."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.search = QLineEdit(self, placeholderText="Search classes…", clearButtonEnabled=True)
        self.list = QListWidget(self, toolTip="Tick the classes to draw")
        self.list.setUniformItemSizes(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.list.itemChanged.connect(lambda _: self.changed.emit())
        self.names: list[str] = []

    def set_classes(self, names, colors, counts, ticked) -> None:
        """names (K,), colors (K,) '#rrggbb', counts (K,) labelled images, ticked: indices.
        Ticks of classes kept from before stay as the user left them."""
        old = {self.list.item(i).data(Qt.ItemDataRole.UserRole + 1): self._ticked(i)
               for i in range(self.list.count())} if list(names) == self.names else {}
        self.names = list(names)
        with QSignalBlocker(self.list):
            self.list.clear()
            for k, name in enumerate(self.names):
                item = QListWidgetItem(swatch(colors[k]), f"{name}  ({counts[k]:,})", self.list)
                item.setData(Qt.ItemDataRole.UserRole + 1, k)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                on = old.get(k, k in ticked)
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                item.setToolTip(f"{name}: {counts[k]:,} labelled images")
        self._on_search_text_changed(self.search.text())

    def _ticked(self, i: int) -> bool:
        return self.list.item(i).checkState() == Qt.CheckState.Checked

    def ticked(self) -> list[int]:
        """The ticked classes, in class order."""
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole + 1)
                for i in range(self.list.count()) if self._ticked(i)]

    def set_ticked(self, classes) -> None:
        """Tick exactly ``classes`` (emits ``changed`` once)."""
        wanted = set(classes)
        with QSignalBlocker(self.list):
            for i in range(self.list.count()):
                k = self.list.item(i).data(Qt.ItemDataRole.UserRole + 1)
                self.list.item(i).setCheckState(
                    Qt.CheckState.Checked if k in wanted else Qt.CheckState.Unchecked)
        self.changed.emit()

    def _on_search_text_changed(self, text: str) -> None:
        needle = text.strip().casefold()
        for i in range(self.list.count()):
            name = self.names[self.list.item(i).data(Qt.ItemDataRole.UserRole + 1)]
            self.list.item(i).setHidden(bool(needle) and needle not in name.casefold())


def default_ticked(counts) -> list[int]:
    """Every class when there are few, else the most labelled ones (stable order)."""
    k = len(counts)
    if k <= DEFAULT_TICKED:
        return list(range(k))
    order = sorted(range(k), key=lambda j: (-int(counts[j]), j))
    return sorted(order[:DEFAULT_TICKED])
