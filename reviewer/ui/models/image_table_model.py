"""The ranked image table: a ``QAbstractTableModel`` over the per-image arrays.

The model never copies rows into Qt: it keeps the ranking as a numpy index array ``order``
(view row -> image row) and its inverse ``view_rows`` (image row -> view row, -1 when filtered
out). Sorting is ``reports.rank`` (one stable numpy argsort), filtering a boolean numpy mask
applied to the ranking, which is kept per (column, direction) until values change: a filter
change or a sort by a column sorted before takes milliseconds at 1M rows, a first sort by a
column ~150 ms. An edit of one image emits ``dataChanged`` for its row only; the model is reset
only when the filter changes the set of rows.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from reviewer.core.reports import rank
from reviewer.ui.task_view import view_of

from .image_filter import ImageFilter, ReviewColumns, filter_mask

REVIEW_COLUMNS = (("status", "Status"), ("tags", "Tags"), ("corrected", "Corrected"))
CORRECTED_TEXT = "✓"  # the image's GT was corrected (painted, drawn, accepted, …)
STATUS_TEXT = {"unreviewed": "", "reviewed": "reviewed", "needs-second-look": "second look",
               "skipped": "skipped"}
IMAGE_ROW_ROLE = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex
_ROLES = frozenset((Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.TextAlignmentRole, IMAGE_ROW_ROLE))
_TEXT_KEYS = frozenset(("file_name", "status", "tags", "corrected"))
_REVIEW_KEYS = ("status", "tags", "corrected")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def high_is_worse(key: str, good_when_high=frozenset()) -> bool:
    """Whether a large value of column ``key`` is bad (errors, misses) rather than good (IoU,
    true positives: the task view's ``good_when_high``); text columns sort A to Z."""
    if key in _TEXT_KEYS:
        return key == "corrected"
    return key not in good_when_high and not key.startswith("iou_")


def columns_for(table: dict, task: str) -> list[tuple[str, str]]:
    """(key, header) of the visible columns for a task's per-image table."""
    return view_of(task).columns(table) + list(REVIEW_COLUMNS)


class ImageTableModel(QAbstractTableModel):
    """Rows: the images of the current ranking and filter. Columns: ``columns``.

    Signals: ``ranking_changed()`` after a sort or filter changed the order of rows.
    """

    ranking_changed = Signal()

    def __init__(self, table: dict, columns, review: ReviewColumns, class_counts=None,
                 class_names=(), parent=None, good_when_high=frozenset(), formatters=None):
        """formatters: column -> value -> text, for columns the task shows in words (class
        names instead of class indices)."""
        super().__init__(parent)
        self.table = table
        self.good_when_high = frozenset(good_when_high)
        self.formatters = dict(formatters or {})
        self.columns = list(columns)
        self.review = review
        self.class_counts = class_counts
        self.class_names = list(class_names)
        self.integer_keys = {"error"} if "tp" in table else set()  # object counts
        self.sort_key, self.ascending = "error", False
        self.filter = ImageFilter()
        self.subset: np.ndarray | None = None  # (N,) bool ANDed with the filter (e.g. a cell)
        self.subset_label = ""
        self._mask = np.ones(len(review), dtype=bool)
        self.order = np.zeros(0, dtype=np.int64)
        self.view_rows = np.full(len(review), -1, dtype=np.int64)
        self._rankings: dict[tuple[str, bool], np.ndarray] = {}  # every row, per sort
        self._rerank()

    # --- Qt model interface -----------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.order)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        key, header = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return header
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{key} — click to sort, worst first (click again to reverse)"
        if role == Qt.ItemDataRole.InitialSortOrderRole:  # the first click ranks worst first
            order = Qt.SortOrder.DescendingOrder if high_is_worse(key, self.good_when_high) \
                else Qt.SortOrder.AscendingOrder
            return order.value
        return None

    def data(self, index: _Index, role=Qt.ItemDataRole.DisplayRole):
        if role not in _ROLES or not index.isValid():  # views ask ~10 roles per cell
            return None
        row = int(self.order[index.row()])
        key = self.columns[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, key)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return None if key in _TEXT_KEYS else _RIGHT
        if role == IMAGE_ROW_ROLE:
            return row
        return self._text(row, key) if key in ("file_name", "tags") else None  # tooltip

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self.columns):
            self.set_sort(self.columns[column][0], order == Qt.SortOrder.AscendingOrder)

    # --- ranking ----------------------------------------------------------------------------
    def column_of(self, key: str) -> int:
        return next((c for c, (k, _) in enumerate(self.columns) if k == key), -1)

    def set_sort(self, key: str, ascending: bool) -> None:
        """Rank by column ``key`` (a table column, "status", "tags" or "corrected")."""
        if key not in self.table and key not in _REVIEW_KEYS:
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_rows = [int(self.order[i.row()]) for i in old]
        self.sort_key, self.ascending = key, ascending
        self._rerank()
        self.changePersistentIndexList(old, [self._index_of(r, i.column())
                                             for r, i in zip(old_rows, old, strict=True)])
        self.layoutChanged.emit()
        self.ranking_changed.emit()

    def set_filter(self, spec: ImageFilter) -> None:
        """Show only the rows passing ``spec`` (resets the model: the row set changes)."""
        self.beginResetModel()
        self.filter = spec
        self._mask = filter_mask(spec, self.table, self.review, self.class_counts,
                                 self.class_names)
        if self.subset is not None:
            self._mask &= self.subset
        self._rerank()
        self.endResetModel()
        self.ranking_changed.emit()

    def set_subset(self, mask: np.ndarray | None, label: str = "") -> None:
        """Show only the image rows where ``mask`` (N,) bool is True, on top of the filter
        (an "image subset" such as the images of a confusion cell); None removes it."""
        self.subset = None if mask is None else np.asarray(mask, dtype=bool).copy()
        self.subset_label = label if mask is not None else ""
        self.set_filter(self.filter)

    def _rerank(self) -> None:
        sort = (self.sort_key, self.ascending)
        order = self._rankings.get(sort)
        if order is None:
            order = rank(self._sort_table(), self.sort_key, self.ascending).astype(np.int64)
            self._rankings[sort] = order
        self.order = order[self._mask[order]]
        self.view_rows = np.full(len(self.review), -1, dtype=np.int64)
        self.view_rows[self.order] = np.arange(len(self.order))

    def values_changed(self) -> None:
        """Table or review values changed: the next sort or filter ranks afresh (the rows on
        screen keep their places until then, so an edited image does not jump away)."""
        self._rankings.clear()

    def _sort_table(self) -> dict:
        if self.sort_key == "status":
            return {"status": self.review.status_codes()}
        if self.sort_key == "tags":
            return {"tags": np.array([", ".join(t) for t in self.review.tags], dtype=object)}
        if self.sort_key == "corrected":
            return {"corrected": self.review.corrected.astype(np.int64)}
        return self.table

    def _index_of(self, image_row: int, column: int) -> QModelIndex:
        v = int(self.view_rows[image_row])
        return self.index(v, column) if v >= 0 else QModelIndex()

    # --- rows -------------------------------------------------------------------------------
    def image_row(self, view_row: int) -> int:
        """Image row (index into the per-image table) shown at ``view_row``."""
        return int(self.order[view_row])

    def view_row(self, image_row: int) -> int:
        """View row of an image, -1 when the filter hides it."""
        return int(self.view_rows[image_row]) if 0 <= image_row < len(self.view_rows) else -1

    def neighbour(self, image_row: int, step: int) -> int | None:
        """The image ``step`` rows after ``image_row`` in the ranking (None past either end)."""
        v = self.view_row(image_row)
        target = (0 if step > 0 else len(self.order) - 1) if v < 0 else v + step
        return int(self.order[target]) if 0 <= target < len(self.order) else None

    def next_unreviewed(self, image_row: int) -> int | None:
        """The first unreviewed image after ``image_row`` in the ranking (wrapping around)."""
        if not len(self.order):
            return None
        start = max(self.view_row(image_row), -1) + 1
        rolled = np.roll(self.order, -start)
        hits = np.flatnonzero(self.review.status[rolled] == "unreviewed")
        hits = hits[rolled[hits] != image_row]
        return int(rolled[hits[0]]) if len(hits) else None

    def refresh_image(self, image_row: int) -> None:
        """Tell views that one image's values changed (``dataChanged`` of its row only)."""
        self.values_changed()
        v = self.view_row(image_row)
        if v >= 0:
            self.dataChanged.emit(self.index(v, 0), self.index(v, len(self.columns) - 1))

    def refresh_all(self) -> None:
        """Every image's values changed (new thresholds): re-apply the filter and the ranking."""
        self.values_changed()
        self.set_filter(self.filter)

    # --- cell text --------------------------------------------------------------------------
    def _text(self, row: int, key: str) -> str:
        if key == "status":
            return STATUS_TEXT.get(self.review.status[row], self.review.status[row])
        if key == "tags":
            return ", ".join(self.review.tags[row])
        if key == "corrected":
            return CORRECTED_TEXT if self.review.corrected[row] else ""
        value = self.table[key][row]
        if key in self.formatters:
            return self.formatters[key](value)
        if isinstance(value, float | np.floating):
            if math.isnan(value):
                return ""
            return f"{value:.0f}" if key in self.integer_keys else f"{value:.3f}"
        return str(value)
