"""The history panel: the undo stack's labels, oldest first, then the redo stack greyed out.

Clicking an entry emits ``index_requested(n)``: the controller undoes or redoes until ``n``
commands are applied.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget

ORIGIN = "Opened project"


class HistoryPanel(QWidget):
    """Signals: ``index_requested(int)`` (number of commands to keep applied)."""

    index_requested = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.list = QListWidget(self)
        self.list.setUniformItemSizes(True)
        self.list.itemClicked.connect(self._on_list_item_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)

    def set_history(self, undo_labels: list[str], redo_labels: list[str]) -> None:
        """``undo_labels`` oldest first; ``redo_labels`` next redo first."""
        self.list.clear()
        disabled = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for n, label in enumerate([ORIGIN] + list(undo_labels) + list(redo_labels)):
            item = QListWidgetItem(label[:1].upper() + label[1:])
            item.setData(Qt.ItemDataRole.UserRole, n)
            if n > len(undo_labels):
                item.setForeground(disabled)
                item.setToolTip("Undone: click to redo up to here")
            else:
                item.setToolTip("Click to undo back to here")
            self.list.addItem(item)
        current = self.list.item(len(undo_labels))
        self.list.setCurrentItem(current)
        self.list.scrollToItem(current)

    def labels(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _on_list_item_clicked(self, item: QListWidgetItem) -> None:
        self.index_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))
