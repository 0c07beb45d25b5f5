"""Pieces shared by the analysis panels: sortable number cells, bar cells, a panel header.

``fill_table(table, headers, rows)`` fills a ``QTableWidget`` from rows of values; a number is
shown formatted and sorted by value (``VALUE_ROLE`` holds the raw value, None for "n/a").
``BarDelegate`` draws a cell's value as a bar scaled to the column maximum (imbalance at a glance).
``PanelHeader`` is a row with a summary label, extra controls and a busy indicator.
``RowFilter(table)`` hides the rows whose first column does not contain the typed text (150
classes: find one by name).
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from reviewer.ui.widgets.sort_arrows import install_sort_arrows

VALUE_ROLE = Qt.ItemDataRole.UserRole + 7
SORT_ROLE = Qt.ItemDataRole.UserRole + 8  # a tuple to sort by, when not the value alone
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class Cell:
    """A table value with its text: ``Cell(0.4123, "41.2%")``; plain numbers format as given."""

    def __init__(self, value, text: str | None = None, tip: str = "", sort=None):
        self.value, self.text, self.tip, self.sort = value, text, tip, sort


class NumItem(QTableWidgetItem):
    """Sorts by ``VALUE_ROLE`` (numbers; missing values last in either order)."""

    def __lt__(self, other) -> bool:
        sort_a, sort_b = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if sort_a is not None and sort_b is not None:
            return tuple(sort_a) < tuple(sort_b)
        a, b = self.data(VALUE_ROLE), other.data(VALUE_ROLE)
        if isinstance(a, int | float) and isinstance(b, int | float):
            return a < b
        if isinstance(a, str) and isinstance(b, str):
            return a.casefold() < b.casefold()
        if (a is None) == (b is None):
            return False
        table = self.tableWidget()
        descending = table is not None and table.horizontalHeader().sortIndicatorOrder() \
            == Qt.SortOrder.DescendingOrder
        return a is None if descending else b is None


def fmt(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:.{digits}f}"


def pct(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{100 * v:.1f}%"


def num(v):
    """None for nan, else the value (for ``VALUE_ROLE``)."""
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def make_table(parent) -> QTableWidget:
    table = QTableWidget(parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
    install_sort_arrows(table.horizontalHeader())
    table.horizontalHeader().setHighlightSections(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


def fill_table(table: QTableWidget, headers, rows, tips=(), compact: bool = False) -> None:
    """Replace the content: ``headers`` (C,), ``rows`` of C values (str, number or ``Cell``).
    ``compact``: columns as narrow as their header (the tag name column 130 px)."""
    sorting = table.isSortingEnabled()
    table.setSortingEnabled(False)
    table.clear()
    table.setColumnCount(len(headers))
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels(list(headers))
    for c, tip in enumerate(tips):
        table.horizontalHeaderItem(c).setToolTip(tip)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, _item(value))
    table.setSortingEnabled(sorting)
    fit_columns(table, 130 if compact else 150, 48 if compact else 60)


def _item(value) -> NumItem:
    cell = value if isinstance(value, Cell) else Cell(value)
    v = num(cell.value)
    text = cell.text if cell.text is not None else (str(v) if isinstance(v, str) else fmt(v))
    item = NumItem(text)
    item.setData(VALUE_ROLE, v)
    if cell.sort is not None:
        item.setData(SORT_ROLE, list(cell.sort))
    if cell.tip:
        item.setToolTip(cell.tip)
    if not isinstance(v, str):
        item.setTextAlignment(_RIGHT)
    return item


def fit_columns(table: QTableWidget, first: int = 150, others: int = 60) -> None:
    header = table.horizontalHeader()
    fm = header.fontMetrics()
    for c in range(table.columnCount()):
        item = table.horizontalHeaderItem(c)
        width = fm.horizontalAdvance(item.text() if item else "") + 26
        header.resizeSection(c, max(width, first if c == 0 else others))


def column_values(table: QTableWidget, column: int) -> dict:
    """{first-column text: VALUE_ROLE of ``column``} (for tests and lookups)."""
    out = {}
    for r in range(table.rowCount()):
        out[table.item(r, 0).text()] = table.item(r, column).data(VALUE_ROLE)
    return out


class BarDelegate(QStyledItemDelegate):
    """Draws a bar of ``value / max`` behind the number (for counts); the max is taken over
    ``columns`` (e.g. GT and prediction counts share one scale, so imbalance shows)."""

    def __init__(self, color: str, parent=None, columns: tuple[int, ...] = ()):
        super().__init__(parent)
        self.color = QColor(color)
        self.color.setAlpha(110)
        self.columns = columns

    def paint(self, painter, option, index) -> None:
        table = self.parent()
        value = index.data(VALUE_ROLE)
        top = max(((table.item(r, c).data(VALUE_ROLE) or 0) for c in
                   (self.columns or (index.column(),)) for r in range(table.rowCount())),
                  default=0)
        if isinstance(value, int | float) and top > 0:
            rect = option.rect.adjusted(2, 3, -2, -3)
            rect.setWidth(max(1, int(rect.width() * value / top)))
            painter.fillRect(rect, self.color)
        super().paint(painter, option, index)


class PanelHeader(QWidget):
    """Summary text on the left, ``controls`` on the right, a busy bar while computing."""

    def __init__(self, parent=None, *controls):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        self.summary = QLabel(self, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setWordWrap(True)
        row.addWidget(self.summary, 1)
        for w in controls:
            row.addWidget(w)
        self.busy = QProgressBar(self, maximumWidth=110, maximumHeight=12, textVisible=False)
        self.busy.setRange(0, 0)
        self.busy.setToolTip("Computing in the background…")
        self.busy.hide()
        row.addWidget(self.busy)

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)

    def set_text(self, text: str, error: bool = False) -> None:
        self.summary.setText(text)
        colour = "#c0392b" if error else self.palette().color(QPalette.ColorRole.Text).name()
        self.summary.setStyleSheet(f"color: {colour}")


class RowFilter(QLineEdit):
    """A filter box over ``table``'s rows by their first column (case-insensitive substring;
    Esc clears). ``apply()`` again after the table was refilled."""

    def __init__(self, table: QTableWidget, placeholder: str = "Filter classes…", parent=None):
        super().__init__(parent, placeholderText=placeholder, maximumWidth=180)
        self.setToolTip("Show only the rows whose name contains this text (Esc clears)")
        self.table = table
        self.textChanged.connect(self.apply)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)

    def apply(self, *_) -> None:
        needle = self.text().strip().casefold()
        table = self.table
        for r in range(table.rowCount()):
            item = table.item(r, 0)
            table.setRowHidden(r, bool(needle) and (item is None
                                                    or needle not in item.text().casefold()))
