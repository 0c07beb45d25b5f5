"""Graphics items of the canvas: raster overlays, boxes, label chips, selection outlines."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPainter,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPixmapItem, QGraphicsRectItem

from reviewer.core.view_state import CanvasObject

from .palette import DASHED, DOTTED, LineStyle

_DASHES = {DASHED: [5.0, 3.0], DOTTED: [1.5, 2.5]}
_pen_cache: dict[tuple, QPen] = {}


def cosmetic_pen(style: LineStyle) -> QPen:
    """A cosmetic pen (constant width on screen at any zoom) for a LineStyle, cached."""
    key = (style.rgb, style.dash, style.width)
    pen = _pen_cache.get(key)
    if pen is None:
        pen = QPen(QColor(*style.rgb))  # rgb may carry a fourth value: alpha
        pen.setCosmetic(True)
        pen.setWidthF(style.width)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        if style.dash in _DASHES:
            pen.setDashPattern(_DASHES[style.dash])
        _pen_cache[key] = pen
    return pen


def argb_qimage(argb: np.ndarray) -> QImage:
    """(H,W) uint32 premultiplied ARGB -> QImage sharing the buffer (keep the array alive)."""
    h, w = argb.shape
    return QImage(argb.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied)


_prepared: OrderedDict[int, tuple[np.ndarray, QPixmap]] = OrderedDict()
MAX_PREPARED = 3  # pixmaps of the next images, converted while the window is idle


def prepare_pixmap(rgb: np.ndarray) -> None:
    """Convert (H,W,3) uint8 RGB ahead of time: the next ``rgb_pixmap(rgb)`` of the same array
    returns it at once (the image of a frame about to be shown)."""
    if id(rgb) in _prepared and _prepared[id(rgb)][0] is rgb:
        return
    _prepared[id(rgb)] = (rgb, _convert(rgb))
    while len(_prepared) > MAX_PREPARED:
        _prepared.popitem(last=False)


def rgb_pixmap(rgb: np.ndarray) -> QPixmap:
    """(H,W,3) uint8 RGB -> QPixmap (copied; prepared by ``prepare_pixmap`` if it was)."""
    entry = _prepared.pop(id(rgb), None)
    if entry is not None and entry[0] is rgb:
        return entry[1]
    return _convert(rgb)


def _convert(rgb: np.ndarray) -> QPixmap:
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image)


def placeholder_pixmap(width: int, height: int) -> QPixmap:
    """A neutral grey pixmap standing in for a missing image: at most 256 pixels on its long
    side, in the image's proportions (the scene stretches it over the image's size)."""
    scale = min(1.0, 256.0 / max(width, height, 1))
    pixmap = QPixmap(max(round(width * scale), 1), max(round(height * scale), 1))
    pixmap.fill(QColor(96, 96, 96))
    return pixmap


class ContainerItem(QGraphicsItem):
    """An empty parent: children share its visibility, opacity and z order."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(self, painter, option, widget=None):
        pass


class OverlayItem(QGraphicsItem):
    """One (H,W) ARGB raster drawn at image pixel (0,0), nearest-neighbour (crisp when zoomed);
    a raster ``step`` times coarser than the image is stretched over it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._argb: np.ndarray | None = None
        self._image: QImage | None = None
        self._rect = QRectF()
        self._step = 1

    def set_raster(self, argb: np.ndarray | None, step: int = 1) -> None:
        """Show an (H,W) uint32 ARGB array (kept by reference), or nothing for None; raster
        pixel (Y, X) covers image pixels from (Y*step, X*step)."""
        self.prepareGeometryChange()
        self._argb, self._step = argb, step
        self._image = None if argb is None else argb_qimage(argb)
        self._rect = (QRectF() if argb is None
                      else QRectF(0, 0, argb.shape[1] * step, argb.shape[0] * step))
        self.update()

    def patched(self, regions) -> None:
        """The raster was changed in place inside ``regions`` ((y0, x0, y1, x1) each, raster
        pixels): repaint only those rectangles."""
        self._image = argb_qimage(self._argb)
        k = self._step
        for y0, x0, y1, x1 in regions:
            self.update(QRectF(x0 * k, y0 * k, (x1 - x0) * k, (y1 - y0) * k))

    def raster(self) -> np.ndarray | None:
        """The (H,W) uint32 ARGB array drawn (None when empty)."""
        return self._argb

    def image(self) -> QImage | None:
        """The QImage drawn (None when empty)."""
        return self._image

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option, widget=None):
        if self._image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            if self._step == 1:
                painter.drawImage(QPointF(0, 0), self._image)
            else:
                painter.drawImage(self._rect, self._image)


class BoxItem(QGraphicsRectItem):
    """The box of one CanvasObject (xywh in image pixels), stroked over a faint dark halo so
    that it reads on bright and dark images alike.

    Both are painted by Qt itself (no Python ``paint``): the halo is a child rect item stacked
    behind the box, so a repaint of thousands of boxes stays cheap.
    """

    def __init__(self, obj: CanvasObject, parent=None):
        super().__init__(*obj.box, parent)
        self.obj = obj
        self.style: LineStyle | None = None
        self.halo = QGraphicsRectItem(*obj.box, self)
        self.halo.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent, True)
        self.halo.setPen(cosmetic_pen(LineStyle((0, 0, 0, 90), "solid", 4.0)))
        self.label: LabelItem | None = None
        self.style_key = None
        self.z: int | None = None  # stacking place among the frame's objects of its source

    def set_object(self, obj: CanvasObject) -> None:
        """Show another object with this item (items are reused between frames)."""
        if obj.box != self.obj.box:
            self.setRect(*obj.box)
            self.halo.setRect(*obj.box)
        self.obj = obj
        self.style_key = None

    def set_style(self, style: LineStyle, fill: bool) -> None:
        """Stroke with a cosmetic pen; fill lightly with the line colour when ``fill``."""
        self.style = style
        self.halo.setPen(cosmetic_pen(LineStyle((0, 0, 0, 90), "solid", style.width + 2.0)))
        self.setPen(cosmetic_pen(style))
        if fill:
            self.setBrush(QBrush(QColor(*style.rgb, 40)))
        else:
            self.setBrush(Qt.BrushStyle.NoBrush)


class LabelItem(QGraphicsPixmapItem):
    """A readable label chip above a box's top-left corner (below it for ``below``), constant
    size on screen.

    Dark rounded background, a colour tab on the left, white text, and a teal dot badge when
    the object was corrected. Chips are rendered once per (text, colour, badge) into a shared
    pixmap at the screen's pixel ratio and blitted by Qt: no Python paint call, and showing
    another image reuses the chips of the labels it has in common.
    """

    PAD = 3.0

    def __init__(self, text: str, rgb, corrected: bool = False, parent=None, below=False):
        super().__init__(parent)
        self._below = below
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresParentOpacity, True)
        self.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self._corrected = corrected
        self._content = None
        self.set_content(text, rgb)

    def set_content(self, text: str, rgb, corrected: bool | None = None) -> None:
        """Change the text, the colour tab and (unless None) the corrected badge."""
        if corrected is not None:
            self._corrected = corrected
        key = (text, tuple(rgb), self._corrected)
        if key == self._content:
            return
        self._content = key
        self.text = text
        pixmap, height = chip_pixmap(*key)
        self.setPixmap(pixmap)
        self.setOffset(0, 0 if self._below else -height)

    @staticmethod
    def font() -> QFont:
        return chip_font()


_font: QFont | None = None
_chips: dict[tuple, tuple[QPixmap, float]] = {}
MAX_CHIPS = 4096


def chip_font() -> QFont:
    global _font
    if _font is None:
        _font = QFont()
        _font.setPointSizeF(8.5)
    return _font


def chip_pixmap(text: str, rgb: tuple, corrected: bool) -> tuple[QPixmap, float]:
    """The label chip of (text, rgb, corrected) and its height in logical pixels, cached."""
    chip = _chips.get((text, rgb, corrected))
    if chip is None:
        if len(_chips) >= MAX_CHIPS:
            _chips.clear()
        chip = _chips[(text, rgb, corrected)] = _render_chip(text, rgb, corrected)
    return chip


def _render_chip(text: str, rgb: tuple, corrected: bool) -> tuple[QPixmap, float]:
    pad = LabelItem.PAD
    metrics = QFontMetricsF(chip_font())
    badge = 10.0 if corrected else 0.0
    w = metrics.horizontalAdvance(text) + 2 * pad + 4.0 + badge
    h = metrics.height() + 2.0
    app = QGuiApplication.instance()
    ratio = app.devicePixelRatio() if app is not None else 1.0
    pixmap = QPixmap(max(int(np.ceil(w * ratio)), 1), max(int(np.ceil(h * ratio)), 1))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    r = QRectF(0, 0, w, h)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(20, 20, 20, 200))
    painter.drawRoundedRect(r, 2.5, 2.5)
    painter.setBrush(QColor(*rgb))
    painter.drawRect(QRectF(r.left(), r.top(), 3.0, r.height()))
    painter.setFont(chip_font())
    painter.setPen(QColor(245, 245, 245))
    text_rect = r.adjusted(3.0 + pad, 0, -pad, 0)
    painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
    if corrected:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 200, 190))
        painter.drawEllipse(QPointF(r.right() - pad - 3.5, r.center().y()), 3.5, 3.5)
    painter.end()
    return pixmap, h


class HighlightItem(QGraphicsRectItem):
    """Selection outline around a box: a dark halo under a white line, both cosmetic."""

    def __init__(self, obj: CanvasObject, parent=None):
        super().__init__(*obj.box, parent)
        self.obj = obj
        self._halo = cosmetic_pen(LineStyle((0, 0, 0), "solid", 5.0))
        self._line = cosmetic_pen(LineStyle((255, 255, 255), "solid", 2.5))
        self.setPen(self._halo)

    def paint(self, painter: QPainter, option, widget=None):
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(self._halo)
        painter.drawRect(self.rect())
        painter.setPen(self._line)
        painter.drawRect(self.rect())
