"""The class picker: a small popup list of the classes with a type-to-search filter.

It opens with the search field focused and empty, the list at its top and no class chosen (the
object's own class is only marked "current"): a stray Enter picks nothing, and the reviewer
reads the class they choose instead of confirming the one shown. Typing filters the list
(case-insensitive substring; the first match becomes current), Up/Down move through the
matches, Enter or a double-click chooses, Esc closes. ``chosen(row)`` carries the class's row
(a category row for detection).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

_ROW = Qt.ItemDataRole.UserRole
_NAME = Qt.ItemDataRole.UserRole + 1


class ClassPickerPopup(QFrame):
    chosen = Signal(int)

    def __init__(self, names, current: int = -1, parent=None):
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.filter = QLineEdit(self, placeholderText="Type to filter classes…")
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        for row, name in enumerate(names):
            hint = f"Alt+{row + 1}  " if row < 9 else ""
            item = QListWidgetItem(f"{name}", self.list)
            item.setData(_ROW, row)
            item.setData(_NAME, str(name))
            item.setToolTip(f"{hint}{name}".strip())
            if row == current:
                item.setText(f"{name}  (current)")
                item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.filter)
        layout.addWidget(self.list)
        self.filter.textChanged.connect(self._on_filter_text_changed)
        self.filter.returnPressed.connect(self.accept_current)
        self.list.itemActivated.connect(self._on_list_item_activated)
        self.filter.installEventFilter(self)
        self.list.setCurrentRow(-1)  # nothing chosen until the reviewer types or moves
        self.list.scrollToTop()
        self.resize(240, min(360, 60 + 22 * max(len(names), 3)))

    def popup_at(self, global_pos: QPoint) -> None:
        self.move(global_pos)
        self.show()
        self.activateWindow()
        self.filter.setFocus()

    def visible_rows(self) -> list[int]:
        """Class rows still listed under the filter."""
        return [self.list.item(i).data(_ROW) for i in range(self.list.count())
                if not self.list.item(i).isHidden()]

    def accept_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            self.chosen.emit(int(item.data(_ROW)))
            self.close()

    def eventFilter(self, obj, event):
        if obj is self.filter and event.type() == QEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._step(-1 if event.key() == Qt.Key.Key_Up else 1)
            return True
        return super().eventFilter(obj, event)

    def _step(self, direction: int) -> None:
        shown = [i for i in range(self.list.count()) if not self.list.item(i).isHidden()]
        if not shown:
            return
        now = self.list.currentRow()
        pos = shown.index(now) + direction if now in shown else 0
        self.list.setCurrentRow(shown[min(max(pos, 0), len(shown) - 1)])

    def _on_filter_text_changed(self, text: str) -> None:
        needle = text.strip().lower()
        first = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.data(_NAME).lower())
            if first is None and not item.isHidden():
                first = i
        if not needle:  # back to the opening state: nothing chosen
            self.list.setCurrentRow(-1)
            self.list.scrollToTop()
        elif first is not None:
            self.list.setCurrentRow(first)

    def _on_list_item_activated(self, item) -> None:
        self.list.setCurrentItem(item)
        self.accept_current()
