"""The per-source class list of the layers panel: checkable rows with colour swatch and count."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyledItemDelegate,
    QTreeWidget,
    QTreeWidgetItem,
)

MAX_VISIBLE_ROWS = 12
NAME, COUNT = 0, 1
COLOUR_ROLE = Qt.ItemDataRole.UserRole
SHOWN_ROLE = Qt.ItemDataRole.UserRole + 1


def to_qcolor(colour) -> QColor:
    """``"#rrggbb"``, a QColor, or an (r,g,b) triple of 0..255 ints -> QColor."""
    if isinstance(colour, QColor):
        return QColor(colour)
    if isinstance(colour, str):
        return QColor(colour)
    r, g, b = (int(v) for v in list(colour)[:3])
    return QColor(r, g, b)


def swatch_icon(colour: QColor, size: int = 12, filled: bool = True) -> QIcon:
    """A small rounded square with a thin darker border, for a class or tag colour; hollow
    (a thick coloured ring) when ``filled`` is False, e.g. for a hidden class."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if filled:
        painter.setPen(colour.darker(160))
        painter.setBrush(colour)
        painter.drawRoundedRect(0.5, 0.5, size - 1.0, size - 1.0, 2.5, 2.5)
    else:
        painter.setPen(QPen(colour, 2.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(1.0, 1.0, size - 2.0, size - 2.0, 2.5, 2.5)
    painter.end()
    return QIcon(pixmap)


def counts_by_index(counts, names: Sequence[str]) -> list[int | None]:
    """Counts per class index from a mapping (index or name -> n), a sequence of length K, or
    None (no counts: every entry None)."""
    if counts is None:
        return [None] * len(names)
    if isinstance(counts, Mapping):
        return [int(counts.get(i, counts.get(name, 0))) for i, name in enumerate(names)]
    values = [int(v) for v in counts]
    return [values[i] if i < len(values) else 0 for i in range(len(names))]


class RoomyDelegate(QStyledItemDelegate):
    """The default delegate with a few pixels more height per row (easier to hit)."""

    EXTRA = 4

    def sizeHint(self, option, index):
        size = super().sizeHint(option, index)
        return QSize(size.width(), size.height() + self.EXTRA)


def fit_rows_height(view: QTreeWidget, max_rows: int | None = None) -> int:
    """Height showing the first ``max_rows`` rows (all when None) without a scroll bar."""
    n = view.topLevelItemCount()
    rows = n if max_rows is None else min(n, max_rows)
    total = sum(view.sizeHintForRow(i) for i in range(rows))
    if rows == 0:
        total = view.fontMetrics().height() + RoomyDelegate.EXTRA
    return total + 2 * view.frameWidth()


class ClassList(QTreeWidget):
    """Classes of one source, each checkable, with swatch, name and a right-aligned count.

    Emits ``visibility_changed`` when the user checks or unchecks classes (not from setters),
    ``only_requested(class index)`` on a double-click of a row or its context menu's "Show only"
    (for GT and predictions at once) and ``all_requested()`` from the menu's "Show all".
    """

    visibility_changed = Signal()
    only_requested = Signal(int)
    all_requested = Signal()

    def __init__(self, source_label: str, parent=None):
        super().__init__(parent)
        self._source_label = source_label
        self._updating = False
        self.setColumnCount(2)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setItemDelegate(RoomyDelegate(self))
        self.setIconSize(QSize(12, 12))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COUNT, QHeaderView.ResizeMode.ResizeToContents)
        self.itemChanged.connect(self._on_item_changed)
        self.itemDoubleClicked.connect(self._on_item_double_clicked)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu_requested)
        self._fit_height()

    # --- setters (no signals) ---------------------------------------------------------------
    def set_classes(self, names: Sequence[str], colors: Sequence) -> None:
        """Rebuild the rows; classes keep their check state by name, new classes are checked."""
        hidden = {self.topLevelItem(i).text(NAME) for i in range(self.topLevelItemCount())
                  if self.topLevelItem(i).checkState(NAME) != Qt.CheckState.Checked}
        self._updating = True
        self.clear()
        for i, name in enumerate(names):
            colour = to_qcolor(colors[i]) if i < len(colors) else QColor("gray")
            item = QTreeWidgetItem([str(name), ""])
            item.setData(NAME, COLOUR_ROLE, colour)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = str(name) not in hidden
            item.setCheckState(NAME, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self._refresh_swatch(item)
            item.setTextAlignment(COUNT, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(NAME, f"Show or hide {self._source_label} of class “{name}”")
            self.addTopLevelItem(item)
        self._updating = False
        self._fit_height()

    def set_counts(self, counts: list[int | None]) -> None:
        """One count per row (None: unknown, shown blank); rows with 0 are dimmed."""
        dim = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        self._updating = True
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            n = counts[i] if i < len(counts) else None
            item.setText(COUNT, "" if n is None else str(n))
            item.setData(COUNT, Qt.ItemDataRole.ForegroundRole, dim if n == 0 else None)
            item.setData(NAME, Qt.ItemDataRole.ForegroundRole, dim if n == 0 else None)
        self._updating = False

    def set_visible_classes(self, classes: frozenset[int] | None) -> None:
        self._updating = True
        for i in range(self.topLevelItemCount()):
            on = classes is None or i in classes
            self.topLevelItem(i).setCheckState(
                NAME, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self._refresh_swatch(self.topLevelItem(i))
        self._updating = False

    # --- queries and user actions -------------------------------------------------------
    def visible_classes(self) -> frozenset[int] | None:
        """Checked class indices, or None when every class is checked (= all, also new ones)."""
        on = frozenset(i for i in range(self.topLevelItemCount())
                       if self.topLevelItem(i).checkState(NAME) == Qt.CheckState.Checked)
        return None if len(on) == self.topLevelItemCount() else on

    def check_all(self, on: bool) -> None:
        """The "All" / "None" buttons: one ``visibility_changed`` if anything changed. When a
        filter hides rows, only the rows listed change."""
        before = self.visible_classes()
        items = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        self._updating = True
        for item in items:
            if not item.isHidden():
                item.setCheckState(NAME, state)
                self._refresh_swatch(item)
        self._updating = False
        if self.visible_classes() != before:
            self.visibility_changed.emit()

    def item_for(self, name: str) -> QTreeWidgetItem | None:
        found = self.findItems(name, Qt.MatchFlag.MatchExactly, NAME)
        return found[0] if found else None

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._updating or column != NAME:
            return
        self._updating = True
        changed = self._refresh_swatch(item)
        self._updating = False
        if changed:
            self.visibility_changed.emit()

    def _on_item_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        self.only_requested.emit(self.indexOfTopLevelItem(item))

    def _on_context_menu_requested(self, pos) -> None:
        item = self.itemAt(pos)
        if item is None:
            return
        row = self.indexOfTopLevelItem(item)
        menu = QMenu(self)
        menu.addAction(f"Show Only “{item.text(NAME)}” (GT and Predictions)",
                       lambda: self.only_requested.emit(row)).setShortcut("I")
        menu.addAction("Show All Classes", self.all_requested.emit).setShortcut("Shift+I")
        menu.exec(self.viewport().mapToGlobal(pos))

    @staticmethod
    def _refresh_swatch(item: QTreeWidgetItem) -> bool:
        """Filled swatch for a shown class, hollow for a hidden one; True when it changed."""
        shown = item.checkState(NAME) == Qt.CheckState.Checked
        if item.data(NAME, SHOWN_ROLE) == shown:
            return False
        item.setData(NAME, SHOWN_ROLE, shown)
        item.setIcon(NAME, swatch_icon(item.data(NAME, COLOUR_ROLE), filled=shown))
        return True

    def _fit_height(self) -> None:
        self.setFixedHeight(fit_rows_height(self, MAX_VISIBLE_ROWS))
