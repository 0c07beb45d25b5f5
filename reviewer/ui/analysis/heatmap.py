"""A confusion-matrix heat map readable from 4 to 80 classes (a plain QWidget, no matplotlib).

Colours are normalised per row (each row shows where that GT class goes); with ``errors_only``
the diagonal is left out of the normalisation so small confusions stay visible. Counts are
written in the cells when they fit; a tooltip says "GT X predicted as Y: n"; a click emits
``cell_clicked(row, column)``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

HOT = QColor(33, 102, 172)
MAX_LABEL = 150  # pixels of a class name beside the matrix (longer names are elided)
MIN_CELL, MAX_CELL = 5, 56
CORNER = "GT ↓  predicted →"


class ConfusionHeatmap(QWidget):
    """Signals: ``cell_clicked(int row, int column)``."""

    cell_clicked = Signal(int, int)

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

    # --- data -------------------------------------------------------------------------------
    def set_matrix(self, matrix, rows, columns, unit: str = "objects") -> None:
        """``matrix`` (R, C) counts; rows are GT labels, columns predicted labels."""
        self.matrix = np.asarray(matrix, np.int64)
        self.rows, self.columns, self.unit = list(rows), list(columns), unit
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

    def cell_text(self, r: int, c: int) -> str:
        """The tooltip of cell (r, c)."""
        n = int(self.matrix[r, c])
        total = int(self.matrix[r].sum())
        share = f" ({100 * n / total:.1f}% of GT {self.rows[r]})" if total else ""
        return f"GT {self.rows[r]} predicted as {self.columns[c]}: {n} {self.unit}{share}"

    # --- geometry ---------------------------------------------------------------------------
    def _label_width(self) -> int:
        fm = self.fontMetrics()
        names = self.rows + self.columns
        widest = max((fm.horizontalAdvance(n) for n in names), default=0)
        return min(MAX_LABEL, max(widest, int(fm.horizontalAdvance(CORNER) * 0.85)) + 8)

    def _layout(self) -> tuple[int, int, float]:
        """-> (left, top, cell size) of the matrix inside the widget."""
        r, c = max(len(self.rows), 1), max(len(self.columns), 1)
        label = self._label_width() + 16
        cell = min((self.width() - label - 8) / c, (self.height() - label - 8) / r)
        cell = max(MIN_CELL, min(MAX_CELL, cell))
        return label, label, cell

    def sizeHint(self) -> QSize:
        label = self._label_width() + 24
        return QSize(label + 28 * max(len(self.columns), 4), label + 28 * max(len(self.rows), 4))

    def minimumSizeHint(self) -> QSize:
        """Few classes: cells of at least 18 px (counts readable, scroll if needed); many: 8."""
        n = max(len(self.rows), len(self.columns))
        cell = 18 if n <= 16 else 8
        label = self._label_width() + 24
        return QSize(label + cell * len(self.columns), label + cell * len(self.rows))

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
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        if not self.rows:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No confusion matrix")
            return
        _, _, cell = self._layout()
        self._paint_cells(p, pal, cell)
        self._paint_labels(p, pal, cell)
        self._paint_marks(p, pal)
        p.end()

    def _cell_font(self, cell: float) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(int(max(6, min(12, cell * 0.42))))
        return font

    def _paint_cells(self, p: QPainter, pal: QPalette, cell: float) -> None:
        base, text = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)
        font = self._cell_font(cell)
        fm = QFontMetrics(font)
        p.setFont(font)
        grid = QColor(pal.color(QPalette.ColorRole.Mid))
        grid.setAlpha(70)
        diagonal = self.errors_only
        for r in range(len(self.rows)):
            for c in range(len(self.columns)):
                rect = self.cell_rect(r, c)
                share, n = float(self._shares[r, c]), int(self.matrix[r, c])
                colour = _mix(base, HOT, share ** 0.6) if n else base
                if diagonal and r == c and n:
                    colour = _mix(base, pal.color(QPalette.ColorRole.Mid), 0.35)
                p.fillRect(rect, colour)
                p.setPen(QPen(grid, 1))
                p.drawRect(rect)
                label = short_count(n)
                if n and fm.horizontalAdvance(label) <= cell - 3 and fm.height() <= cell:
                    p.setPen(QColor("white") if colour.lightnessF() < 0.55 else text)
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_labels(self, p: QPainter, pal: QPalette, cell: float) -> None:
        left, top, _ = self._layout()
        font = QFont(self.font())
        font.setPixelSize(int(max(6, min(self.fontInfo().pixelSize(), cell - 1))))
        p.setFont(font)
        fm = QFontMetrics(font)
        step = max(1, int(np.ceil((fm.height() - 1) / cell)))  # skip labels that would overlap
        p.setPen(pal.color(QPalette.ColorRole.Text))
        width = left - 16
        for r in range(0, len(self.rows), step):
            rect = QRect(4, int(top + r * cell), width, int(cell))
            p.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(self.rows[r], Qt.TextElideMode.ElideRight, width))
        p.save()
        p.translate(left, top - 4)
        p.rotate(-90)
        for c in range(0, len(self.columns), step):
            rect = QRect(0, int(c * cell), width, int(cell))
            p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(self.columns[c], Qt.TextElideMode.ElideRight, width))
        p.restore()
        small = QFont(self.font())
        small.setPointSizeF(self.font().pointSizeF() * 0.85)
        p.setFont(small)
        p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        p.drawText(QRect(0, 0, left - 4, top - 4),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                   CORNER)

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


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    t = max(0.0, min(1.0, t))
    return QColor(int(a.red() + (b.red() - a.red()) * t), int(a.green() + (b.green() - a.green()) * t),
                  int(a.blue() + (b.blue() - a.blue()) * t))


def short_count(n: int) -> str:
    """1234 -> '1.2k', 5_600_000 -> '5.6M' (the tooltip has the exact count)."""
    if n < 1000:
        return str(n)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            v = n / div
            return f"{v:.1f}{suffix}" if v < 10 else f"{v:.0f}{suffix}"
    return str(n)
