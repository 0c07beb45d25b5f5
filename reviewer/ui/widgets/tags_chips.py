"""Tags as a wrapping row of checkable chips (colour swatch + name): the compact tag list of the
selected object."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QLayout, QLayoutItem, QSizePolicy, QWidget

from reviewer.core.tags import name_key
from reviewer.ui.widgets.layers_class_list import swatch_icon, to_qcolor


class FlowLayout(QLayout):
    """Lays items left to right, wrapping to a new line when the width runs out."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, move: bool) -> int:
        """Place (or only measure) the items in ``rect``; returns the height used."""
        x, y, line_h = rect.x(), rect.y(), 0
        gap = self.spacing()
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and line_h > 0:
                x, y, line_h = rect.x(), y + line_h + gap, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + gap
            line_h = max(line_h, hint.height())
        return y + line_h - rect.y()


class TagChips(QWidget):
    """One checkbox chip per tag. ``toggled(name, checked)`` on user toggles, never from setters.
    Same query/toggle API as ``TagList``."""

    toggled = Signal(str, bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._chips: dict[str, QCheckBox] = {}
        self._flow = FlowLayout(self, spacing=6)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_tags(self, tags: list, _hotkeys=None) -> None:
        """Rebuild the chips, keeping check states by name."""
        checked = {name_key(n) for n in self.checked_names()}
        for chip in self._chips.values():
            self._flow.removeWidget(chip)
            chip.deleteLater()
        self._chips = {}
        for tag in tags:
            chip = QCheckBox(tag.name.replace("&", "&&"), self)
            chip.setProperty("tag_name", tag.name)
            chip.setIcon(swatch_icon(to_qcolor(tag.colour)))
            description = getattr(tag, "description", "") or ""
            chip.setToolTip(tag.name + (f" — {description}" if description else ""))
            chip.setChecked(name_key(tag.name) in checked)
            chip.toggled.connect(lambda on, name=tag.name: self.toggled.emit(name, on))
            self._flow.addWidget(chip)
            self._chips[name_key(tag.name)] = chip
        self.updateGeometry()

    def set_checked_names(self, names: Iterable[str]) -> None:
        keys = {name_key(n) for n in names}
        for key, chip in self._chips.items():
            chip.blockSignals(True)
            chip.setChecked(key in keys)
            chip.blockSignals(False)

    def chip_for(self, name: str) -> QCheckBox | None:
        try:
            return self._chips.get(name_key(name))
        except ValueError:
            return None

    def is_checked(self, name: str) -> bool:
        chip = self.chip_for(name)
        return chip is not None and chip.isChecked()

    def checked_names(self) -> set[str]:
        return {chip.property("tag_name") for chip in self._chips.values() if chip.isChecked()}

    def toggle(self, name: str, checked: bool | None = None) -> bool:
        """Toggle (or set) a chip as the user would (emits ``toggled`` when it changes)."""
        chip = self.chip_for(name)
        if chip is None:
            return False
        chip.setChecked(not chip.isChecked() if checked is None else bool(checked))
        return True

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._flow.heightForWidth(width)
