"""Small chips drawn over the canvas: the errors-mode legend and the missing-image message."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QWidget

from .palette import DASHED, DOTTED

_BACKGROUND = QColor(20, 20, 22, 210)
_TEXT = QColor(238, 238, 238)
_DASHES = {DASHED: [4.0, 2.5], DOTTED: [1.0, 2.0]}


class LegendWidget(QWidget):
    """A dark chip listing (label, rgb, style) entries; style is solid/dashed/dotted/area.

    Hidden when it has no entries. Mouse events pass through to the canvas.
    """

    ROW, SWATCH, PAD = 18, 22, 8

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.entries: tuple = ()
        self.hide()

    def set_entries(self, entries: tuple) -> None:
        """Replace the entries: a tuple of (label, (r,g,b), style)."""
        self.entries = tuple(entries)
        self.resize(self.sizeHint())
        self.setVisible(bool(self.entries))
        self.update()

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        text_w = max((metrics.horizontalAdvance(e[0]) for e in self.entries), default=0)
        return QSize(text_w + self.SWATCH + 3 * self.PAD,
                     len(self.entries) * self.ROW + 2 * self.PAD - 2)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_BACKGROUND)
        painter.drawRoundedRect(QRectF(self.rect()), 4, 4)
        for i, (label, rgb, style) in enumerate(self.entries):
            y = self.PAD + i * self.ROW + self.ROW / 2 - 1
            self._swatch(painter, QRectF(self.PAD, y - 5, self.SWATCH, 10), QColor(*rgb), style)
            painter.setPen(_TEXT)
            text_rect = QRectF(2 * self.PAD + self.SWATCH, y - self.ROW / 2, 1000, self.ROW)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter, label)

    @staticmethod
    def _swatch(painter: QPainter, rect: QRectF, color: QColor, style: str) -> None:
        if style == "area":
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRect(rect)
            return
        pen = QPen(color, 2.0)
        if style in _DASHES:
            pen.setDashPattern(_DASHES[style])
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect.adjusted(1, 1, -1, -1))


class MessageWidget(QWidget):
    """A centred chip with one line of text (e.g. "Image file not found"); hidden when empty."""

    PAD = 14

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.setFont(font)
        self.text = ""
        self.hide()

    def set_text(self, text: str) -> None:
        self.text = text
        self.resize(self.sizeHint())
        self.setVisible(bool(text))
        self.update()

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        return QSize(metrics.horizontalAdvance(self.text) + 2 * self.PAD + 24,
                     metrics.height() + 2 * self.PAD)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_BACKGROUND)
        painter.drawRoundedRect(QRectF(self.rect()), 6, 6)
        painter.setPen(QPen(QColor(255, 170, 60), 2.0))
        center_y = self.height() / 2
        painter.drawLine(QPointF(self.PAD, center_y - 7), QPointF(self.PAD, center_y + 7))
        painter.setPen(_TEXT)
        text_rect = QRectF(self.rect()).adjusted(self.PAD + 12, 0, -self.PAD, 0)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter, self.text)
