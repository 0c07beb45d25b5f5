"""The label card: an image's class label beside the model's answer, over the canvas.

A dark chip at the viewport's top-right (classification projects): the label (and what it was
before the review changed it), the predicted class with a tick or a cross, and the most probable
classes as bars, the label's bar marked. Hidden when the frame carries no ``image_label``.
Mouse events pass through to the canvas.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QWidget

_BACKGROUND = QColor(20, 20, 22, 215)
_TEXT = QColor(238, 238, 238)
_MUTED = QColor(170, 170, 175)
_RIGHT = QColor(70, 190, 110)
_WRONG = QColor(235, 80, 70)
_BAR = QColor(95, 140, 220)
_LABEL_BAR = QColor(240, 180, 60)


class LabelCard(QWidget):
    ROW, PAD, BAR_W = 18, 8, 120

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.label = None
        self.hide()

    def set_label(self, label) -> None:
        """Show ``label`` (a ``reviewer.core.view_state.ImageLabel``; None hides the card)."""
        self.label = label
        self.setVisible(label is not None)
        if label is not None:
            self.resize(self.sizeHint())
        self.update()

    def lines(self) -> list[tuple[str, QColor]]:
        lab = self.label
        text = lab.label if lab.label is not None else "(no label)"
        out = [(f"Label: {text}", _TEXT)]
        if lab.original is not None and lab.original != lab.label:
            out.append((f"   was: {lab.original}", _MUTED))
        if lab.predicted is not None:
            mark = {True: "  ✓", False: "  ✗", None: ""}[lab.correct]
            colour = {True: _RIGHT, False: _WRONG, None: _TEXT}[lab.correct]
            out.append((f"Predicted: {lab.predicted}{mark}", colour))
        else:
            out.append(("Predicted: (none)", _MUTED))
        return out

    def sizeHint(self) -> QSize:
        if self.label is None:
            return QSize(0, 0)
        metrics = QFontMetrics(self.font())
        widths = [metrics.horizontalAdvance(t) for t, _ in self.lines()]
        widths += [metrics.horizontalAdvance(f"{n}  0.000") + self.BAR_W
                   for n, _ in self.label.top]
        rows = len(self.lines()) + len(self.label.top)
        return QSize(max(widths, default=80) + 3 * self.PAD, rows * self.ROW + 2 * self.PAD)

    def paintEvent(self, event):
        if self.label is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_BACKGROUND)
        painter.drawRoundedRect(QRectF(self.rect()), 4, 4)
        y = self.PAD
        for text, colour in self.lines():
            painter.setPen(colour)
            painter.drawText(QRectF(self.PAD, y, self.width(), self.ROW),
                             Qt.AlignmentFlag.AlignVCenter, text)
            y += self.ROW
        metrics = QFontMetrics(self.font())
        name_w = max((metrics.horizontalAdvance(n) for n, _ in self.label.top), default=0)
        for name, p in self.label.top:
            painter.setPen(_TEXT)
            painter.drawText(QRectF(self.PAD, y, name_w + 4, self.ROW),
                             Qt.AlignmentFlag.AlignVCenter, name)
            x = 2 * self.PAD + name_w
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_LABEL_BAR if name == self.label.label else _BAR)
            painter.drawRect(QRectF(x, y + 4, max(1.0, self.BAR_W * float(p)), self.ROW - 8))
            painter.setPen(_MUTED)
            painter.drawText(QRectF(x + self.BAR_W + 4, y, 60, self.ROW),
                             Qt.AlignmentFlag.AlignVCenter, f"{float(p):.3f}")
            y += self.ROW
