"""Which raster each overlay shows for a frame and a layer state (numpy only, no Qt).

Each function returns ``(key, render)``: ``key`` captures every state field the raster depends
on (the scene re-renders only when it changes) and ``render(previous)`` builds the (H,W) uint32
ARGB; ``previous`` is (old key, old raster) of the same frame or None, which lets a class toggle
repaint only that class's pixels.

Rasters hold at most ``RASTER_BUDGET`` pixels: on a larger image they are rendered ``step``
(``raster_step``) times coarser, pixel (Y, X) standing for image pixel (Y*step, X*step), and the
canvas stretches them over the image.
"""

from __future__ import annotations

import numpy as np

from reviewer.core.view_state import CanvasFrame, CanvasObject, LayerState

from . import palette
from .raster import (
    FILL_ALPHA,
    MASK_ALPHA,
    OUTLINE_ALPHA,
    class_lut,
    compose_instances,
    lut_size,
    pack_argb,
    paint_crops,
    repaint_classes,
    semantic_argb,
    semantic_error_argb,
    tone_lut,
)
from .rle_crop import object_crop, sampled_crop

ERROR_ALPHA = 0.7
RASTER_BUDGET = 32_000_000  # pixels of one overlay raster (128 MB of ARGB)
MAX_INCREMENTAL_CLASSES = 4  # a class toggle repaints in place up to this many classes


def class_count(frame: CanvasFrame) -> int:
    """How many class colours the frame needs (names, colours, object classes, semantic labels)."""
    n = max(len(frame.class_names), 0 if frame.class_colors is None else len(frame.class_colors))
    if frame.objects:
        n = max(n, max(o.class_index for o in frame.objects) + 1)
    for labels in (frame.semantic_gt, frame.semantic_pred):
        if labels is not None and labels.size:
            n = max(n, int(labels.max()) + 1)
    return max(n, 1)


def raster_step(frame: CanvasFrame) -> int:
    """1, or the coarsening that keeps an overlay of the frame's size within RASTER_BUDGET."""
    width, height = frame.size()
    step = 1
    while -(-width // step) * -(-height // step) > RASTER_BUDGET:
        step += 1
    return step


def raster_shape(frame: CanvasFrame, step: int = 1) -> tuple[int, int]:
    """(rows, columns) of the frame's overlay rasters at ``step``."""
    width, height = frame.size()
    return -(-height // step), -(-width // step)


def semantic_overlay(frame: CanvasFrame, source: str, state: LayerState, colors: np.ndarray,
                     step: int = 1):
    """(key, render) of the semantic mask of one source, or None when not shown."""
    labels = frame.semantic_gt if source == "gt" else frame.semantic_pred
    layer = state.source(source)
    if labels is None or state.view_mode == "errors" or not (layer.visible and layer.show_semantic):
        return None
    labels = labels[::step, ::step] if step > 1 else labels

    def render(previous):
        alpha = FILL_ALPHA if layer.fill else OUTLINE_ALPHA
        visible = layer.class_mask(len(colors))
        lut = class_lut(colors, visible, alpha, lut_size(labels), frame.ignore_index)
        if previous is not None and previous[1] is not None and layer.fill and previous[0][1]:
            old_classes = previous[0][0]
            old = np.ones_like(visible) if old_classes is None else np.isin(
                np.arange(len(colors)), list(old_classes))
            changed = np.flatnonzero(old != visible)
            if len(changed) <= MAX_INCREMENTAL_CLASSES:
                return repaint_classes(previous[1], labels, lut, changed)
        return semantic_argb(labels, lut, outline=not layer.fill)

    return (layer.classes, layer.fill), render


def instance_overlay(frame: CanvasFrame, source: str, state: LayerState, colors: np.ndarray,
                     crop_of, step: int = 1):
    """(key, render) of the instance masks of one source, or None when not shown.

    crop_of(obj) -> (y0, x0, bool crop) | None at ``step``, cached by the caller. Larger objects
    are drawn first so that small ones stay visible.
    """
    layer = state.source(source)
    objects = [o for o in frame.objects_of(source) if o.mask is not None]
    if not objects or not (layer.visible and layer.show_masks):
        return None

    def render(previous):
        crops, argb = _instance_crops(objects, state, layer, colors, crop_of)
        return compose_instances(raster_shape(frame, step), crops, argb, outline=not layer.fill)

    return instance_key(state, source), render


def instance_key(state: LayerState, source: str):
    """The state fields an instance raster depends on (None: not shown under ``state``)."""
    layer = state.source(source)
    if not (layer.visible and layer.show_masks):
        return None
    threshold = state.score_threshold if source == "pred" else None
    return (state.view_mode == "errors", layer.classes, layer.fill, threshold)


def patch_instances(argb: np.ndarray, frame: CanvasFrame, source: str, state: LayerState,
                    colors: np.ndarray, crops: dict, regions) -> None:
    """Repaint the (H,W) ARGB raster of ``instance_overlay`` in place inside ``regions``
    ((y0, x0, y1, x1) each) from the frame's objects: equal to a full render there.

    crops: the ``cached_crop`` cache. Only the objects whose crop meets a region are drawn, in
    the full render's order (a stable sort by area of a subset keeps the relative order).
    """
    layer = state.source(source)
    uy0, ux0 = min(r[0] for r in regions), min(r[1] for r in regions)
    uy1, ux1 = max(r[2] for r in regions), max(r[3] for r in regions)
    hits = []
    for obj in frame.objects:
        if obj.source != source or obj.mask is None:
            continue
        key = obj.key
        if key not in crops and not state.shows(obj):
            continue  # not drawn: its mask is never decoded
        crop = cached_crop(crops, obj)
        if crop is None:
            continue
        y0, x0, c = crop
        y1, x1 = y0 + c.shape[0], x0 + c.shape[1]
        if y0 >= uy1 or x0 >= ux1 or y1 <= uy0 or x1 <= ux0:
            continue
        if state.shows(obj) and any(_meets((y0, x0, y1, x1), r) for r in regions):
            hits.append(obj)
    found, packed = _instance_crops(hits, state, layer, colors, lambda o: crops[o.key])
    for region in regions:
        near = [k for k, (y0, x0, c) in enumerate(found)
                if _meets((y0, x0, y0 + c.shape[0], x0 + c.shape[1]), region)]
        paint_crops(argb, [found[k] for k in near], packed[near], outline=not layer.fill,
                    region=region)


def _meets(a, b) -> bool:
    """Whether two (y0, x0, y1, x1) rectangles overlap."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def crop_region(crop) -> tuple[int, int, int, int] | None:
    """(y0, x0, y1, x1) covered by a (y0, x0, bool crop), or None."""
    if crop is None:
        return None
    y0, x0, c = crop
    return y0, x0, y0 + c.shape[0], x0 + c.shape[1]


def _instance_crops(objects, state: LayerState, layer, colors: np.ndarray, crop_of):
    """Crops of the shown objects, largest first, and their (N,) uint32 ARGB colours."""
    errors = state.view_mode == "errors"
    shown = sorted((o for o in objects if state.shows(o)), key=lambda o: -o.area)
    crops, rgbs = [], []
    for obj in shown:
        crop = crop_of(obj)
        if crop is not None:
            crops.append(crop)
            rgbs.append(palette.error_rgb(obj) if errors else colors[obj.class_index])
    alpha = MASK_ALPHA if layer.fill else OUTLINE_ALPHA
    return crops, pack_argb(np.array(rgbs, dtype=np.uint8).reshape(-1, 3), alpha)


def error_overlay(frame: CanvasFrame, state: LayerState, colors: np.ndarray, step: int = 1):
    """(key, render) of the per-pixel semantic error map, or None when not shown.

    Wrong pixels take the "missed" tone of their GT class, except where the GT class means
    "not labelled" (``frame.unlabeled_classes``): those are "predicted where GT is unlabeled"."""
    gt, pred = frame.semantic_gt, frame.semantic_pred
    if state.view_mode != "errors" or gt is None or pred is None or gt.shape != pred.shape:
        return None
    if step > 1:
        gt, pred = gt[::step, ::step], pred[::step, ::step]
    gt_on = state.gt.visible and state.gt.show_semantic
    pred_on = state.pred.visible and state.pred.show_semantic
    if not (gt_on or pred_on):
        return None

    def render(previous):
        n, size = len(colors), max(lut_size(gt), lut_size(pred))
        gt_visible = state.gt.class_mask(n) & gt_on
        pred_visible = state.pred.class_mask(n) & pred_on
        missed = tone_lut(colors, gt_visible, palette.SEM_MISSED, ERROR_ALPHA, size,
                          frame.ignore_index)
        unlabeled = [c for c in frame.unlabeled_classes if c < n and gt_visible[c]]
        missed[unlabeled] = pack_argb(np.array([palette.SEM_UNLABELED]), ERROR_ALPHA)[0]
        extra = tone_lut(colors, pred_visible, palette.SEM_EXTRA, ERROR_ALPHA, size,
                         frame.ignore_index)
        return semantic_error_argb(gt, pred, missed, extra, frame.ignore_index)

    key = (gt_on, pred_on, state.gt.classes, state.pred.classes, frame.unlabeled_classes)
    return key, render


def cached_crop(cache: dict, obj: CanvasObject, step: int = 1):
    """object_crop(obj.mask, obj.box) (``sampled_crop`` at ``step`` > 1), decoded once per frame
    and kept in ``cache``."""
    if obj.key not in cache:
        cache[obj.key] = (object_crop(obj.mask, obj.box) if step == 1
                          else sampled_crop(obj.mask, obj.box, step))
    return cache[obj.key]
