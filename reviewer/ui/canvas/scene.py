"""CanvasScene: the items of one frame, re-rendered only where the layer state changed.

Top-level items, z order bottom to top::

    image (QGraphicsPixmapItem)
    semantic overlay gt, pred      (one ARGB raster each)
    instance overlay gt, pred      (one ARGB raster each, all masks of the source)
    error overlay                  (per-pixel semantic errors, errors mode)
    boxes gt, pred                 (containers of BoxItems, or of one DenseBoxesItem)
    labels gt, pred                (containers of LabelItems, constant size on screen, or of
                                    one DenseLabelsItem)
    highlight                      (selection outlines)

A source layer's visibility and opacity are set on its items and containers, so toggling them
costs nothing; rasters are rebuilt only when their inputs change. A source with more than
``dense.DENSE_OBJECTS`` objects is drawn by its DenseBoxesItem (level of detail, see
``dense.py``): the number of graphics items stays bounded whatever the number of boxes.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPixmap, QTransform
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene

from reviewer.core.view_state import SOURCES, CanvasFrame, CanvasObject, LayerState

from . import overlays, palette
from .box_pool import BoxPool
from .dense import DENSE_OBJECTS, DenseBoxes, DenseBoxesItem, DenseLabelsItem
from .items import (
    BoxItem,
    ContainerItem,
    HighlightItem,
    OverlayItem,
    chip_pixmap,
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
        self.pool = BoxPool(self, self.box_layers, self.label_layers)
        self.dense = {s: DenseBoxesItem(self.box_layers[s]) for s in SOURCES}
        self.dense_labels = {s: DenseLabelsItem(self.dense[s], self.label_layers[s])
                             for s in SOURCES}
        self._dense_style: tuple | None = None
        self._colors = np.zeros((1, 3), dtype=np.uint8)
        self._crops: dict = {}
        self._keys: dict = {}
        self._step = 1  # overlay rasters are this many times coarser than the image
        self._pick: tuple[list, np.ndarray] = ([], np.zeros((0, 4)))

    def _top(self, item, z: float):
        item.setZValue(z)
        self.addItem(item)
        return item

    # ---------------------------------------------------------------- frame
    def set_frame(self, frame: CanvasFrame, pixmap: QPixmap | None = None) -> None:
        """Show a new frame (pixmap: the frame's image already converted, e.g. shared by panes).

        The same image again (an edit or undo re-built its frame) is updated in place: the
        pixmap and the items of unchanged objects are kept, only changed objects are redrawn,
        and the instance masks are repainted only where changed objects were or are.
        """
        old = self.frame
        by_source = {s: frame.objects_of(s) for s in SOURCES}
        dense = {s: len(by_source[s]) > DENSE_OBJECTS for s in SOURCES}
        same = (old is not None and frame.image is old.image and old.size() == frame.size()
                and frame.class_names == old.class_names and dense == self._dense_sources())
        self.frame = frame
        width, height = frame.size()
        if pixmap is not None or not same:
            self.image_item.setPixmap(pixmap if pixmap is not None else frame_pixmap(frame))
            _stretch(self.image_item, width, height)
        self.setSceneRect(QRectF(-width, -height, 3 * width, 3 * height))
        colors = frame.color_table(overlays.class_count(frame))
        same_colors = same and np.array_equal(colors, self._colors)
        self._colors = colors
        self.set_highlight(())
        if not same:
            self._crops, self._keys = {}, {}
            self._step = overlays.raster_step(frame)
            self.pool.show_all([o for o in frame.objects if not dense[o.source]])
            self._set_dense(by_source, dense)
            self._apply(self.state, force=True)
            return
        changed = self.pool.update([o for o in frame.objects if not dense[o.source]])
        changed += self._update_dense(by_source, dense)
        regions = {s: [] for s in SOURCES}
        for key in changed:
            regions[key[0]].append(overlays.crop_region(self._crops.pop(key, None)))
        if not same_colors:
            self._keys = {}
            self._apply(self.state, force=True)
            return
        self._refresh(changed, regions)

    @property
    def boxes(self) -> dict[tuple[str, int], BoxItem]:
        """(source, ann_id) -> the BoxItem of each object of the frame drawn by items (all but
        those of a dense source)."""
        return self.pool.boxes

    def object(self, key) -> CanvasObject | None:
        """The frame's object with (source, ann_id) ``key`` (None when not in the frame)."""
        key = tuple(key)
        item = self.pool.boxes.get(key)
        if item is not None:
            return item.obj
        boxes = self.dense[key[0]].boxes if key[0] in self.dense else None
        return None if boxes is None else boxes.object(key[1])

    def _dense_sources(self) -> dict[str, bool]:
        return {s: self.dense[s].boxes is not None for s in SOURCES}

    def _set_dense(self, by_source: dict, dense: dict) -> None:
        errors = self.state.view_mode == "errors"
        self._dense_style = (errors, self._colors.tobytes())
        for s in SOURCES:
            boxes = DenseBoxes(by_source[s], errors, self._colors, self.state) if dense[s] else None
            self.dense[s].set_boxes(boxes, self.image_rect())

    def _update_dense(self, by_source: dict, dense: dict) -> list[tuple[str, int]]:
        """New versions of the dense sources' objects; returns the keys added, changed or
        removed (for the mask overlays)."""
        changed = []
        errors = self.state.view_mode == "errors"
        for s in SOURCES:
            old = self.dense[s].boxes
            if not dense[s] or old is None:
                continue
            boxes = DenseBoxes(by_source[s], errors, self._colors, self.state)
            changed += boxes.changed_keys(old)
            self.dense[s].set_boxes(boxes, self.image_rect())
        return changed

    def image_rect(self) -> QRectF:
        """The image's rectangle in scene coordinates (0,0,w,h)."""
        if self.frame is None:
            return QRectF()
        width, height = self.frame.size()
        return QRectF(0, 0, width, height)

    def _refresh(self, changed: list, regions: dict) -> None:
        """After an in-place update: redraw the changed objects' boxes and mask pixels.

        regions: source -> (y0, x0, y1, x1) | None of each changed object's old mask crop.
        """
        state, frame = self.state, self.frame
        for name in [k for k in self._keys if k[0] != "inst"]:  # semantic rasters: re-render
            del self._keys[name]
        for source in SOURCES:
            sem = overlays.semantic_overlay(frame, source, state, self._colors, self._step)
            self._show(("sem", source), self.semantic_items[source], sem)
            self._refresh_instances(source, changed, regions[source])
        self._show(("errors",), self.error_item,
                   overlays.error_overlay(frame, state, self._colors, self._step))
        keys = set(changed)
        self._update_boxes(state, False, [self.boxes[k] for k in keys if k in self.boxes])
        self._update_pick()

    def _refresh_instances(self, source: str, changed: list, old_regions: list) -> None:
        name, item = ("inst", source), self.instance_items[source]
        keys = [k for k in changed if k[0] == source]
        if not keys:
            return  # nothing of this source changed: its raster is still right
        new = [self.boxes[k].obj for k in keys if k in self.boxes]
        shown = self._keys.get(name) == overlays.instance_key(self.state, source)
        if not (shown and self._step == 1 and item.isVisible() and item.raster() is not None
                and any(o.mask is not None for o in self.frame.objects_of(source))):
            self._keys.pop(name, None)
            self._show(name, item, overlays.instance_overlay(self.frame, source, self.state,
                                                             self._colors, self._crop_of,
                                                             self._step))
            return
        regions = old_regions + [overlays.crop_region(self._crop_of(o)) for o in new
                                 if o.mask is not None and self.state.shows(o)]
        dirty = [r for r in regions if r is not None]
        if dirty:
            overlays.patch_instances(item.raster(), self.frame, source, self.state,
                                     self._colors, self._crops, dirty)
            item.patched(dirty)

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
            sem = overlays.semantic_overlay(self.frame, source, state, self._colors, self._step)
            self._show(("sem", source), self.semantic_items[source], sem)
            inst = overlays.instance_overlay(self.frame, source, state, self._colors,
                                             self._crop_of, self._step)
            self._show(("inst", source), self.instance_items[source], inst)
        errors = overlays.error_overlay(self.frame, state, self._colors, self._step)
        self._show(("errors",), self.error_item, errors)
        self.error_item.setOpacity(max(state.gt.opacity, state.pred.opacity))
        self._update_boxes(state, force)
        self._update_pick()

    def _crop_of(self, obj: CanvasObject):
        return overlays.cached_crop(self._crops, obj, self._step)

    def _show(self, name: tuple, item: OverlayItem, overlay) -> None:
        """Hide ``item`` or give it the overlay's raster, rendering only when its key changed."""
        item.setVisible(overlay is not None)
        if overlay is None:
            return
        key, render = overlay
        if self._keys.get(name, object()) != key:
            previous = (self._keys[name], item.raster()) if name in self._keys else None
            self._keys[name] = key
            item.set_raster(render(previous), self._step)

    def _update_boxes(self, state: LayerState, force: bool, items=None) -> None:
        errors = state.view_mode == "errors"
        self._update_dense_boxes(state, errors)
        for item in self.boxes.values() if items is None else items:
            obj = item.obj
            shown = state.shows(obj)
            item.setVisible(shown)
            item.label.setVisible(shown)
            if not shown:
                continue
            fill = state.source(obj.source).fill
            if force or item.style_key != (errors, fill):
                self._style_box(item, errors, fill)

    def _update_dense_boxes(self, state: LayerState, errors: bool) -> None:
        style = (errors, self._colors.tobytes())
        for item in self.dense.values():
            if item.boxes is None:
                continue
            restyled = style != self._dense_style
            if restyled:
                item.boxes.restyle(errors, self._colors)
            if item.boxes.apply(state) or restyled:
                item.changed()
                self.dense_labels[item.boxes.source].update()
        self._dense_style = style

    def _style_box(self, item: BoxItem, errors: bool, fill: bool) -> None:
        obj = item.obj
        style = _line_style(obj, errors, self._colors)
        item.set_style(style, fill)
        item.label.set_content(palette.label_text(obj, errors), style.rgb, obj.corrected)
        item.style_key = (errors, fill)

    def prepare(self, frame: CanvasFrame) -> None:
        """Idle work for a frame about to be shown: render the label chips it will need."""
        colors = frame.color_table(overlays.class_count(frame))
        errors = self.state.view_mode == "errors"
        for source in SOURCES:
            objects = frame.objects_of(source)
            if len(objects) > DENSE_OBJECTS:
                continue  # labels drawn by the dense item, a few at a time
            for obj in objects:
                style = _line_style(obj, errors, colors)
                chip_pixmap(palette.label_text(obj, errors), tuple(style.rgb), obj.corrected)

    # ---------------------------------------------------------------- picking
    def _update_pick(self) -> None:
        shown, parts = [], []
        for source in SOURCES:  # predictions are drawn above GT
            items = [i.obj for i in self.boxes.values() if i.isVisible() and i.obj.source == source]
            shown += items
            parts.append(np.array([o.box for o in items], dtype=np.float64).reshape(-1, 4))
            boxes = self.dense[source].boxes
            if boxes is not None:
                rows = np.flatnonzero(boxes.shown)
                shown += [boxes.objects[k] for k in rows.tolist()]
                parts.append(boxes.xywh[rows])
        self._pick = (shown, np.concatenate(parts))

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
            obj = self.object(key)
            if obj is not None:
                HighlightItem(obj, self.highlight_layer)
                found.append(obj.key)
        return found


def _stretch(item: QGraphicsPixmapItem, width: int, height: int) -> None:
    """Scale the item's pixmap onto (0, 0, width, height): a picture decoded smaller than the
    image (over the pixel budget) still lines up with the boxes and masks."""
    pixmap = item.pixmap()
    pw, ph = pixmap.width(), pixmap.height()
    if (pw, ph) == (width, height) or not (pw and ph):
        item.setTransform(QTransform())
    else:
        item.setTransform(QTransform.fromScale(width / pw, height / ph))


def _line_style(obj: CanvasObject, errors: bool, colors: np.ndarray) -> palette.LineStyle:
    if errors:
        return palette.error_style(obj)
    return palette.overlay_style(obj, tuple(int(v) for v in colors[obj.class_index]))
