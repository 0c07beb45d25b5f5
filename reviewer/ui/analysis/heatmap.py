"""A confusion-matrix heat map readable from 4 to 150+ classes (a plain QWidget, no matplotlib).

Colours are normalised per row (each row shows where that GT class goes); with ``errors_only``
the diagonal is left out of the normalisation so small confusions stay visible. Counts are
written in the cells when they fit; a tooltip says "GT X predicted as Y: n"; a click emits
``cell_clicked(row, column)``.

Painting: the cell colours are one cached image with a pixel per cell, drawn scaled (nearest
neighbour) in one call; grid lines and counts only for the visible cells. A 150-class matrix
repaints (hover, scroll, zoom) in milliseconds.

Size: cells are never smaller than a readable size for the class count (18 px up to 40 classes:
counts fit; 12 up to 80; 6 beyond), so a big matrix scrolls inside its ``QScrollArea`` rather
than shrinking to dots; ``zoom_by`` / Ctrl+wheel zoom, ``fit`` goes back to the automatic size.
Labels are elided to fit, column labels rotated; when cells are too small for every label, the
hovered row and column are still named (bold, on a highlight). ``special_rows`` /
``special_columns`` (e.g. "ghost" and "missed") are drawn in italics behind a separator.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QLineF, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

HOT = QColor(33, 102, 172)
MAX_LABEL = 150  # pixels of a class name beside the matrix (longer names are elided)
MIN_CELL, MAX_CELL = 3, 80
ZOOM_STEP = 1.25
CORNER = "GT ↓  predicted →"


class ConfusionHeatmap(QWidget):
    """Signals: ``cell_clicked(int row, int column)``."""

    cell_clicked = Signal(int, int)
    zoom_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.matrix = np.zeros((0, 0), np.int64)
        self.rows: list[str] = []
        self.columns: list[str] = []
        self.unit = "objects"
        self.errors_only = False
        self.selected: tuple[int, int] | None = None
        self._hover: tuple[int, int] | None = None
        self._shares = np.zeros((0, 0))
        self.cell_size: float | None = None  # None: automatic (fit, never below readable)
        self.special_rows: frozenset[int] = frozenset()
        self.special_columns: frozenset[int] = frozenset()
        self._image: QImage | None = None  # the cell colours, a pixel per cell
        self._image_key: tuple = ()

    # --- data -------------------------------------------------------------------------------
    def set_matrix(self, matrix, rows, columns, unit: str = "objects", special_rows=(),
                   special_columns=()) -> None:
        """``matrix`` (R, C) counts; rows are GT labels, columns predicted labels; the special
        rows / columns are not classes (background: "ghost", "missed"; "void")."""
        self.matrix = np.asarray(matrix, np.int64)
        self.rows, self.columns, self.unit = list(rows), list(columns), unit
        self.special_rows, self.special_columns = frozenset(special_rows), frozenset(special_columns)
        if self.selected and not (self.selected[0] < len(self.rows)
                                  and self.selected[1] < len(self.columns)):
            self.selected = None
        self._normalise()
        self.updateGeometry()
        self.update()

    def set_errors_only(self, on: bool) -> None:
        self.errors_only = bool(on)
        self._normalise()
        self.update()

    def set_selected(self, cell: tuple[int, int] | None) -> None:
        self.selected = cell
        self.update()

    def _normalise(self) -> None:
        m = self.matrix.astype(np.float64)
        if self.errors_only:
            n = min(m.shape)
            m[np.arange(n), np.arange(n)] = 0.0
        sums = m.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            self._shares = np.where(sums > 0, m / sums, 0.0)
        self._image = None

    def cell_text(self, r: int, c: int) -> str:
        """The tooltip of cell (r, c)."""
        n = int(self.matrix[r, c])
        total = int(self.matrix[r].sum())
        row, column = self.rows[r], self.columns[c]
        share = f" ({100 * n / total:.1f}% of GT {row})" if total else ""
        if r in self.special_rows:  # e.g. ghosts: predictions with no GT object
            return f"{row} → predicted {column}: {n} {self.unit}"
        if c in self.special_columns:  # e.g. missed GT, void predictions
            return f"GT {row} → {column}: {n} {self.unit}{share}"
        return f"GT {row} predicted as {column}: {n} {self.unit}{share}"

    # --- geometry ---------------------------------------------------------------------------
    def _label_width(self) -> int:
        fm = self.fontMetrics()
        names = self.rows + self.columns
        widest = max((fm.horizontalAdvance(n) for n in names), default=0)
        return min(MAX_LABEL, max(widest, int(fm.horizontalAdvance(CORNER) * 0.85)) + 8)

    def readable_cell(self) -> int:
        """The smallest automatic cell: counts fit up to 40 classes, labels up to 80."""
        n = max(len(self.rows), len(self.columns))
        return 18 if n <= 40 else 12 if n <= 80 else 6

    def _needed(self, cell: float) -> QSize:
        label = self._label_width() + 16
        return QSize(int(label + cell * len(self.columns) + 8),
                     int(label + cell * len(self.rows) + 8))

    def _layout(self) -> tuple[int, int, float]:
        """-> (left, top, cell size) of the matrix inside the widget."""
        r, c = max(len(self.rows), 1), max(len(self.columns), 1)
        label = self._label_width() + 16
        if self.cell_size is not None:
            return label, label, self.cell_size
        cell = min((self.width() - label - 8) / c, (self.height() - label - 8) / r)
        cell = max(self.readable_cell(), min(MAX_CELL, cell))
        return label, label, cell

    def sizeHint(self) -> QSize:
        return self._needed(self.cell_size or max(self.readable_cell(), 28))

    def minimumSizeHint(self) -> QSize:
        """Automatic: cells of the readable size (a bigger matrix scrolls); zoomed: that size."""
        return self._needed(self.cell_size or self.readable_cell())

    def zoom_by(self, factor: float) -> None:
        """Cells ``factor`` times bigger (the scroll area scrolls what does not fit)."""
        cell = min(MAX_CELL, max(MIN_CELL, self._layout()[2] * factor))
        self.cell_size = cell
        self.setMinimumSize(self._needed(cell))
        self.updateGeometry()
        self.update()
        self.zoom_changed.emit()

    def fit(self) -> None:
        """Back to the automatic cell size."""
        self.cell_size = None
        self.setMinimumSize(0, 0)
        self.updateGeometry()
        self.update()
        self.zoom_changed.emit()

    def cell_rect(self, r: int, c: int) -> QRectF:
        left, top, cell = self._layout()
        return QRectF(left + c * cell, top + r * cell, cell, cell)

    def cell_center(self, r: int, c: int) -> QPoint:
        return self.cell_rect(r, c).center().toPoint()

    def cell_at(self, pos) -> tuple[int, int] | None:
        left, top, cell = self._layout()
        c, r = int((pos.x() - left) // cell), int((pos.y() - top) // cell)
        if 0 <= r < len(self.rows) and 0 <= c < len(self.columns) \
                and pos.x() >= left and pos.y() >= top:
            return r, c
        return None

    # --- painting ---------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        pal = self.palette()
        p.fillRect(event.rect(), pal.color(QPalette.ColorRole.Base))
        if not self.rows:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No confusion matrix")
            return
        _, _, cell = self._layout()
        self._paint_cells(p, pal, cell, event.rect())
        self._paint_labels(p, pal, cell)
        self._paint_marks(p, pal)
        p.end()

    def _cell_font(self, cell: float) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(int(max(6, min(12, cell * 0.42))))
        return font

    def _visible(self, exposed: QRect, cell: float) -> tuple[range, range]:
        """Rows and columns meeting the exposed rectangle (only those are painted: a 150-class
        matrix scrolls without painting 23,000 cells)."""
        left, top, _ = self._layout()
        r0 = max(0, int((exposed.top() - top) // cell))
        r1 = min(len(self.rows), int((exposed.bottom() - top) // cell) + 1)
        c0 = max(0, int((exposed.left() - left) // cell))
        c1 = min(len(self.columns), int((exposed.right() - left) // cell) + 1)
        return range(r0, r1), range(c0, c1)

    def _cell_image(self, pal: QPalette) -> QImage:
        """The cell colours as one (R, C) image, a pixel per cell (cached until the matrix,
        the normalisation or the palette changes): painting a 150-class matrix is one scaled
        ``drawImage``, not 23,000 rectangles."""
        key = (pal.color(QPalette.ColorRole.Base).rgb(), pal.color(QPalette.ColorRole.Mid).rgb())
        if self._image is not None and self._image_key == key:
            return self._image
        base = _rgb(pal.color(QPalette.ColorRole.Base))
        t = np.clip(self._shares, 0.0, 1.0) ** 0.6
        rgb = base + (_rgb(HOT) - base) * t[..., None]
        rgb[self.matrix == 0] = base
        if self.errors_only:
            n = min(self.matrix.shape)
            d = np.arange(n)
            on = self.matrix[d, d] != 0
            rgb[d[on], d[on]] = base + (_rgb(pal.color(QPalette.ColorRole.Mid)) - base) * 0.35
        rgb = rgb.astype(np.uint32)  # truncation, as QColor(int(...)) did per cell
        argb = np.ascontiguousarray(
            0xFF000000 | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2], np.uint32)
        h, w = argb.shape
        self._image = QImage(argb.data, w, h, 4 * w, QImage.Format.Format_RGB32).copy()
        self._image_key = key
        return self._image

    def cell_color(self, r: int, c: int) -> QColor:
        """The colour cell (r, c) is painted with."""
        return QColor(self._cell_image(self.palette()).pixel(c, r))

    def _paint_cells(self, p: QPainter, pal: QPalette, cell: float, exposed: QRect) -> None:
        left, top, _ = self._layout()
        rows, columns = self._visible(exposed, cell)
        if not len(rows) or not len(columns):
            return
        image = self._cell_image(pal)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(QRectF(left, top, cell * len(self.columns), cell * len(self.rows)), image)
        if cell >= 5:  # the grid: one line per visible row and column
            grid = QColor(pal.color(QPalette.ColorRole.Mid))
            grid.setAlpha(70)
            p.setPen(QPen(grid, 1))
            x0, x1 = left + columns.start * cell, left + columns.stop * cell
            y0, y1 = top + rows.start * cell, top + rows.stop * cell
            p.drawLines([QLineF(x0, top + r * cell, x1, top + r * cell)
                         for r in range(rows.start, rows.stop + 1)]
                        + [QLineF(left + c * cell, y0, left + c * cell, y1)
                           for c in range(columns.start, columns.stop + 1)])
        self._paint_counts(p, pal, cell, rows, columns, image)
        self._paint_separators(p, pal, cell)

    def _paint_counts(self, p: QPainter, pal: QPalette, cell: float, rows: range,
                      columns: range, image: QImage) -> None:
        """The count in each visible non-empty cell where it fits."""
        font = self._cell_font(cell)
        fm = QFontMetrics(font)
        if fm.height() > cell:
            return
        p.setFont(font)
        text = pal.color(QPalette.ColorRole.Text)
        block = self.matrix[rows.start:rows.stop, columns.start:columns.stop]
        for dr, dc in zip(*np.nonzero(block), strict=True):
            r, c = rows.start + int(dr), columns.start + int(dc)
            label = short_count(int(self.matrix[r, c]))
            if fm.horizontalAdvance(label) <= cell - 3:
                colour = QColor(image.pixel(c, r))
                p.setPen(QColor("white") if colour.lightnessF() < 0.55 else text)
                p.drawText(self.cell_rect(r, c), Qt.AlignmentFlag.AlignCenter, label)

    def _paint_separators(self, p: QPainter, pal: QPalette, cell: float) -> None:
        """A line before the special rows and columns (background, void): not classes."""
        left, top, _ = self._layout()
        p.setPen(QPen(pal.color(QPalette.ColorRole.Text), 1))
        width, height = cell * len(self.columns), cell * len(self.rows)
        for r in self.special_rows:
            p.drawLine(QPointF(left, top + r * cell), QPointF(left + width, top + r * cell))
        for c in self.special_columns:
            p.drawLine(QPointF(left + c * cell, top), QPointF(left + c * cell, top + height))

    def _paint_labels(self, p: QPainter, pal: QPalette, cell: float) -> None:
        left, top, _ = self._layout()
        font = QFont(self.font())
        font.setPixelSize(int(max(9, min(self.fontInfo().pixelSize(), cell - 1))))  # readable
        fm = QFontMetrics(font)
        step = max(1, int(np.ceil((fm.height() - 1) / cell)))  # skip labels that would overlap
        width = left - 16
        hover_r, hover_c = self._hover if self._hover is not None else (-1, -1)
        for r in sorted(set(range(0, len(self.rows), step)) | {r for r in (hover_r,) if r >= 0}):
            rect = QRect(4, int(top + r * cell), width, int(cell))
            self._label(p, pal, font, rect, self.rows[r], r == hover_r and step > 1,
                        r in self.special_rows, Qt.AlignmentFlag.AlignRight)
        p.save()
        p.translate(left, top - 4)
        p.rotate(-90)
        for c in sorted(set(range(0, len(self.columns), step))
                        | {c for c in (hover_c,) if c >= 0}):
            rect = QRect(0, int(c * cell), width, int(cell))
            self._label(p, pal, font, rect, self.columns[c], c == hover_c and step > 1,
                        c in self.special_columns, Qt.AlignmentFlag.AlignLeft)
        p.restore()
        small = QFont(self.font())
        small.setPointSizeF(self.font().pointSizeF() * 0.85)
        p.setFont(small)
        p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        p.drawText(QRect(0, 0, left - 4, top - 4),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                   CORNER)

    @staticmethod
    def _label(p: QPainter, pal: QPalette, font: QFont, rect: QRect, text: str, hovered: bool,
               special: bool, align) -> None:
        """One row or column name, elided to ``rect``; the hovered one bold on a highlight
        (named even where the cells are too small for every label)."""
        font = QFont(font)
        font.setItalic(special)
        if hovered:
            font.setBold(True)
            font.setPixelSize(max(font.pixelSize(), 11))
            fm = QFontMetrics(font)
            h = fm.height() + 2
            rect = QRect(rect.left(), rect.center().y() - h // 2, rect.width(), h)
            p.fillRect(rect, pal.color(QPalette.ColorRole.Highlight))
        p.setFont(font)
        p.setPen(pal.color(QPalette.ColorRole.HighlightedText if hovered
                           else QPalette.ColorRole.Text))
        text = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        p.drawText(rect, align | Qt.AlignmentFlag.AlignVCenter, text)

    def _paint_marks(self, p: QPainter, pal: QPalette) -> None:
        for cell, width, colour in ((self._hover, 1.5, pal.color(QPalette.ColorRole.Text)),
                                    (self.selected, 2.5, QColor(230, 120, 0))):
            if cell is not None:
                p.setPen(QPen(colour, width))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(self.cell_rect(*cell).adjusted(1, 1, -1, -1))

    # --- mouse ------------------------------------------------------------------------------
    def event(self, e) -> bool:
        if e.type() == QEvent.Type.ToolTip:
            cell = self.cell_at(e.pos())
            if cell is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(e.globalPos(), self.cell_text(*cell), self)
            return True
        return super().event(e)

    def wheelEvent(self, e) -> None:
        """Ctrl+wheel zooms; the wheel alone scrolls (the scroll area takes it)."""
        if e.modifiers() & Qt.KeyboardModifier.ControlModifier and e.angleDelta().y():
            self.zoom_by(ZOOM_STEP if e.angleDelta().y() > 0 else 1 / ZOOM_STEP)
            e.accept()
            return
        super().wheelEvent(e)

    def mouseMoveEvent(self, e) -> None:
        cell = self.cell_at(e.position().toPoint())
        if cell != self._hover:
            self._hover = cell
            self.update()
        self.setCursor(Qt.CursorShape.PointingHandCursor if cell else Qt.CursorShape.ArrowCursor)

    def leaveEvent(self, e) -> None:
        self._hover = None
        self.update()

    def mousePressEvent(self, e) -> None:
        cell = self.cell_at(e.position().toPoint())
        if e.button() == Qt.MouseButton.LeftButton and cell is not None:
            self.selected = cell
            self.update()
            self.cell_clicked.emit(*cell)


def _rgb(colour: QColor) -> np.ndarray:
    return np.array([colour.red(), colour.green(), colour.blue()], np.float64)


def short_count(n: int) -> str:
    """1234 -> '1.2k', 5_600_000 -> '5.6M' (the tooltip has the exact count)."""
    if n < 1000:
        return str(n)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            v = n / div
            return f"{v:.1f}{suffix}" if v < 10 else f"{v:.0f}{suffix}"
    return str(n)
