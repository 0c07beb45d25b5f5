"""Geometry and preview items shared by the detection tools.

Boxes are xywh in image pixels; polygons are flat ``[x0, y0, x1, y1, ...]`` lists (COCO).
Handles are small squares of constant size on screen (``ItemIgnoresTransformations``).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsRectItem

HANDLE_SIZE = 8.0    # screen pixels
GRAB_RADIUS = 7.0    # screen pixels within which a handle / vertex / edge is grabbed
# which edges a box handle moves (left, top, right, bottom), clockwise from the top-left corner
BOX_HANDLES = ((1, 1, 0, 0), (0, 1, 0, 0), (0, 1, 1, 0), (0, 0, 1, 0),
               (0, 0, 1, 1), (0, 0, 0, 1), (1, 0, 0, 1), (1, 0, 0, 0))
_DIAG_F, _DIAG_B = Qt.CursorShape.SizeFDiagCursor, Qt.CursorShape.SizeBDiagCursor
HANDLE_CURSORS = (_DIAG_F, Qt.CursorShape.SizeVerCursor, _DIAG_B, Qt.CursorShape.SizeHorCursor,
                  _DIAG_F, Qt.CursorShape.SizeVerCursor, _DIAG_B, Qt.CursorShape.SizeHorCursor)


# --- boxes ------------------------------------------------------------------------------------
def box_handle_points(box) -> list[QPointF]:
    """The 8 handle positions of an xywh box (order of ``BOX_HANDLES``)."""
    x, y, w, h = box
    out = []
    for left, top, right, bottom in BOX_HANDLES:
        px = x if left else x + w if right else x + w / 2
        py = y if top else y + h if bottom else y + h / 2
        out.append(QPointF(px, py))
    return out


def resize_box(box, handle: int, dx: float, dy: float) -> tuple[float, float, float, float]:
    """``box`` (xywh) with the edges of ``handle`` moved by (dx, dy); normalised (w, h >= 0)."""
    x0, y0, x1, y1 = box[0], box[1], box[0] + box[2], box[1] + box[3]
    left, top, right, bottom = BOX_HANDLES[handle]
    x0, x1 = x0 + dx * left, x1 + dx * right
    y0, y1 = y0 + dy * top, y1 + dy * bottom
    return (min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))


def clamp_shift(box, dx: float, dy: float, width: int, height: int) -> tuple[float, float]:
    """(dx, dy) limited so that the moved box stays inside a width x height image (when it
    fits)."""
    x, y, w, h = box
    if width > 0 and w <= width:
        dx = min(max(dx, -x), width - w - x)
    if height > 0 and h <= height:
        dy = min(max(dy, -y), height - h - y)
    return dx, dy


def rect_of(a: QPointF, b: QPointF) -> tuple[float, float, float, float]:
    """xywh of the rectangle spanned by two points."""
    return (min(a.x(), b.x()), min(a.y(), b.y()), abs(a.x() - b.x()), abs(a.y() - b.y()))


# --- polygons ---------------------------------------------------------------------------------
def single_ring(segmentation) -> list[float] | None:
    """The one polygon of a COCO polygon segmentation, or None (RLE, several rings, nothing)."""
    if isinstance(segmentation, list) and len(segmentation) == 1 and \
            isinstance(segmentation[0], list) and len(segmentation[0]) >= 6:
        return [float(v) for v in segmentation[0]]
    return None


def points_of(coords) -> list[QPointF]:
    return [QPointF(coords[i], coords[i + 1]) for i in range(0, len(coords) - 1, 2)]


def coords_of(points) -> list[float]:
    out = []
    for p in points:
        out += [float(p.x()), float(p.y())]
    return out


def shift_coords(coords, dx: float, dy: float) -> list[float]:
    return [v + (dx if i % 2 == 0 else dy) for i, v in enumerate(coords)]


def clip_coords(coords, width: int, height: int) -> list[float]:
    """Polygon coordinates clamped to the image (no-op when the size is unknown)."""
    if width <= 0 or height <= 0:
        return list(coords)
    return [min(max(v, 0.0), float(width if i % 2 == 0 else height))
            for i, v in enumerate(coords)]


def coords_box(coords) -> tuple[float, float, float, float]:
    xs, ys = coords[0::2], coords[1::2]
    return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def scale_coords(coords, old_box, new_box) -> list[float]:
    """Map polygon coordinates from ``old_box`` to ``new_box`` (both xywh)."""
    sx = new_box[2] / old_box[2] if old_box[2] else 1.0
    sy = new_box[3] / old_box[3] if old_box[3] else 1.0
    out = []
    for i, v in enumerate(coords):
        if i % 2 == 0:
            out.append(new_box[0] + (v - old_box[0]) * sx)
        else:
            out.append(new_box[1] + (v - old_box[1]) * sy)
    return out


def nearest_edge(points, p: QPointF) -> tuple[int, QPointF, float]:
    """(index i of the closed polygon's edge i -> i+1, the closest point on it, its distance)
    for scene point ``p``."""
    best = (-1, QPointF(), math.inf)
    n = len(points)
    for i in range(n):
        a, b = points[i], points[(i + 1) % n]
        ab = b - a
        length2 = ab.x() ** 2 + ab.y() ** 2
        t = 0.0 if length2 == 0 else ((p - a).x() * ab.x() + (p - a).y() * ab.y()) / length2
        q = a + ab * min(max(t, 0.0), 1.0)
        d = math.hypot((p - q).x(), (p - q).y())
        if d < best[2]:
            best = (i, q, d)
    return best


# --- items ------------------------------------------------------------------------------------
def cosmetic(rgb, width: float = 1.5, dashed: bool = False) -> QPen:
    pen = QPen(QColor(*rgb))
    pen.setCosmetic(True)
    pen.setWidthF(width)
    if dashed:
        pen.setDashPattern([4.0, 3.0])
    return pen


class HandleItem(QGraphicsRectItem):
    """A white square of constant screen size centred on a scene point."""

    def __init__(self, point: QPointF, size: float = HANDLE_SIZE, round_: bool = False):
        half = size / 2
        super().__init__(-half, -half, size, size)
        self.setFlag(QGraphicsRectItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setPen(QPen(QColor(20, 20, 20), 1.0))
        self.setBrush(QBrush(QColor(255, 255, 255)))
        self.setPos(point)


class OutlineItem(QGraphicsPathItem):
    """A dashed white outline over a dark halo: the shape being edited (box or polygon)."""

    def __init__(self, rgb=(255, 255, 255)):
        super().__init__()
        self._halo = cosmetic((0, 0, 0, 150), 3.5)
        self.setPen(cosmetic(rgb, 1.5, dashed=True))

    def set_box(self, box) -> None:
        path = QPainterPath()
        path.addRect(QRectF(*box))
        self.setPath(path)

    def set_points(self, points, closed: bool = True) -> None:
        path = QPainterPath()
        if points:
            path.addPolygon(QPolygonF(points))
            if closed and len(points) > 2:
                path.closeSubpath()
        self.setPath(path)

    def paint(self, painter, option, widget=None):
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(self._halo)
        painter.drawPath(self.path())
        painter.setPen(self.pen())
        painter.drawPath(self.path())
