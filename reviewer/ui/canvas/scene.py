"""CanvasScene: the items of one frame, re-rendered only where the layer state changed.

Top-level items, z order bottom to top::

    image (QGraphicsPixmapItem)
    semantic overlay gt, pred      (one ARGB raster each)
    instance overlay gt, pred      (one ARGB raster each, all masks of the source)
    error overlay                  (per-pixel semantic errors, errors mode)
    boxes gt, pred                 (containers of BoxItems)
    labels gt, pred                (containers of LabelItems, constant size on screen)
    highlight                      (selection outlines)

A source layer's visibility and opacity are set on its items and containers, so toggling them
costs nothing; rasters are rebuilt only when their inputs change.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene

from reviewer.core.view_state import SOURCES, CanvasFrame, CanvasObject, LayerState

from . import overlays, palette
from .items import (
    BoxItem,
    ContainerItem,
    HighlightItem,
    LabelItem,
    OverlayItem,
    placeholder_pixmap,
    rgb_pixmap,
)

Z_SEMANTIC, Z_INSTANCES, Z_ERRORS, Z_BOXES, Z_LABELS, Z_HIGHLIGHT = 1, 3, 5, 10, 15, 20


def frame_pixmap(frame: CanvasFrame) -> QPixmap:
    """The frame's image as a pixmap, or a grey placeholder of the frame's size."""
    if frame.image is None:
        return placeholder_pixmap(*frame.size())
    return rgb_pixmap(frame.image)


class CanvasScene(QGraphicsScene):
    """Image, overlays and boxes of one CanvasFrame under a LayerState."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.frame: CanvasFrame | None = None
        self.state = LayerState()
        self.image_item = QGraphicsPixmapItem()
        self.addItem(self.image_item)
        self.semantic_items = {s: self._top(OverlayItem(), Z_SEMANTIC + i)
                               for i, s in enumerate(SOURCES)}
        self.instance_items = {s: self._top(OverlayItem(), Z_INSTANCES + i)
                               for i, s in enumerate(SOURCES)}
        self.error_item = self._top(OverlayItem(), Z_ERRORS)
        self.box_layers = {s: self._top(ContainerItem(), Z_BOXES + i) for i, s in enumerate(SOURCES)}
        self.label_layers = {s: self._top(ContainerItem(), Z_LABELS + i)
                             for i, s in enumerate(SOURCES)}
        self.highlight_layer = self._top(ContainerItem(), Z_HIGHLIGHT)
        self.boxes: dict[tuple[str, int], BoxItem] = {}
        self._colors = np.zeros((1, 3), dtype=np.uint8)
        self._crops: dict = {}
        self._keys: dict = {}
        self._pick: tuple[list, np.ndarray] = ([], np.zeros((0, 4)))

    def _top(self, item, z: float):
        item.setZValue(z)
        self.addItem(item)
        return item

    # ---------------------------------------------------------------- frame
    def set_frame(self, frame: CanvasFrame, pixmap: QPixmap | None = None) -> None:
        """Show a new frame (pixmap: the frame's image already converted, e.g. shared by panes).

        The same image again (an edit or undo re-built its frame) is updated in place: the
        pixmap and the items of unchanged objects are kept, only changed objects are redrawn.
        """
        old = self.frame
        same = (old is not None and frame.image is old.image and old.size() == frame.size()
                and frame.class_names == old.class_names)
        self.frame = frame
        width, height = frame.size()
        if pixmap is not None or not same:
            self.image_item.setPixmap(pixmap if pixmap is not None else frame_pixmap(frame))
        self.setSceneRect(QRectF(-width, -height, 3 * width, 3 * height))
        self._colors = frame.color_table(overlays.class_count(frame))
        self.set_highlight(())
        self._keys = {}
        if same:
            for key in self._update_objects(frame):
                self._crops.pop(key, None)
        else:
            self._crops = {}
            self._rebuild_boxes(frame)
        self._apply(self.state, force=not same)

    def image_rect(self) -> QRectF:
        """The image's rectangle in scene coordinates (0,0,w,h)."""
        if self.frame is None:
            return QRectF()
        width, height = self.frame.size()
        return QRectF(0, 0, width, height)

    def _rebuild_boxes(self, frame: CanvasFrame) -> None:
        for layers in (self.box_layers, self.label_layers):
            for source, old in list(layers.items()):
                self.removeItem(old)
                layers[source] = self._top(ContainerItem(), old.zValue())
        self.boxes = {obj.key: self._box_item(obj) for obj in frame.objects}

    def _box_item(self, obj: CanvasObject) -> BoxItem:
        item = BoxItem(obj, self.box_layers[obj.source])
        gt = obj.source == "gt"  # GT labels under the box, prediction labels above it
        item.label = LabelItem(obj.class_name, (0, 0, 0), obj.corrected,
                               self.label_layers[obj.source], below=gt)
        item.label.setPos(obj.box[0], obj.box[1] + (obj.box[3] if gt else 0.0))
        item.style_key = None
        return item

    def _update_objects(self, frame: CanvasFrame) -> list[tuple[str, int]]:
        """Items for ``frame``'s objects, reusing those whose drawing is unchanged; returns the
        keys of the objects added, changed or removed."""
        old, self.boxes, changed = self.boxes, {}, []
        for obj in frame.objects:
            item = old.pop(obj.key, None)
            if item is not None and _drawn_alike(item.obj, obj):
                item.obj = obj
            else:
                if item is not None:
                    self._remove_box(item)
                item = self._box_item(obj)
                changed.append(obj.key)
            self.boxes[obj.key] = item
        for key, item in old.items():
            self._remove_box(item)
            changed.append(key)
        return changed

    def _remove_box(self, item: BoxItem) -> None:
        self.removeItem(item.label)
        self.removeItem(item)

    # ---------------------------------------------------------------- layers
    def set_layers(self, state: LayerState) -> None:
        """Apply a layer state, re-rendering only the overlays whose inputs changed."""
        self._apply(state, force=False)

    def _apply(self, state: LayerState, force: bool) -> None:
        self.state = state
        self.image_item.setVisible(state.show_image)
        for source in SOURCES:
            layer = state.source(source)
            for item in (self.semantic_items[source], self.instance_items[source],
                         self.box_layers[source]):
                item.setOpacity(layer.opacity)
            self.box_layers[source].setVisible(layer.visible and layer.show_boxes)
            self.label_layers[source].setVisible(layer.visible and layer.show_boxes
                                                 and state.show_labels)
        if self.frame is None:
            return
        for source in SOURCES:
            sem = overlays.semantic_overlay(self.frame, source, state, self._colors)
            self._show(("sem", source), self.semantic_items[source], sem)
            inst = overlays.instance_overlay(self.frame, source, state, self._colors,
                                             self._crop_of)
            self._show(("inst", source), self.instance_items[source], inst)
        errors = overlays.error_overlay(self.frame, state, self._colors)
        self._show(("errors",), self.error_item, errors)
        self.error_item.setOpacity(max(state.gt.opacity, state.pred.opacity))
        self._update_boxes(state, force)
        self._update_pick()

    def _crop_of(self, obj: CanvasObject):
        return overlays.cached_crop(self._crops, obj)

    def _show(self, name: tuple, item: OverlayItem, overlay) -> None:
        """Hide ``item`` or give it the overlay's raster, rendering only when its key changed."""
        item.setVisible(overlay is not None)
        if overlay is None:
            return
        key, render = overlay
        if self._keys.get(name, object()) != key:
            previous = (self._keys[name], item.raster()) if name in self._keys else None
            self._keys[name] = key
            item.set_raster(render(previous))

    def _update_boxes(self, state: LayerState, force: bool) -> None:
        errors = state.view_mode == "errors"
        for item in self.boxes.values():
            obj = item.obj
            shown = state.shows(obj)
            item.setVisible(shown)
            item.label.setVisible(shown)
            if not shown:
                continue
            fill = state.source(obj.source).fill
            if force or item.style_key != (errors, fill):
                self._style_box(item, errors, fill)

    def _style_box(self, item: BoxItem, errors: bool, fill: bool) -> None:
        obj = item.obj
        if errors:
            style = palette.error_style(obj)
        else:
            style = palette.overlay_style(obj, tuple(int(v) for v in self._colors[obj.class_index]))
        item.set_style(style, fill)
        item.label.set_content(palette.label_text(obj, errors), style.rgb)
        item.style_key = (errors, fill)

    # ---------------------------------------------------------------- picking
    def _update_pick(self) -> None:
        shown = [i.obj for i in self.boxes.values() if i.isVisible()]
        shown.sort(key=lambda o: o.source == "pred")  # predictions are drawn above GT
        xywh = np.array([o.box for o in shown], dtype=np.float64).reshape(-1, 4)
        self._pick = (shown, xywh)

    def object_at(self, point: QPointF) -> CanvasObject | None:
        """The shown object whose box contains ``point`` (scene coords): the smallest box wins,
        ties go to the one drawn on top."""
        shown, xywh = self._pick
        x, y = point.x(), point.y()
        inside = ((xywh[:, 0] <= x) & (x <= xywh[:, 0] + xywh[:, 2]) &
                  (xywh[:, 1] <= y) & (y <= xywh[:, 1] + xywh[:, 3]))
        candidates = np.flatnonzero(inside)[::-1]
        if candidates.size == 0:
            return None
        areas = xywh[candidates, 2] * xywh[candidates, 3]
        return shown[int(candidates[int(np.argmin(areas))])]

    # ---------------------------------------------------------------- queries
    def box_items(self, source: str, visible_only: bool = True) -> list[BoxItem]:
        """The box items of one source (only those drawn, unless ``visible_only`` is False)."""
        return [i for (s, _), i in self.boxes.items()
                if s == source and (i.isVisible() or not visible_only)]

    def set_highlight(self, keys) -> list[tuple[str, int]]:
        """Outline the objects with these (source, ann_id) keys; returns the keys found."""
        for child in self.highlight_layer.childItems():
            self.removeItem(child)
        found = []
        for key in keys:
            item = self.boxes.get(tuple(key))
            if item is not None:
                HighlightItem(item.obj, self.highlight_layer)
                found.append(item.obj.key)
        return found


_DRAWN = ("box", "class_index", "class_name", "score", "status", "error_type", "corrected")


def _drawn_alike(a: CanvasObject, b: CanvasObject) -> bool:
    """True when two versions of an object draw the same box, label and mask."""
    if any(getattr(a, f) != getattr(b, f) for f in _DRAWN):
        return False
    if a.mask is None or b.mask is None or a.mask is b.mask:
        return a.mask is b.mask
    if isinstance(a.mask, dict) and isinstance(b.mask, dict):
        return a.mask == b.mask
    return False
