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
    """A centred chip with a few lines of text (e.g. "Unreadable image: ..." and the file's
    path); hidden when empty. Lines wider than ``fit``'s width wrap at spaces, and a line
    without spaces (a path) is elided in the middle."""

    PAD = 14

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.setFont(font)
        self.text = ""
        self.lines: list[str] = []
        self._max_width = 10_000
        self.hide()

    def set_text(self, text: str) -> None:
        self.text = text
        self._layout()
        self.setVisible(bool(text))
        self.update()

    def fit(self, max_width: int) -> None:
        """Lay the text out within ``max_width`` pixels (the viewport's width)."""
        if max_width != self._max_width:
            self._max_width = max_width
            self._layout()

    def _layout(self) -> None:
        metrics = QFontMetrics(self.font())
        room = max(self._max_width - 2 * self.PAD - 24, 80)
        self.lines = []
        for line in self.text.split("\n") if self.text else []:
            self.lines += _wrapped(line, metrics, room)
        self.resize(self.sizeHint())

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        width = max((metrics.horizontalAdvance(s) for s in self.lines), default=0)
        return QSize(width + 2 * self.PAD + 24,
                     metrics.lineSpacing() * max(len(self.lines), 1) + 2 * self.PAD)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_BACKGROUND)
        painter.drawRoundedRect(QRectF(self.rect()), 6, 6)
        painter.setPen(QPen(QColor(255, 170, 60), 2.0))
        painter.drawLine(QPointF(self.PAD, self.PAD), QPointF(self.PAD, self.height() - self.PAD))
        painter.setPen(_TEXT)
        text_rect = QRectF(self.rect()).adjusted(self.PAD + 12, self.PAD, -self.PAD, -self.PAD)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter, "\n".join(self.lines))


def _wrapped(line: str, metrics: QFontMetrics, room: int) -> list[str]:
    """``line`` as lines of at most ``room`` pixels: words wrapped, a long word elided."""
    out, current = [], ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if metrics.horizontalAdvance(candidate) <= room or not current:
            current = candidate
        else:
            out.append(current)
            current = word
    out.append(current)
    return [s if metrics.horizontalAdvance(s) <= room
            else metrics.elidedText(s, Qt.TextElideMode.ElideMiddle, room) for s in out]
