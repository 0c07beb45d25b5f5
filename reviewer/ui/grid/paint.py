"""How one grid cell is drawn: the picture, the task's badge, the review marks, the selection.

A cell is a square. The picture is fitted inside it (aspect kept) with the task's boxes drawn
small over it (GT green, predictions orange, as the report's thumbnails); the badge lines sit
on a dark strip over the picture's foot (a wrong prediction in red, a right one in green). The
review state is in the top corners: the status at the left (✓ reviewed, ! needs a second look,
» skipped) followed by ✎ when the image's GT was corrected, and one dot per image tag in the
tag's colour at the right. A selected cell is tinted and framed in the palette's highlight
colour; the current image (the one the canvas shows) gets a thicker frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen

from reviewer.ui.task_view import ThumbBadge

from .thumbs import Thumb

TONE_COLOURS = {"": QColor(240, 240, 240), "good": QColor(110, 220, 130),
                "bad": QColor(255, 110, 100), "muted": QColor(175, 175, 180)}
BOX_COLOURS = {"gt": QColor(60, 180, 60), "pred": QColor(255, 140, 0)}
STATUS_MARKS = {"reviewed": ("✓", QColor(46, 160, 67)),
                "needs-second-look": ("!", QColor(225, 140, 20)),
                "skipped": ("»", QColor(120, 120, 125))}
CORRECTED_MARK = ("✎", QColor(60, 120, 215))
STRIP = QColor(15, 15, 18, 190)
EMPTY = QColor(128, 128, 128, 40)  # over the background: a cell without a picture (yet)
MAX_DOTS = 5
# flags combined once: a Python enum's ``|`` costs ~50 µs, several per cell
_WRAPPED = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class Style:
    """What every cell of one paint shares, made once per paint (fonts, their metrics, opaque
    colours: a see-through fill costs ~8x an opaque one): ``Style(font, base, highlight)``."""

    def __init__(self, font: QFont, base: QColor, highlight: QColor):
        self.highlight = QColor(highlight)
        self.empty = _over(EMPTY, base)
        self.font = _small(font)
        self.metrics = QFontMetrics(self.font)
        self.bold = QFont(self.font)
        self.bold.setBold(True)
        self.bold_metrics = QFontMetrics(self.bold)
        self.line_height = self.metrics.height()


@dataclass(frozen=True)
class Cell:
    """Everything a cell shows. thumb: None while the picture decodes; overlay: a tint drawn
    over the picture (the task's ``thumb_overlay``), None when there is none (yet)."""

    thumb: Thumb | None
    badge: ThumbBadge
    status: str = "unreviewed"
    tag_colours: tuple[str, ...] = ()
    corrected: bool = False
    overlay: Thumb | None = None


def paint_cell(p: QPainter, rect: QRect, cell: Cell, selected: bool, current: bool,
               style: Style) -> None:
    """Draw ``cell`` into ``rect`` (viewport pixels)."""
    p.save()
    p.setClipRect(rect)
    highlight = style.highlight
    picture = _picture(p, rect, cell, style)
    if picture is not None and cell.overlay is not None and cell.overlay.image is not None:
        p.drawImage(picture, cell.overlay.image)
    if cell.badge.boxes is not None and len(cell.badge.boxes) and picture is not None:
        _boxes(p, picture, cell)
    inner = rect.adjusted(*(frame_width(selected, current) * k for k in (1, 1, -1, -1)))
    _lines(p, inner, cell.badge.lines, style)  # inside the frame, never under it
    _marks(p, inner, cell, style)
    if selected:
        tint = QColor(highlight)
        tint.setAlpha(60)
        p.fillRect(rect, tint)
    p.restore()
    if selected or current:
        _frame(p, rect, highlight, selected, current)


def _picture(p: QPainter, rect: QRect, cell: Cell, style: Style) -> QRectF | None:
    """Draw the picture fitted into ``rect`` on the empty cell's colour; returns where it went
    (None: no picture)."""
    thumb = cell.thumb
    if thumb is None or thumb.image is None:
        p.fillRect(rect, style.empty)
        text = "…" if thumb is None else (thumb.message or "no picture")
        p.setPen(QColor(140, 140, 140))
        p.setFont(style.font)
        p.drawText(rect.adjusted(6, 6, -6, -6), _WRAPPED, text)
        return None
    image = thumb.image
    scale = min(rect.width() / image.width(), rect.height() / image.height())
    w, h = image.width() * scale, image.height() * scale
    target = QRectF(rect.x() + (rect.width() - w) / 2, rect.y() + (rect.height() - h) / 2, w, h)
    _fill_around(p, rect, target, style.empty)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    p.drawImage(target, image)
    return target


def _boxes(p: QPainter, picture: QRectF, cell: Cell) -> None:
    """The badge's boxes (image pixels) over the picture."""
    badge = cell.badge
    full = badge.image_size or cell.thumb.full_size
    if not full or not full[0] or not full[1]:
        return
    sx, sy = picture.width() / full[0], picture.height() / full[1]
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    for source in ("gt", "pred"):  # predictions above the GT they are compared with
        pen = QPen(BOX_COLOURS[source], 1)
        pen.setCosmetic(True)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for (x, y, w, h), s in zip(badge.boxes, badge.box_sources, strict=False):
            if s == source:
                p.drawRect(QRectF(picture.x() + x * sx, picture.y() + y * sy,
                                  max(w * sx, 1.0), max(h * sy, 1.0)))


def _fill_around(p: QPainter, rect: QRect, inner: QRectF, colour: QColor) -> None:
    """Fill ``rect`` but ``inner`` (the picture): the letterbox bands."""
    top, bottom = int(inner.top()) - rect.top(), rect.bottom() + 1 - int(inner.bottom())
    left, right = int(inner.left()) - rect.left(), rect.right() + 1 - int(inner.right())
    if top > 0:
        p.fillRect(QRect(rect.left(), rect.top(), rect.width(), top + 1), colour)
    if bottom > 0:
        p.fillRect(QRect(rect.left(), rect.bottom() - bottom, rect.width(), bottom + 1), colour)
    if left > 0:
        p.fillRect(QRect(rect.left(), rect.top(), left + 1, rect.height()), colour)
    if right > 0:
        p.fillRect(QRect(rect.right() - right, rect.top(), right + 1, rect.height()), colour)


def _lines(p: QPainter, rect: QRect, lines, style: Style) -> None:
    """The badge lines at the cell's foot on a dark strip only as wide as the longest line
    (the rest of the picture stays visible: a segmentation tint, a box near the bottom)."""
    if not lines:
        return
    font, metrics, height = style.font, style.metrics, style.line_height
    room = rect.width() - 8
    texts = [metrics.elidedText(text, Qt.TextElideMode.ElideRight, room) for text, _ in lines]
    width = min(rect.width(), max(metrics.horizontalAdvance(t) for t in texts) + 8)
    strip = QRect(rect.x(), rect.bottom() + 1 - height * len(lines) - 4, width,
                  height * len(lines) + 4)
    p.fillRect(strip, STRIP)
    p.setFont(font)
    for n, ((_, tone), text) in enumerate(zip(lines, texts, strict=True)):
        p.setPen(TONE_COLOURS.get(tone, TONE_COLOURS[""]))
        line = QRect(strip.x() + 4, strip.y() + 2 + n * height, room, height)
        p.drawText(line, _LEFT, text)


def _marks(p: QPainter, rect: QRect, cell: Cell, style: Style) -> None:
    """Status and corrected chips at the top left, tag dots at the top right."""
    p.setFont(style.bold)
    d = style.bold_metrics.height() + 2
    x = rect.x() + 3
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for mark in (STATUS_MARKS.get(cell.status), CORRECTED_MARK if cell.corrected else None):
        if mark is None:
            continue
        chip = QRectF(x, rect.y() + 3, d, d)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(mark[1])
        p.drawEllipse(chip)
        p.setPen(QColor(255, 255, 255))
        p.drawText(chip, Qt.AlignmentFlag.AlignCenter, mark[0])
        x += d + 2
    if cell.tag_colours:
        _dots(p, rect, cell.tag_colours, max(9.0, d * 0.75), style.bold_metrics)


def _dots(p: QPainter, rect: QRect, colours, size: float, metrics: QFontMetrics) -> None:
    shown = colours[:MAX_DOTS]
    x = rect.right() - 3 - size
    y = rect.y() + 4
    if len(colours) > MAX_DOTS:
        text = f"+{len(colours) - MAX_DOTS}"
        width = metrics.horizontalAdvance(text) + 4
        p.fillRect(QRectF(x + size - width, y - 1, width, size + 2), STRIP)
        p.setPen(QColor(255, 255, 255))
        p.drawText(QRectF(x + size - width, y - 1, width, size + 2),
                   Qt.AlignmentFlag.AlignCenter, text)
        x -= width + 2
    p.setPen(QPen(QColor(255, 255, 255), 1.5))  # a light ring: seen on dark and bright pictures
    for colour in reversed(shown):
        p.setBrush(QColor(colour))
        p.drawEllipse(QPointF(x + size / 2, y + size / 2), size / 2, size / 2)
        x -= size + 3


def frame_width(selected: bool, current: bool) -> int:
    """The frame's width in pixels: 4 around the current image, 2 around a selected one."""
    return 4 if current else 2 if selected else 0


def _frame(p: QPainter, rect: QRect, highlight: QColor, selected: bool, current: bool) -> None:
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    width = frame_width(selected, current)
    colour = QColor(highlight) if selected else QColor(highlight.lighter(130))
    pen = QPen(colour, width)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    if current and not selected:
        pen.setStyle(Qt.PenStyle.DashLine)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    half = width // 2
    p.drawRect(rect.adjusted(half, half, -half - (width % 2 == 0), -half - (width % 2 == 0)))
    p.restore()


def _over(colour: QColor, base: QColor) -> QColor:
    """``colour`` (see-through) painted over ``base``, as one opaque colour."""
    a = colour.alphaF()
    return QColor.fromRgbF(*(c * a + b * (1 - a) for c, b in
                             zip(colour.getRgbF()[:3], base.getRgbF()[:3], strict=True)))


def _small(font: QFont) -> QFont:
    out = QFont(font)
    size = font.pointSizeF()
    if size > 0:
        out.setPointSizeF(max(7.0, size * 0.85))
    return out
