"""Semantic-mask tools (segmentation task): brush, eraser, flood fill, polygon fill, copy prediction.

Every gesture becomes ONE ``PaintMask`` command built by ``reviewer.core.raster`` on the full-
resolution GT mask and run through ``ctx.execute``; the document re-scores the image and the
controller re-renders the canvas from the new mask. While a gesture is in progress only cheap
preview items move: the brush stroke is a ``QGraphicsPathItem`` with a round pen of the brush
width (scene units, so it scales with the zoom), polygons are dashed outlines.

Scene point (x, y) lies in image pixel (floor(x), floor(y)); the builders round coordinates, so
points are handed over as pixel centres ``(x - 0.5, y - 0.5)``.

Keys (window shortcuts of the tool buttons): Shift+B brush, Shift+E eraser, G flood fill,
Shift+P polygon fill, Shift+C copy prediction; ``[`` / ``]`` brush size (``mask_options``).
Polygon tools: click the vertices; the first point, Enter or a double-click closes; Backspace
removes the last point; Esc drops the polygon.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsPathItem

from reviewer.core import raster
from reviewer.core.view_state import UNLABELED_NAMES, unlabeled_classes

from .base import Tool, ToolEvent
from .polygon_input import PolygonInput

STROKE_ALPHA = 150
Z_RING = 101.0  # the brush cursor above the stroke preview


def erase_value(class_names, ignore_index) -> int:
    """What the eraser paints: class 0 when the project names it "unlabeled" (the dataset's own
    "no label", scored like any class), else the ignore index (void: left out of the scores),
    else 0."""
    if class_names and str(class_names[0]).strip().casefold() in UNLABELED_NAMES:
        return 0
    return int(ignore_index) if ignore_index is not None else 0


def unlabeled_values(class_names, ignore_index) -> list[int]:
    """GT values that carry no label: the ignore index and a class named "unlabeled" (or the
    like); values beyond the classes count too (``copy_prediction``'s ``num_classes``)."""
    out = sorted(unlabeled_classes(class_names))
    if ignore_index is not None:
        out.append(int(ignore_index))
    return out


def change_text(changes, class_names, shown: int = 4) -> str:
    """``12,340 px: unlabeled → road 11,840, void → road 500`` for ``raster.paint_changes``."""
    def name(v):
        return str(class_names[v]) if 0 <= v < len(class_names) else "void"
    total = sum(n for _, _, n in changes)
    parts = [f"{name(o)} → {name(n)} {k:,}" for o, n, k in changes[:shown]]
    if len(changes) > shown:
        parts.append(f"{len(changes) - shown} more")
    return f"{total:,} px: " + ", ".join(parts)


def pixel_point(p: QPointF) -> tuple[float, float]:
    """Scene point -> image coordinates whose rounding is the pixel under the point."""
    return (p.x() - 0.5, p.y() - 0.5)


class MaskTool(Tool):
    """Shared by the mask tools: the shown image's id, masks and the current class."""

    edits = "masks"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, manager, options=None):
        super().__init__(manager)
        self.options = options  # MaskOptions (mask_options): brush radius, copy option

    def _target(self):
        """(image_id, gt (H,W), pred (H,W) | None) of the shown image, or None (with a status
        message) when there is nothing to paint on."""
        doc, row = self.ctx.document, self.ctx.image_row
        if doc is None or row is None or self.ctx.edits != "masks":
            return None
        gt, pred = doc.masks(row)
        if gt is None:
            self.ctx.status("This image has no ground-truth mask to paint on")
            return None
        return self.ctx.controller.image_id(row), gt, pred

    def _run(self, command) -> None:
        if command is None:
            self.ctx.status("Nothing changed: the pixels already have that class")
            return
        self.ctx.execute(command)

    def class_color(self, alpha: int = 255) -> QColor:
        r, g, b = self.manager.class_rgb()[:3]
        return QColor(r, g, b, alpha)


# --- brush and eraser ---------------------------------------------------------------------------

class BrushTool(MaskTool):
    name, text, shortcut, icon = "brush", "Brush", "Shift+B", "brush"
    tip = "Paint the current class: one drag = one undoable stroke ([ and ] change the size)"

    def __init__(self, manager, options):
        super().__init__(manager, options)
        self.points: list[QPointF] = []
        self._stroke: QGraphicsPathItem | None = None
        self._ring: QGraphicsEllipseItem | None = None
        options.radius_changed.connect(self._on_options_radius_changed)

    def value(self) -> int:
        return self.ctx.current_class

    def stroke_color(self) -> QColor:
        return self.class_color(STROKE_ALPHA)

    # --- gesture ----------------------------------------------------------------------------
    def press(self, ev: ToolEvent) -> bool:
        if self._target() is None:
            return False
        self.points = [QPointF(ev.pos)]
        pen = QPen(self.stroke_color(), 2 * self.options.radius + 1)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self._stroke = self.add_preview(QGraphicsPathItem())
        self._stroke.setPen(pen)
        self._draw_stroke()
        self._place_ring(ev.pos)
        return True

    def move(self, ev: ToolEvent) -> bool:
        if not self.points:
            return True
        last = self.points[-1]
        if abs(ev.pos.x() - last.x()) + abs(ev.pos.y() - last.y()) >= 0.5:
            self.points.append(QPointF(ev.pos))
            self._draw_stroke()
        self._place_ring(ev.pos)
        return True

    def release(self, ev: ToolEvent) -> bool:
        if not self.points:
            return True
        self.move(ev)
        points = [pixel_point(p) for p in self.points]
        self._drop_stroke()
        target = self._target()
        if target is not None:
            image_id, gt, _ = target
            self._run(raster.brush(image_id, gt, points, self.options.radius, self.value()))
        return True

    def hover(self, ev: ToolEvent) -> bool:
        self._place_ring(ev.pos)
        return True

    def cancel(self) -> bool:
        had = bool(self.points)
        self._drop_stroke()
        return had

    def deactivate(self) -> None:
        super().deactivate()
        self._stroke, self._ring = None, None

    # --- previews ---------------------------------------------------------------------------
    def _draw_stroke(self) -> None:
        path = QPainterPath(self.points[0])
        if len(self.points) == 1:
            path.lineTo(self.points[0])  # a dot: a zero-length line with round caps
        for p in self.points[1:]:
            path.lineTo(p)
        self._stroke.setPath(path)

    def _drop_stroke(self) -> None:
        self.points = []
        if self._stroke is not None:
            self.remove_preview(self._stroke)
            self._stroke = None

    def _place_ring(self, pos: QPointF) -> None:
        """The round brush cursor: a circle of the brush's size in image pixels (so its size on
        screen follows the zoom)."""
        if self._ring is None or self._ring.scene() is None:
            self._ring = self.add_preview(_ring_item(), z=Z_RING)
        r = self.options.radius + 0.5
        self._ring.setRect(QRectF(-r, -r, 2 * r, 2 * r))
        cx, cy = math.floor(pos.x()) + 0.5, math.floor(pos.y()) + 0.5  # the pixel painted
        self._ring.setPos(cx, cy)

    def _on_options_radius_changed(self, radius: int) -> None:
        if self._ring is not None and self._ring.scene() is not None:
            self._place_ring(self._ring.pos())


def _ring_item() -> QGraphicsEllipseItem:
    item = QGraphicsEllipseItem()
    pen = QPen(QColor(255, 255, 255, 230), 1.5)
    pen.setCosmetic(True)
    item.setPen(pen)
    item.setBrush(Qt.BrushStyle.NoBrush)
    return item


class EraserTool(BrushTool):
    name, text, shortcut, icon = "eraser", "Eraser", "Shift+E", "eraser"
    tip = ("Erase: paint 'unlabeled' (class 0) when the project's class 0 is named unlabeled, "
           "otherwise the ignore index (255: not scored); one drag = one undoable stroke")

    def value(self) -> int:
        doc = self.ctx.document
        return erase_value(doc.class_names, doc.ignore_index)

    def stroke_color(self) -> QColor:
        return QColor(255, 255, 255, 110)


# --- flood fill ---------------------------------------------------------------------------------

class FloodFillTool(MaskTool):
    name, text, shortcut, icon = "flood_fill", "Flood Fill", "G", "flood_fill"
    tip = "Click a region: its connected pixels of one class take the current class"

    def press(self, ev: ToolEvent) -> bool:
        return self._target() is not None

    def release(self, ev: ToolEvent) -> bool:
        target = self._target()
        if target is not None:
            image_id, gt, _ = target
            seed = (math.floor(ev.pos.x()), math.floor(ev.pos.y()))
            self._run(raster.flood_fill(image_id, gt, seed, self.ctx.current_class))
        return True


# --- polygon tools ------------------------------------------------------------------------------

class _PolygonMaskTool(PolygonInput, MaskTool):
    """Click vertices (``PolygonInput``); the closed polygon becomes ``build(...)``'s command."""

    polygon_closed_preview = True

    def polygon_ready(self) -> bool:
        return self._target() is not None

    def polygon_finished(self, points) -> None:
        target = self._target()
        if target is not None:
            self._run(self.build(*target, [pixel_point(p) for p in points]))

    def build(self, image_id, gt, pred, polygon):
        raise NotImplementedError


class PolygonFillTool(_PolygonMaskTool):
    name, text, shortcut, icon = "polygon_fill", "Polygon Fill", "Shift+P", "polygon_fill"
    tip = ("Click the vertices of a region to fill with the current class; the first point or "
           "Enter closes it")

    def build(self, image_id, gt, pred, polygon):
        return raster.polygon_fill(image_id, gt, polygon, self.ctx.current_class)


class CopyPredictionTool(_PolygonMaskTool):
    name, text, shortcut, icon = "copy_prediction", "Copy Prediction", "Shift+C", \
        "copy_prediction"
    tip = ("Outline a region: the ground truth inside takes the model's prediction — by "
           "default only where the ground truth has no label (a road left unlabeled that the "
           "model got right); the toolbar's copy mode widens it")

    def _target(self):
        target = super()._target()
        if target is not None and target[2] is None:
            self.ctx.status("This image has no predicted mask to copy from")
            return None
        return target

    def build(self, image_id, gt, pred, polygon):
        mode = self.options.copy_mode if self.options is not None else "unlabeled"
        doc, current = self.ctx.document, self.ctx.current_class
        classes = [current] if mode == "predicted_class" else None
        into, k = None, None
        if mode == "unlabeled":
            into, k = unlabeled_values(doc.class_names, doc.ignore_index), doc.num_classes
        elif mode == "class":
            into = [current]
        return raster.copy_prediction(image_id, gt, pred, polygon, classes, into, k)

    def _run(self, command) -> None:
        if command is None:
            self.ctx.status("Nothing changed: no pixel inside the outline may take the "
                            "prediction in this copy mode, or they already equal it")
            return
        self.ctx.execute(command)
        names = self.ctx.document.class_names
        self.ctx.status("Copied the prediction: " + change_text(raster.paint_changes(command),
                                                                names))


MASK_TOOLS = (BrushTool, EraserTool, FloodFillTool, PolygonFillTool, CopyPredictionTool)
