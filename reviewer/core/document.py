"""The detection document: the GT under review, changed only through commands, and its scores.

The original dataset is never modified. ``DetectionDocument`` keeps the current GT as an
``AnnotationTable`` rebuilt on each edit (O(N) array copies: well under a millisecond per edit at
36k objects), re-scores the edited image alone (a one-image sub-dataset through the same
``score_detection``) and patches the per-image table, the per-class counts and the confusion
pairs. ``table_before`` keeps the scores of the uncorrected GT. Each image's prediction x GT IoU
is cached: an edit recomputes only the edited GT's column (one pycocotools / box IoU call of all
predictions against that GT), then matching and TIDE run on the cached values.

Signals: ``annotations_changed(image_row)`` after any GT change of that image (scores are already
updated when it fires); ``scores_reset()`` after the thresholds changed and every image was
re-scored (``rescored`` computes off the GUI thread, ``apply_rescored`` swaps the results in).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

import numpy as np
from psygnal import Signal

from . import masks as mask_ops
from .detection_scores import DetectionParams, DetectionScores, pair_iou, score_detection
from .reports import detection_table
from .review import NullReview
from .tables import AnnotationTable, DetectionDataset, ImageTable, row_mask

_PAIR_KEYS = ("image", "gt_class", "pred_class")  # confusion pairs kept per image
_GT_FIELDS = ("id", "category_id", "bbox", "area", "iscrowd", "segmentation")


class DetectionDocument:
    annotations_changed = Signal(int)
    scores_reset = Signal()

    def __init__(self, base: DetectionDataset, params: DetectionParams,
                 scores: DetectionScores | None = None, rles: tuple | None = None):
        self.base = base
        self.params = params
        self.review = NullReview()
        self.gt = base.gt
        self._row_of_map: dict | None = None  # ann id -> row of ``gt``: built on first use
        self._image_row = base.images.index_of()
        self._cat_row = base.categories.index_of()
        self._pred_rles, self._gt_rles = rles if rles is not None else (None, None)
        if self._gt_rles is not None:
            self._gt_rles = list(self._gt_rles)
        self._base_rles = None if rles is None else (rles[0], list(rles[1]))
        self.version = 0  # bumped by every GT change: a background re-score checks it
        self._pred_by_image = _rows_by_image(base.pred.image_index, len(base.images))
        scores = scores or score_detection(base, params, rles=rles)
        self.table = detection_table(base, scores)
        self.table_before = {k: v.copy() for k, v in self.table.items()}
        self.class_counts = {k: v.copy() for k, v in scores.per_class_image.items()}
        self.pairs = {k: scores.pairs[k].copy() for k in _PAIR_KEYS}
        self._next_id = int(base.gt.ids.max()) + 1 if len(base.gt) else 1
        if self._next_id > 2**63 - 1:  # ids up to int64's limit: reuse the lowest free ones
            self._next_id = 1
        # file order of every object ever seen: an undone delete returns to its old place, so
        # exports and COCO's order-dependent tie-breaks are unchanged by do + undo
        self._order_map: dict | None = None  # built on first use (a million objects: ~0.5 s)
        self._keys = np.arange(len(base.gt), dtype=np.float64)
        self._image_cache: dict[int, tuple[DetectionDataset, DetectionScores]] = {}
        self._image_rles: dict[int, tuple | None] = {}
        self._ious = _IouCache()
        self.corrected_images: set[int] = set()
        self.id_source = None  # set by a shared store: floor -> an id no other writer gets

    @property
    def _row_of(self) -> dict:
        """ann id -> row of the current ``gt``."""
        if self._row_of_map is None:
            self._row_of_map = {int(a): r for r, a in enumerate(self.gt.ids.tolist())}
        return self._row_of_map

    @_row_of.setter
    def _row_of(self, value: dict) -> None:
        self._row_of_map = value

    @property
    def _order(self) -> dict:
        """ann id -> its place in the file order (objects added later: after the last)."""
        if self._order_map is None:
            self._order_map = {int(a): float(r) for r, a in enumerate(self.base.gt.ids.tolist())}
        return self._order_map

    # --- lookups ----------------------------------------------------------------------------
    def image_row(self, image_id) -> int:
        return self._image_row[image_id]

    def category_row(self, category_id) -> int:
        return self._cat_row[int(category_id)]

    def new_ann_id(self) -> int:
        """A fresh GT annotation id (never reused within the session).

        With ``id_source`` (``floor -> id``, e.g. ``ReviewStore.allocate_id``) ids are also
        unique across every session writing to the same review store."""
        while self.id_source is not None:
            out = int(self.id_source(self._next_id))
            self._next_id = out + 1
            if out not in self._row_of:
                return out
        while self._next_id in self._row_of:
            self._next_id += 1
        out = self._next_id
        self._next_id += 1
        return out

    def has_image(self, image_id) -> bool:
        try:
            return image_id in self._image_row
        except TypeError:  # an unhashable id from a hand-edited journal
            return False

    def find_gt(self, ann_id) -> dict | None:
        """The current GT object ``ann_id`` (``gt_object``), or None when there is none."""
        try:
            key = int(ann_id)
        except (TypeError, ValueError, OverflowError):
            return None
        return self.gt_object(key) if key in self._row_of else None

    def gt_object(self, ann_id: int) -> dict:
        """The current GT object as a COCO annotation dict (for commands' before values)."""
        r = self._row_of[int(ann_id)]
        g = self.gt
        obj = dict(g.extra[r]) if g.extra else {}
        obj.update({"id": int(g.ids[r]),
                    "image_id": _plain(self.base.images.ids[g.image_index[r]]),
                    "category_id": int(self.base.categories.ids[g.category_index[r]]),
                    "bbox": [float(v) for v in g.boxes[r]], "area": float(g.areas[r]),
                    "iscrowd": int(g.iscrowd[r])})
        seg = g.segmentations[r] if g.segmentations is not None else None
        if seg is not None:
            obj["segmentation"] = seg
        return obj

    def pred_rows(self, i: int) -> np.ndarray:
        """Rows of ``base.pred`` in image row i, in the order ``image_scores(i)`` uses."""
        return self._pred_by_image[i]

    def dataset(self) -> DetectionDataset:
        """The dataset with the corrected GT (for AP, slices, export)."""
        return replace(self.base, gt=self.gt)

    def rles(self) -> tuple | None:
        return None if self._gt_rles is None else (self._pred_rles, self._gt_rles)

    # --- edits (called by commands only) -------------------------------------------------------
    def add_gt(self, image_id, obj: dict) -> None:
        i = self._image_row[image_id]
        ann = int(obj["id"])
        if ann in self._row_of:
            raise ValueError(f"image {image_id}: a GT object with id {ann} exists already")
        self._check_mask(image_id, obj, i)
        key = self._order.setdefault(ann, float(len(self._order)))
        pos = int(np.searchsorted(self._keys, key))
        row = _table_row(obj, i, self._cat_row[int(obj["category_id"])], self.gt.segmentations)
        self.gt = _insert(self.gt, pos, row)
        self._keys = np.insert(self._keys, pos, key)
        self._row_of = {int(a): k for k, a in enumerate(self.gt.ids.tolist())}
        if self._gt_rles is not None:
            self._gt_rles.insert(pos, self._rle(obj, i))
        self._changed(i, ann)

    def remove_gt(self, image_id, ann_id: int) -> dict:
        obj = self.gt_object(ann_id)
        r = self._row_of.pop(int(ann_id))
        keep = np.ones(len(self.gt), dtype=bool)
        keep[r] = False
        self.gt = self.gt.take(keep)
        self._keys = self._keys[keep]
        self._row_of = {int(a): k for k, a in enumerate(self.gt.ids.tolist())}
        if self._gt_rles is not None:
            del self._gt_rles[r]
        self._changed(self._image_row[image_id], int(ann_id))
        return obj

    def update_gt(self, image_id, ann_id: int, fields: dict) -> None:
        r = self._row_of[int(ann_id)]
        obj = self.gt_object(ann_id)
        obj.update(fields)
        i = self._image_row[image_id]
        self._check_mask(image_id, obj, i)
        row = _table_row(obj, i, self._cat_row[int(obj["category_id"])], self.gt.segmentations)
        self.gt = _set_row(self.gt, r, row)
        if self._gt_rles is not None:
            self._gt_rles[r] = self._rle(obj, i)
        self._changed(i, int(ann_id))

    def paint(self, image_id, y, x, patch) -> None:
        raise TypeError("a detection project has no semantic masks to paint")

    def object_problem(self, image_id, obj: dict) -> str | None:
        """Why ``obj``'s mask cannot be used safely on ``image_id`` (None: it can)."""
        i = self._image_row[image_id]
        h, w = int(self.base.images.heights[i]), int(self.base.images.widths[i])
        return mask_ops.mask_problem(obj.get("segmentation"), h, w)

    def _check_mask(self, image_id, obj: dict, i: int) -> None:
        """Refuse a mask pycocotools cannot use safely (e.g. from a damaged journal)."""
        problem = self.object_problem(image_id, obj)
        if problem:
            raise ValueError(f"image {image_id}: GT object {obj.get('id')}: {problem}")

    def _rle(self, obj: dict, i: int):
        """The object's mask for mask-IoU scoring; a box without a mask scores as its rectangle
        (a drawn box in a project scored by masks)."""
        h, w = int(self.base.images.heights[i]), int(self.base.images.widths[i])
        return mask_ops.gt_rle(obj.get("segmentation"), obj["bbox"], h, w)

    # --- scores -----------------------------------------------------------------------------
    def image_scores(self, i: int) -> tuple[DetectionDataset, DetectionScores]:
        """One image as a sub-dataset and its scores (per-object statuses for the canvas).

        The image's prediction x GT IoU matrix is cached: after an edit only the edited GT's
        column is computed again (scores equal a fresh ``score_detection``). An image whose
        matrix would exceed the cache's ``MAX_VALUES`` is scored without it.
        """
        if i not in self._image_cache:
            sub, rles = self._sub_dataset(i)
            if len(sub.pred) * len(sub.gt) > self._ious.MAX_VALUES:
                # a crowded image: no (P, G) matrix; the matcher computes what it needs, as
                # for the whole dataset (same scores, bounded memory)
                scores = score_detection(sub, self.params, rles=rles)
            else:
                iou, cols = self._ious.get(i, sub, self.params.iou_type, rles)
                scores = score_detection(sub, self.params, rles=rles, iou=iou, iou_cols=cols)
            self._image_cache[i] = (sub, scores)
            self._image_rles[i] = rles
        return self._image_cache[i]

    def image_rles(self, i: int) -> tuple | None:
        """(prediction RLEs, GT RLEs) aligned with ``image_scores(i)``'s tables, or None when the
        project is scored by boxes (a GT without a mask has its rectangle here)."""
        self.image_scores(i)
        return self._image_rles.get(i)

    def _sub_dataset(self, i: int):
        g_rows = np.flatnonzero(self.gt.image_index == i)
        p_rows = self._pred_by_image[i]
        imgs = self.base.images
        one = ImageTable(imgs.ids[[i]], imgs.file_names[[i]], imgs.widths[[i]], imgs.heights[[i]],
                         [imgs.extra[i]] if imgs.extra else [])
        gt = self.gt.take(g_rows)
        pred = self.base.pred.take(p_rows)
        sub = DetectionDataset(one, self.base.categories,
                               replace(gt, image_index=np.zeros(len(gt), np.int64)),
                               replace(pred, image_index=np.zeros(len(pred), np.int64)))
        rles = None
        if self.params.iou_type == "segm":
            rles = ([self._pred_rles[r] for r in p_rows], [self._gt_rles[r] for r in g_rows])
        return sub, rles

    def _changed(self, i: int, ann_id: int) -> None:
        self.version += 1
        self._image_cache.pop(i, None)
        self._ious.dirty(i, ann_id)
        self.corrected_images.add(i)
        sub, scores = self.image_scores(i)
        for col in self.table:
            if col in ("image_id", "file_name"):
                continue
            src = scores.errors[col[4:]] if col.startswith("err_") else scores.per_image[col]
            self.table[col][i] = src[0]
        for key, arr in self.class_counts.items():
            arr[i] = scores.per_class_image[key][0]
        keep = self.pairs["image"] != i
        new = {"image": np.full(len(scores.pairs["image"]), i, dtype=np.int64),
               "gt_class": scores.pairs["gt_class"], "pred_class": scores.pairs["pred_class"]}
        self.pairs = {k: np.concatenate([self.pairs[k][keep], new[k]]) for k in _PAIR_KEYS}
        self.annotations_changed.emit(i)

    def rescored(self, params: DetectionParams) -> dict:
        """Scores of every image at new thresholds, current and original GT (pure: a worker may
        run it). Give the result to ``apply_rescored`` on the owning thread."""
        ds = self.dataset()
        now = score_detection(ds, params, rles=self.rles())
        before = score_detection(self.base, params, rles=self._base_rles)
        return {"version": self.version, "params": params, "table": detection_table(ds, now),
                "before": detection_table(self.base, before),
                "class_counts": now.per_class_image,
                "pairs": {k: now.pairs[k] for k in _PAIR_KEYS}}

    def apply_rescored(self, result: dict) -> bool:
        """Swap in a ``rescored`` result; False (nothing changed) when the GT changed meanwhile.

        Table arrays are updated in place, so views holding them see the new values.
        """
        if result["version"] != self.version:
            return False
        self.params = result["params"]
        for target, src in ((self.table, result["table"]), (self.table_before, result["before"]),
                            (self.class_counts, result["class_counts"])):
            for key, values in src.items():
                target[key][...] = values
        self.pairs = {k: v.copy() for k, v in result["pairs"].items()}
        self._image_cache.clear()
        self.scores_reset.emit()
        return True

    def confusion(self, image_rows=None) -> np.ndarray:
        """(K+1, K+1) confusion matrix over all images or ``image_rows`` (a slice)."""
        k = len(self.base.categories)
        sel = row_mask(image_rows, len(self.base.images))[self.pairs["image"]]
        cells = self.pairs["gt_class"][sel] * (k + 1) + self.pairs["pred_class"][sel]
        return np.bincount(cells, minlength=(k + 1) ** 2).reshape(k + 1, k + 1)


class _IouCache:
    """Per image: the IoU of its predictions with its GT (``pair_iou``), one column per GT id
    in a (P, capacity) buffer. GT edited since are marked dirty: only their columns are
    computed again (into a free column; deleted GT free theirs), nothing else is copied.
    Least recently used images are dropped beyond ``MAX_VALUES`` cached values."""

    MAX_VALUES = 8_000_000  # 64 MB of float64

    def __init__(self):
        # i -> (iou type, buffer, column of each GT id, free columns, prediction mask boxes)
        self._cache: OrderedDict[int, tuple] = OrderedDict()
        self._dirty: dict[int, set[int]] = {}
        self._values = 0

    def dirty(self, i: int, ann_id: int) -> None:
        if i in self._cache:
            self._dirty.setdefault(i, set()).add(int(ann_id))

    def get(self, i: int, sub: DetectionDataset, iou_type: str, rles):
        """(buffer (P, C), columns (G,)) of the one-image sub-dataset ``sub`` of image row i:
        the IoU of prediction row d with GT row g is ``buffer[d, columns[g]]``."""
        ids = sub.gt.ids.tolist()
        entry, dirty = self._cache.pop(i, None), self._dirty.pop(i, set())
        if entry is None or entry[0] != iou_type or entry[1].shape[0] != len(sub.pred):
            buf, col_of, free = pair_iou(sub, iou_type, rles), {}, []
            col_of.update((a, k) for k, a in enumerate(ids))
            boxes = None
            if iou_type == "segm" and all(r is not None for r in rles[0]):
                boxes = mask_ops.rle_boxes(list(rles[0]))
        else:
            _, buf, col_of, free, boxes = entry
            self._values -= buf.size
            alive = set(ids)
            for a in [a for a in col_of if a in dirty or a not in alive]:
                free.append(col_of.pop(a))
            need = [r for r, a in enumerate(ids) if a not in col_of]
            if need:
                if len(free) < len(need):
                    grow = max(buf.shape[1], len(need) - len(free))
                    free += range(buf.shape[1], buf.shape[1] + grow)
                    buf = np.concatenate([buf, np.zeros((buf.shape[0], grow))], axis=1)
                cols = [free.pop() for _ in need]
                buf[:, cols] = pair_iou(sub, iou_type, rles, need, boxes)
                col_of.update(zip([ids[r] for r in need], cols, strict=True))
        self._cache[i] = (iou_type, buf, col_of, free, boxes)
        self._values += buf.size
        while self._values > self.MAX_VALUES and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._values -= old[1].size
        return buf, np.array([col_of[a] for a in ids], dtype=np.int64)


def _plain(v):
    return v.item() if hasattr(v, "item") else v


def _rows_by_image(image_index: np.ndarray, n: int) -> list[np.ndarray]:
    order = np.argsort(image_index, kind="stable")
    bounds = np.searchsorted(image_index[order], np.arange(n + 1))
    return [order[bounds[i]:bounds[i + 1]] for i in range(n)]


def _table_row(obj: dict, image_row: int, cat_row: int, segs) -> AnnotationTable:
    extra = {k: v for k, v in obj.items() if k not in _GT_FIELDS and k != "image_id"}
    seg = obj.get("segmentation")
    return AnnotationTable(
        ids=np.array([int(obj["id"])], np.int64), image_index=np.array([image_row], np.int64),
        category_index=np.array([cat_row], np.int64),
        boxes=np.array([obj["bbox"]], np.float64).reshape(1, 4),
        areas=np.array([float(obj.get("area", obj["bbox"][2] * obj["bbox"][3]))]),
        iscrowd=np.array([bool(obj.get("iscrowd", 0))]), scores=np.ones(1),
        segmentations=None if segs is None and seg is None else [seg], extra=[extra])


_ARRAYS = ("ids", "image_index", "category_index", "boxes", "areas", "iscrowd", "scores")


def _insert(t: AnnotationTable, pos: int, row: AnnotationTable) -> AnnotationTable:
    """``t`` with the one-row table ``row`` inserted before row ``pos``."""
    arrays = {n: np.concatenate([getattr(t, n)[:pos], getattr(row, n), getattr(t, n)[pos:]])
              for n in _ARRAYS}
    segs = None
    if t.segmentations is not None or row.segmentations is not None:
        old = list(t.segmentations or [None] * len(t))
        segs = old[:pos] + list(row.segmentations or [None]) + old[pos:]
    extra = list(t.extra or [{}] * len(t))
    extra = extra[:pos] + list(row.extra) + extra[pos:]
    return AnnotationTable(**arrays, segmentations=segs, extra=extra)


def _set_row(t: AnnotationTable, r: int, row: AnnotationTable) -> AnnotationTable:
    arrays = {}
    for name in _ARRAYS:
        a = getattr(t, name).copy()
        a[r] = getattr(row, name)[0]
        arrays[name] = a
    segs = t.segmentations
    if segs is not None or row.segmentations is not None:
        segs = list(segs or [None] * len(t))
        segs[r] = row.segmentations[0] if row.segmentations else None
    extra = list(t.extra or [{}] * len(t))
    extra[r] = row.extra[0]
    return AnnotationTable(**arrays, segmentations=segs, extra=extra)
