"""COCO ``annotations`` / results entries -> AnnotationTable, with one Problem per bad entry.

Shared by ground truth and predictions. Columns are pulled out with list comprehensions and
checked with numpy (see ``coco_validate``); only failing rows get a per-entry message. Rows with an
error are dropped, rows with a warning are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter

import numpy as np

from reviewer.core.rle import too_large
from reviewer.core.tables import AnnotationTable, ImageTable
from reviewer.io import coco_segm as segm
from reviewer.io.coco_validate import (
    BOX_LENGTH,
    BOX_MISSING,
    BOX_NOT_LIST,
    BOX_NOT_NUMBER,
    BOX_OK,
    EntryNamer,
    ProblemLog,
    box_column,
    first_duplicates,
    float_column,
    int_column,
    lookup,
    lookup_text,
)

GT_KEYS = frozenset({"id", "image_id", "category_id", "bbox", "area", "iscrowd", "segmentation"})
PRED_KEYS = frozenset({"id", "image_id", "category_id", "bbox", "area", "segmentation", "score"})

_BOX_MESSAGES = {
    BOX_MISSING: "bbox is missing",
    BOX_NOT_LIST: "bbox is not a list [x, y, width, height]",
    BOX_LENGTH: "bbox does not have 4 values [x, y, width, height]",
}


@dataclass(frozen=True)
class Join:
    """How ``image_id`` / ``category_id`` values of a file map to rows of the GT tables.

    image_rows, category_rows: id as written in the file -> row in ImageTable / CategoryTable.
    where: the phrase ending "image_id 7 is not ..." (e.g. ``in images``).
    image_reasons, category_reasons: id -> a specific explanation for ids that did not join.
    """

    image_rows: dict
    category_rows: dict
    where: str = "in this file"
    image_reasons: dict = field(default_factory=dict)
    category_reasons: dict = field(default_factory=dict)


class Entries:
    """N entries of an ``annotations`` / results list, read column by column.

    items: the entries as ``json.loads`` gives them (dicts, or anything else for a broken
    entry), or typed records from ``coco_fast`` (``typed=True``: every entry is a record whose
    absent fields read None, exactly what ``dict.get`` gives on the generic path)."""

    def __init__(self, items: list, typed: bool = False):
        self.items = items
        self.typed = typed
        self._columns: dict = {}

    def __len__(self) -> int:
        return len(self.items)

    def is_object(self) -> np.ndarray:
        """(N,) bool: the entry is a JSON object."""
        if self.typed:
            return np.ones(len(self.items), bool)
        return np.fromiter((type(a) is dict for a in self.items), bool, len(self.items))

    def column(self, key: str) -> list:
        """The N values of ``key``: None where absent (or the entry is not an object)."""
        if key not in self._columns:
            items = self.items
            if self.typed:
                fields = type(items[0]).__struct_fields__ if items else ()
                self._columns[key] = (list(map(attrgetter(key), items)) if key in fields
                                      else [None] * len(items))
            elif all(type(a) is dict for a in items):
                self._columns[key] = [a.get(key) for a in items]
            else:
                self._columns[key] = [a.get(key) if type(a) is dict else None for a in items]
        return self._columns[key]

    def boxes(self) -> tuple[np.ndarray, np.ndarray]:
        """((N, 4) float64 xywh, (N,) int8 BOX_* code), as ``box_column`` on the bbox column.
        Typed entries hold four numbers or None, so they skip its checks of shape."""
        values = self.column("bbox")
        if not self.typed:
            return box_column(values)
        n = len(values)
        code = np.zeros(n, np.int8)
        if values.count(None):
            code[[i for i, v in enumerate(values) if v is None]] = BOX_MISSING
        boxes = np.full((n, 4), np.nan)
        rows = np.flatnonzero(code == BOX_OK)
        present = values if len(rows) == n else [values[i] for i in rows.tolist()]
        boxes[rows] = np.fromiter(chain.from_iterable(present), np.float64,
                                  4 * len(rows)).reshape(-1, 4)
        return boxes, code

    def extra(self, rows: np.ndarray, core: frozenset) -> list:
        """Per kept row, the entry's other fields (verbatim); [] when no entry has any."""
        if self.typed:
            return []  # the strict reading refuses any field it does not know
        anns = self.items
        keys = set().union(*(a.keys() for a in anns if type(a) is dict)) - core if anns else set()
        if not keys:
            return []
        return [{k: v for k, v in anns[i].items() if k in keys} for i in rows.tolist()]


@dataclass
class _Ctx:
    anns: Entries
    images: ImageTable
    log: ProblemLog
    entry: EntryNamer
    keep: np.ndarray      # (N,) bool, rows still valid
    img: np.ndarray       # (N,) int64 image row, -1 unknown

    def image_id(self, i: int):
        r = self.img[i]
        return self.images.ids[r] if r >= 0 else None

    def drop(self, rows, message, kind=None, severity="error"):
        """Report ``rows`` (only those still kept) and drop them when severity is error."""
        rows = np.asarray(rows, np.int64)
        rows = rows[self.keep[rows]]
        self.log.add_rows(rows, self.entry, message, severity, kind, self.image_id)
        if severity == "error":
            self.keep[rows] = False


def parse_annotations(anns: Entries, join: Join, images: ImageTable, log: ProblemLog, *,
                      is_pred: bool, style: str) -> AnnotationTable:
    """anns: N entries of a COCO ``annotations`` list or results list -> table of the valid rows.

    style: entry name format, ``"annotations[{i}]"`` or ``"prediction {i}"``.
    """
    n = len(anns)
    is_dict = anns.is_object()
    raw_ids = anns.column("id")
    ctx = _Ctx(anns, images, log, EntryNamer(style, raw_ids), np.ones(n, bool), np.full(n, -1))
    ctx.drop(np.flatnonzero(~is_dict), "entry is not a JSON object {...}")
    ctx.img = _join_column(ctx, "image_id", join.image_rows, join.image_reasons, join.where)
    cat = _join_column(ctx, "category_id", join.category_rows, join.category_reasons, join.where)
    heights, widths = _image_sizes(images, ctx.img)
    seg_values = anns.column("segmentation")
    seg_kind, seg_reasons = segm.check_segmentations(seg_values, heights, widths)
    _report_bad_segmentations(ctx, seg_kind, seg_reasons, is_pred)
    if is_pred:  # a kept prediction whose mask is unusable is scored with an empty mask
        seg_values, seg_kind = _empty_masks(ctx, seg_values, seg_kind, seg_reasons, heights, widths)
    boxes = _boxes(ctx, seg_values, seg_kind, heights, widths, is_pred)
    scores = _scores(ctx) if is_pred else np.ones(n)
    areas = _areas(ctx, boxes, seg_values, seg_kind, heights, widths, is_pred)
    crowd = np.zeros(n, bool) if is_pred else _iscrowd(ctx)
    rows = np.flatnonzero(ctx.keep)
    ids = _pred_ids(ctx, raw_ids, n) if is_pred else _gt_ids(ctx, raw_ids, rows)
    has_seg = bool((seg_kind[rows] != segm.SEG_NONE).any())
    return AnnotationTable(
        ids=ids[rows], image_index=ctx.img[rows], category_index=cat[rows],
        boxes=boxes[rows], areas=areas[rows], iscrowd=crowd[rows], scores=scores[rows],
        segmentations=[seg_values[i] if seg_kind[i] else None for i in rows] if has_seg else None,
        extra=anns.extra(rows, PRED_KEYS if is_pred else GT_KEYS))


def _join_column(ctx: _Ctx, key: str, index: dict, reasons: dict, where: str) -> np.ndarray:
    values = ctx.anns.column(key)
    rows = lookup(values, index)
    _join_by_text(ctx, key, values, rows, index)
    bad = np.flatnonzero((rows < 0) & ctx.keep)

    def message(i):
        v = values[i]
        if v is None:
            return f"{key} is missing"
        hashable = type(v) in (int, str, float)
        return f"{key} {v!r}: {reasons[v]}" if hashable and v in reasons else \
            f"{key} {v!r} is not {where}"

    ctx.drop(bad, message, kind=f"unknown {key}")
    return rows


def _join_by_text(ctx: _Ctx, key: str, values: list, rows: np.ndarray, index: dict) -> None:
    """An id missing as written but present as text (``"1"`` for ``1``) joins (``lookup_text``);
    one warning says how many did."""
    hits = lookup_text(values, rows, index, np.flatnonzero((rows < 0) & ctx.keep))
    if len(hits):
        i = int(hits[0])
        ctx.log.add("", f"{len(hits)} {key} value(s) match an id only as text (e.g. "
                    f"{ctx.entry(i)}: {values[i]!r}); joined by their text", severity="warning")


def _image_sizes(images: ImageTable, img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """img: (N,) rows, -1 unknown -> ((N,) heights, (N,) widths), 0 when unknown."""
    ok = img >= 0
    safe = np.where(ok, img, 0)
    if len(images) == 0:
        return np.zeros(len(img), np.int64), np.zeros(len(img), np.int64)
    return np.where(ok, images.heights[safe], 0), np.where(ok, images.widths[safe], 0)


def _boxes(ctx: _Ctx, seg_values, seg_kind, heights, widths, is_pred) -> np.ndarray:
    """(N, 4) float64 xywh; a missing bbox is computed from a valid segmentation."""
    boxes, code = ctx.anns.boxes()
    from_mask = np.flatnonzero((code == BOX_MISSING) & (seg_kind != segm.SEG_NONE) & ctx.keep)
    if len(from_mask):
        boxes[from_mask] = segm.mask_boxes([seg_values[i] for i in from_mask],
                                           heights[from_mask], widths[from_mask])
        code[from_mask] = BOX_OK
        if not is_pred:
            ctx.drop(from_mask, "bbox is missing; computed from the segmentation",
                     severity="warning")
    for c, text in _BOX_MESSAGES.items():
        ctx.drop(np.flatnonzero(code == c), text)
    ctx.drop(np.flatnonzero(code == BOX_NOT_NUMBER), "bbox has a non-numeric value")
    numeric = code == BOX_OK
    ctx.drop(np.flatnonzero(numeric & ~np.isfinite(boxes).all(axis=1)),
             "bbox has a NaN or infinite value")
    for col, side in ((2, "width"), (3, "height")):
        neg = np.flatnonzero(numeric & (boxes[:, col] < 0))
        ctx.drop(neg, lambda i, c=col, s=side: f"bbox {s} is negative ({boxes[i, c]:g})",
                 kind=f"bbox {side} is negative")
    return boxes


def _report_bad_segmentations(ctx: _Ctx, seg_kind, reasons: dict, is_pred: bool) -> None:
    """The entry keeps its box (warning). GT: the object is box-only from now on. A prediction
    with a bbox keeps it for bbox evaluation and scores as an empty mask (``_empty_masks``); one
    without a bbox has nothing left and is dropped (error)."""
    rows = np.array(sorted(reasons), np.int64)
    if not is_pred:
        ctx.drop(rows, lambda i: f"{reasons[i]}; segmentation dropped, box kept",
                 kind="segmentation is malformed", severity="warning")
        return
    bbox = ctx.anns.column("bbox")
    boxed = np.fromiter((bbox[i] is not None for i in rows), bool, len(rows))
    ctx.drop(rows[~boxed], lambda i: reasons[i], kind="segmentation is malformed")
    ctx.drop(rows[boxed], lambda i: f"{reasons[i]}; the mask is not used (an empty mask in "
             "mask scoring), the box is kept", kind="segmentation is malformed (box kept)",
             severity="warning")


def _empty_masks(ctx: _Ctx, seg_values: list, seg_kind, reasons: dict, heights, widths):
    """Kept predictions with a rejected mask get an empty mask of their image's size (none at
    all on an image too large for masks: like the ground truth's, that box has no mask)."""
    rows = [i for i in sorted(reasons) if ctx.keep[i]]
    if not rows:
        return seg_values, seg_kind
    seg_values, seg_kind = list(seg_values), seg_kind.copy()
    for i in rows:
        h, w = int(heights[i]), int(widths[i])
        if too_large(h, w):
            seg_values[i], seg_kind[i] = None, segm.SEG_NONE
            continue
        seg_values[i] = {"size": [h, w], "counts": [h * w]}
        seg_kind[i] = segm.SEG_RLE
    return seg_values, seg_kind


def _scores(ctx: _Ctx) -> np.ndarray:
    values = ctx.anns.column("score")
    scores, ok = float_column(values)
    if ctx.keep.any() and all(v is None for v in values):
        ctx.log.add("", "no entry has a 'score': this looks like ground truth, not predictions")
        ctx.keep[:] = False
        return scores
    ctx.drop(np.flatnonzero(~ok & np.array([v is None for v in values], bool)),
             "score is missing")
    ctx.drop(np.flatnonzero(~ok), lambda i: f"score is not a number ({values[i]!r})",
             kind="score is not a number")
    ctx.drop(np.flatnonzero(np.isnan(scores)), "score is NaN")
    ctx.drop(np.flatnonzero(np.isinf(scores)), "score is infinite")
    return scores


def _areas(ctx, boxes, seg_values, seg_kind, heights, widths, is_pred) -> np.ndarray:
    """(N,) float64: GT keeps the file's ``area``; predictions follow ``COCO.loadRes``: w*h when
    the result gives a ``bbox`` (even with a mask, as pycocotools, faster-coco-eval and hotcoco
    do, so small/medium/large agree with them), else the mask area."""
    with np.errstate(over="ignore", invalid="ignore"):  # huge boxes: inf area, no warning
        areas = boxes[:, 2] * boxes[:, 3]
    need = np.ones(len(areas), bool)
    if is_pred:
        need = np.fromiter(map(_empty, ctx.anns.column("bbox")), bool, len(areas))
    else:
        raw = ctx.anns.column("area")
        read, ok = float_column(raw)
        ok &= np.isfinite(read) & (read >= 0)
        areas = np.where(ok, read, areas)
        need = ~ok
        _report_missing_areas(ctx, raw, need)
    with_mask = np.flatnonzero(need & ctx.keep & (seg_kind != segm.SEG_NONE))
    if len(with_mask):
        areas[with_mask] = segm.mask_areas([seg_values[i] for i in with_mask],
                                           heights[with_mask], widths[with_mask])
    return areas


def _report_missing_areas(ctx: _Ctx, raw: list, need: np.ndarray) -> None:
    rows = np.flatnonzero(need & ctx.keep)
    if len(rows) and len(rows) == int(ctx.keep.sum()) and all(v is None for v in raw):
        ctx.log.add("", "no annotation has an 'area'; using mask areas, else box areas",
                    severity="warning")
        return
    ctx.drop(rows, lambda i: f"area is missing or invalid ({raw[i]!r}); "
             "using the mask area, else the box area",
             kind="area is missing or invalid", severity="warning")


def _iscrowd(ctx: _Ctx) -> np.ndarray:
    values = ctx.anns.column("iscrowd")
    if set(map(type, values)) == {int} and set(values) <= {0, 1}:  # the usual file
        return np.array(values, np.int64) != 0
    crowd = np.fromiter((v is True or (type(v) in (int, float) and v != 0) for v in values),
                        bool, len(values))
    odd = [i for i, v in enumerate(values) if v not in (0, 1, None)]
    ctx.drop(odd, lambda i: f"iscrowd is {values[i]!r}, expected 0 or 1; read as "
             f"{int(crowd[i])}", kind="iscrowd is not 0 or 1", severity="warning")
    return crowd


def _gt_ids(ctx: _Ctx, raw_ids: list, rows: np.ndarray) -> np.ndarray:
    """(N,) int64: the file's ids; missing, invalid or repeated ones get new ids after the max."""
    ids, ok = int_column(raw_ids)
    ok_rows = rows[ok[rows]]
    dup, first = first_duplicates(ids[ok_rows])
    dup_rows = ok_rows[dup]
    first_of = dict(zip(dup_rows.tolist(), ok_rows[first].tolist(), strict=True))
    ctx.drop(dup_rows, lambda i: f"duplicate annotation id {raw_ids[i]!r} (first at "
             f"annotations[{first_of[i]}]); given a new id",
             kind="duplicate annotation id", severity="warning")
    bad_rows = rows[~ok[rows]]
    ctx.drop(bad_rows, lambda i: f"id is missing or not an integer ({raw_ids[i]!r}); "
             "given a new id", kind="annotation id is missing or not an integer",
             severity="warning")
    renumber = np.sort(np.concatenate([bad_rows, dup_rows]))
    ids[renumber] = _new_ids(ids[ok_rows], len(renumber))
    return ids


def _new_ids(taken: np.ndarray, n: int) -> np.ndarray:
    """n new annotation ids: after the largest id, or the smallest unused ones when that would
    pass 2**63 - 1."""
    start = int(taken.max()) + 1 if len(taken) else 1
    if start + n <= 2**63 - 1:
        return np.arange(start, start + n, dtype=np.int64)
    return np.setdiff1d(np.arange(1, len(taken) + n + 1, dtype=np.int64), taken)[:n]


def _pred_ids(ctx: _Ctx, raw_ids: list, n: int) -> np.ndarray:
    """(N,) int64: the file's ids if all present and unique, else 1..N in file order."""
    ids, ok = int_column(raw_ids)
    if ok.all() and len(np.unique(ids)) == n:
        return ids
    if any(v is not None for v in raw_ids):
        ctx.log.add("", "prediction ids are missing, not integers or not unique; "
                    "numbered 1..N in file order instead", severity="warning")
    return np.arange(1, n + 1, dtype=np.int64)


def _empty(value) -> bool:
    return not value
