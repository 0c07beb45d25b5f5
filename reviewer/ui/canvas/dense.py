"""Drawing a source with very many boxes: one item per source instead of one per object.

A frame source (GT or predictions) with more than ``DENSE_OBJECTS`` objects is not given a
``BoxItem`` and a ``LabelItem`` per object (200,000 boxes made 600,000 graphics items: a minute
and gigabytes). ``DenseBoxesItem`` holds the boxes as arrays and draws, at each paint, what the
view shows, by level of detail:

- at most ``VECTOR_LIMIT`` shown boxes in the view: each one stroked with its own pen, as a
  ``BoxItem`` draws it (halo, dashes, fill);
- more: one cached raster of every shown box (1-pixel outlines in the style's colour, no fill),
  rendered at the view's zoom rounded up to a power of two (at most ``RASTER_SIDE`` pixels a
  side) and stretched over the image; it is rendered again only when the zoom level or the layer
  state change, and patched in place where an edit moved boxes.

``DenseLabelsItem`` draws the label chips of the boxes in view when there are at most
``LABEL_LIMIT`` of them (zoom in to read labels). Picking, hover, selection and editing work on
the scene's arrays and the document, not on items, so they are unaffected.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from reviewer.core.view_state import CanvasObject, LayerState

from . import palette
from .items import chip_pixmap, cosmetic_pen
from .palette import LineStyle

DENSE_OBJECTS = 2000  # objects of one source above which it is drawn by one DenseBoxesItem
VECTOR_LIMIT = 3000   # shown boxes in view up to which each is stroked with its own pen
LABEL_LIMIT = 300     # shown boxes in view up to which their labels are drawn
RASTER_SIDE = 4096    # long side of the raster of all boxes, at most
HALO = (0, 0, 0, 90)


def visible_rect(widget) -> QRectF | None:
    """The scene rectangle the view painting into ``widget`` (its viewport) shows."""
    view = widget.parent() if widget is not None else None
    if view is None or not hasattr(view, "mapToScene"):
        return None
    return view.mapToScene(view.viewport().rect()).boundingRect()


class DenseBoxes:
    """The boxes of one source as arrays (no Qt): objects (N,) in frame order, xywh (N,4),
    class index (N,), score (N,) (NaN for GT), and under a layer state the shown mask and each
    box's style index into ``styles``."""

    def __init__(self, objects, errors: bool, colors: np.ndarray, state: LayerState):
        self.objects = tuple(objects)
        n = len(self.objects)
        self.source = self.objects[0].source if n else "gt"
        self.xywh = np.array([o.box for o in self.objects], np.float64).reshape(n, 4)
        self.ids = np.fromiter((o.ann_id for o in self.objects), np.int64, n)
        self.cls = np.fromiter((o.class_index for o in self.objects), np.int64, n)
        self.score = np.fromiter((np.nan if o.score is None else o.score
                                  for o in self.objects), np.float64, n)
        self._index: dict | None = None
        self.restyle(errors, colors)
        self.apply(state)

    def restyle(self, errors: bool, colors: np.ndarray) -> None:
        """Each box's line style (overlay: by class; errors: by match status and error type)."""
        self.errors = errors
        if errors:
            table: dict = {}
            keys = [(o.status, o.error_type) for o in self.objects]
            for k, obj in zip(keys, self.objects, strict=True):
                if k not in table:
                    table[k] = (len(table), palette.error_style(obj))
            self.styles = [s for _, s in sorted(table.values(), key=lambda v: v[0])]
            self.style = np.fromiter((table[k][0] for k in keys), np.int64, len(keys))
        else:  # the overlay style depends on the source (same for all) and the class colour
            n = min(int(self.cls.max()) + 1 if len(self.cls) else 0, len(colors))
            self.styles = [palette.overlay_style(self.objects[0], tuple(int(v) for v in colors[c]))
                           for c in range(n)]
            self.style = np.minimum(self.cls, max(n - 1, 0))

    def apply(self, state: LayerState) -> bool:
        """The shown mask under ``state`` (``LayerState.shows`` for every box at once) and the
        fill; True when either changed."""
        layer = state.source(self.source)
        shown = np.full(len(self.objects), layer.visible, bool)
        if layer.classes is not None:
            shown &= np.isin(self.cls, list(layer.classes))
        if self.source == "pred":
            shown &= ~(self.score < state.score_threshold)  # NaN (no score) is shown
        old = (getattr(self, "shown", None), getattr(self, "fill", None))
        self.shown, self.fill = shown, layer.fill
        return not (old[1] == self.fill and old[0] is not None
                    and np.array_equal(old[0], shown))

    def object(self, ann_id: int) -> CanvasObject | None:
        if self._index is None:
            self._index = dict(zip(self.ids.tolist(), range(len(self.ids)), strict=True))
        k = self._index.get(int(ann_id))
        return None if k is None else self.objects[k]

    def changed_keys(self, old: DenseBoxes) -> list[tuple[str, int]]:
        """Keys of the objects added, removed or drawn differently since ``old``."""
        from .box_pool import drawn_alike
        if np.array_equal(old.ids, self.ids):
            return [b.key for a, b in zip(old.objects, self.objects, strict=True)
                    if a is not b and not drawn_alike(a, b)]
        before = dict(zip(old.ids.tolist(), old.objects, strict=True))
        out = []
        for obj in self.objects:
            prev = before.pop(obj.ann_id, None)
            if prev is None or not (prev is obj or drawn_alike(prev, obj)):
                out.append(obj.key)
        return out + [(self.source, a) for a in before]

    def in_rect(self, rect: QRectF) -> np.ndarray:
        """Rows of the shown boxes meeting ``rect`` (scene coordinates), in frame order."""
        x, y, w, h = self.xywh.T
        hit = self.shown & (x <= rect.right()) & (x + w >= rect.left()) & (
            y <= rect.bottom()) & (y + h >= rect.top())
        return np.flatnonzero(hit)


class DenseBoxesItem(QGraphicsItem):
    """Every box of one source (see the module docstring); nothing when ``boxes`` is None."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.boxes: DenseBoxes | None = None
        self._rect = QRectF()
        self._rects: list | None = None  # QRectF of every box, made once per content
        self._raster: tuple | None = None  # (scale, QImage)
        self.rasters_rendered = 0
        self.rasters_patched = 0

    def set_boxes(self, boxes: DenseBoxes | None, image_rect: QRectF) -> None:
        """Show ``boxes``. Another version of the same boxes (an edit: same ids, a few boxes
        moved or restyled) keeps the QRectF of the others and patches the raster in place."""
        self.prepareGeometryChange()
        old, self.boxes, self._rect = self.boxes, boxes, QRectF(image_rect)
        if (boxes is None or old is None or not np.array_equal(old.ids, boxes.ids)
                or old.styles != boxes.styles or old.fill != boxes.fill):
            self._rects, self._raster = None, None
            self.update()
            return
        rows = np.flatnonzero((old.xywh != boxes.xywh).any(axis=1) | (old.style != boxes.style)
                              | (old.shown != boxes.shown))
        if self._rects is not None:
            for k in rows.tolist():
                self._rects[k] = QRectF(*boxes.xywh[k].tolist())
        if self._raster is not None and len(rows):
            self._patch_raster(np.concatenate([old.xywh[rows], boxes.xywh[rows]]))
        self.update()

    def changed(self) -> None:
        """The shown mask or the styles changed: render the raster again when needed."""
        self._raster = None
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-4, -4, 4, 4) if self.boxes is not None else QRectF()

    def paint(self, painter: QPainter, option, widget=None):
        boxes = self.boxes
        if boxes is None or not boxes.shown.any():
            return
        view = visible_rect(widget) or option.exposedRect
        if len(boxes.in_rect(view)) <= VECTOR_LIMIT:
            self._paint_vectors(painter, boxes, boxes.in_rect(option.exposedRect))
        else:
            zoom = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
            self._paint_raster(painter, boxes, zoom)

    def _qrects(self) -> list:
        """QRectF of every box (for the raster), made once per content."""
        if self._rects is None:
            self._rects = [QRectF(*r) for r in self.boxes.xywh.tolist()]
        return self._rects

    def _paint_vectors(self, painter: QPainter, boxes: DenseBoxes, rows: np.ndarray) -> None:
        rects = dict(zip(rows.tolist(), (QRectF(*r) for r in boxes.xywh[rows].tolist()),
                         strict=True))
        groups = _groups(boxes.style[rows], rows)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for style_index, members in groups:
            width = boxes.styles[style_index].width
            painter.setPen(cosmetic_pen(LineStyle(HALO, "solid", width + 2.0)))
            painter.drawRects([rects[k] for k in members])
        for style_index, members in groups:
            style = boxes.styles[style_index]
            painter.setPen(cosmetic_pen(style))
            painter.setBrush(QBrush(QColor(*style.rgb, 40)) if boxes.fill
                             else Qt.BrushStyle.NoBrush)
            painter.drawRects([rects[k] for k in members])

    def _paint_raster(self, painter: QPainter, boxes: DenseBoxes, zoom: float) -> None:
        w, h = self._rect.width(), self._rect.height()
        level = 2.0 ** math.ceil(math.log2(max(zoom, 1e-6)))
        scale = min(level, 1.0, RASTER_SIDE / max(w, h, 1.0))
        if self._raster is None or self._raster[0] != scale:
            self._raster = (scale, self._render(boxes, scale))
        image = self._raster[1]
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(QRectF(0, 0, image.width() / scale, image.height() / scale), image)

    def _render(self, boxes: DenseBoxes, scale: float) -> QImage:
        w, h = self._rect.width(), self._rect.height()
        image = QImage(max(1, math.ceil(w * scale)), max(1, math.ceil(h * scale)),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        p = QPainter(image)
        p.scale(scale, scale)
        self._draw_thin(p, boxes, np.flatnonzero(boxes.shown))
        p.end()
        self.rasters_rendered += 1
        return image

    def _draw_thin(self, p: QPainter, boxes: DenseBoxes, rows: np.ndarray) -> None:
        """The raster's drawing of ``rows``: 1-pixel lines in each style's colour, in order."""
        rects = self._qrects()
        p.setBrush(Qt.BrushStyle.NoBrush)  # thousands of light fills only veil the image
        for style_index, members in _groups(boxes.style[rows], rows):
            p.setPen(cosmetic_pen(LineStyle(boxes.styles[style_index].rgb, "solid", 1.0)))
            p.drawRects([rects[k] for k in members])

    def _patch_raster(self, xywh: np.ndarray) -> None:
        """Redraw the raster inside the boxes ``xywh`` (K,4) (old and new places of the edited
        boxes): cleared there, then every shown box meeting them drawn again, clipped."""
        scale, image = self._raster
        boxes = self.boxes
        p = QPainter(image)
        for x, y, w, h in xywh.tolist():  # whole raster pixels around the box
            x0, y0 = math.floor(x * scale) - 2, math.floor(y * scale) - 2
            x1, y1 = math.ceil((x + w) * scale) + 3, math.ceil((y + h) * scale) + 3
            pixels = QRect(x0, y0, x1 - x0, y1 - y0)
            p.resetTransform()
            p.setClipRect(pixels)
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            p.fillRect(pixels, Qt.GlobalColor.transparent)
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            p.scale(scale, scale)
            dirty = QRectF(x0 / scale, y0 / scale, (x1 - x0) / scale, (y1 - y0) / scale)
            self._draw_thin(p, boxes, boxes.in_rect(dirty.adjusted(-2, -2, 2, 2)))
        p.end()
        self.rasters_patched += 1


class DenseLabelsItem(QGraphicsItem):
    """The label chips of a DenseBoxesItem's boxes in view, when there are few of them; each
    chip keeps its size on screen (GT labels under the box, prediction labels above it)."""

    def __init__(self, boxes_item: DenseBoxesItem, parent=None):
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.boxes_item = boxes_item
        self.drawn = 0  # labels drawn by the last paint

    def boundingRect(self) -> QRectF:
        return self.boxes_item.boundingRect().adjusted(-2000, -2000, 2000, 2000)

    def paint(self, painter: QPainter, option, widget=None):
        boxes = self.boxes_item.boxes
        if boxes is None:
            return
        rows = boxes.in_rect(visible_rect(widget) or option.exposedRect)
        self.drawn = len(rows) if len(rows) <= LABEL_LIMIT else 0
        if not self.drawn:
            return
        transform = painter.worldTransform()
        gt = boxes.source == "gt"
        painter.save()
        painter.resetTransform()
        for k in rows.tolist():
            obj = boxes.objects[k]
            style = boxes.styles[boxes.style[k]]
            pixmap, height = chip_pixmap(palette.label_text(obj, boxes.errors),
                                         tuple(style.rgb), obj.corrected)
            x, y, _, h = obj.box
            at = transform.map(QPointF(x, y + h if gt else y))
            painter.drawPixmap(QPointF(at.x(), at.y() - (0.0 if gt else height)), pixmap)
        painter.restore()


def _groups(style: np.ndarray, rows: np.ndarray) -> list[tuple[int, list[int]]]:
    """(style index, rows) per style, styles in order of first appearance among ``rows``."""
    if not len(rows):
        return []
    order = np.argsort(style, kind="stable")
    uniq, starts = np.unique(style[order], return_index=True)
    bounds = list(starts[1:]) + [len(order)]
    return [(int(u), rows[order[a:b]].tolist()) for u, a, b in zip(uniq, starts, bounds,
                                                                     strict=True)]
