"""COCO segmentations: checks, then mask areas and boxes via pycocotools.

A segmentation is kept as read: a polygon list ``[[x1, y1, x2, y2, ...], ...]``, an uncompressed
RLE ``{"size": [h, w], "counts": [ints]}`` or a compressed RLE ``{"size": [h, w], "counts": str}``.
Every RLE is checked exactly (``core.rle``: its runs must add up to height x width, or
pycocotools loops forever on it) and every mask must be smaller than ``core.rle.MAX_PIXELS``;
pycocotools is only called for the rows that need an area or a box, in chunks (``mask.area``
overflows on more than 255 masks per call with numpy 2).
"""

from __future__ import annotations

from itertools import chain, repeat

import numpy as np
from pycocotools import mask as mask_utils

from reviewer.core import masks as mask_ops
from reviewer.core import rle as rle_check
from reviewer.core.masks import MAX_OUTLINE, outline_lengths, polygon_problem, raster_size

SEG_NONE, SEG_POLY, SEG_RLE = 0, 1, 2
_CHUNK = 200
_MAX_SIDE = 2**31
_MAX_COORD = 1e6  # pycocotools rasterises polygon edges point by point: bound the work
_POLY_SHAPE = "segmentation is not a list of polygons [[x1, y1, x2, y2, ...], ...]"


def check_segmentations(values: list, heights: np.ndarray, widths: np.ndarray
                        ) -> tuple[np.ndarray, dict[int, str]]:
    """values: N segmentations; heights, widths: (N,) int64 image size, 0 when unknown.

    Returns ((N,) int8 SEG_* kind, SEG_NONE for absent or malformed; {row: reason} for malformed).
    """
    n = len(values)
    kinds = np.zeros(n, np.int8)
    if values.count(None) == n:  # no masks at all (a box file): nothing to check
        return kinds, {}
    present = [i for i, s in enumerate(values) if s is not None and s != []]
    rle_rows = [i for i in present if type(values[i]) is dict]
    fast = _compressed_rles_ok([values[i] for i in rle_rows], heights[rle_rows], widths[rle_rows])
    kinds[np.array(rle_rows, np.int64)[fast]] = SEG_RLE
    reasons: dict[int, str] = {}
    hs, ws = heights.tolist(), widths.tolist()
    for i in present:
        if kinds[i] == SEG_NONE:
            kinds[i], reason = _check_one(values[i], hs[i], ws[i])
            if reason:
                reasons[i] = reason
    _check_compressed_counts(values, kinds, reasons)
    _check_polygon_numbers(values, kinds, reasons)
    _check_polygon_sizes(values, kinds, reasons, hs, ws)
    return kinds, reasons


def _compressed_rles_ok(rles: list[dict], heights: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """k RLE dicts -> (k,) bool: str counts and a size [h, w] matching the image (when known).

    Vectorised fast path that gives up (all False) on anything unusual; False rows get the
    detailed check (``_check_rle``). The counts themselves are checked by
    ``_check_compressed_counts``.
    """
    k = len(rles)
    none = np.zeros(k, bool)
    counts = list(map(dict.get, rles, repeat("counts")))
    sizes = list(map(dict.get, rles, repeat("size")))
    if not (set(map(type, counts)) <= {str} and set(map(type, sizes)) <= {list}
            and set(map(len, sizes)) <= {2} and set(map(type, chain(*sizes))) <= {int}):
        return none
    try:
        size = np.fromiter(chain(*sizes), np.int64, 2 * k).reshape(k, 2)
    except OverflowError:
        return none
    known = (heights > 0) & (widths > 0)
    ok = ((size >= 0) & (size < _MAX_SIDE)).all(axis=1)
    return ok & (~known | ((size[:, 0] == heights) & (size[:, 1] == widths)))


def _check_one(s, h: int, w: int) -> tuple[int, str | None]:
    if type(s) is list:
        return _check_polygons(s)
    if type(s) is dict:
        return _check_rle(s, h, w)
    return SEG_NONE, "segmentation is neither a polygon list nor an RLE dict"


def _check_polygons(s: list) -> tuple[int, str | None]:
    for j, p in enumerate(s):
        if type(p) is not list:
            return SEG_NONE, _POLY_SHAPE
        if len(p) < 6 or len(p) % 2:
            return SEG_NONE, (f"segmentation polygon {j} has {len(p)} coordinates "
                              "(needs an even number, at least 6)")
    return SEG_POLY, None


def _check_rle(s: dict, h: int, w: int) -> tuple[int, str | None]:
    """Everything but compressed counts (checked in bulk afterwards)."""
    if type(s.get("counts")) is str:
        reason = rle_check.size_problem(s, h, w)
    else:
        reason = rle_check.rle_problem(s, h, w)
    return (SEG_NONE, reason) if reason else (SEG_RLE, None)


def _check_compressed_counts(values: list, kinds: np.ndarray, reasons: dict[int, str]) -> None:
    """Decode every compressed counts string at once: runs must add up to height x width."""
    rles = [values[i] for i in np.flatnonzero(kinds == SEG_RLE).tolist()]
    rows = [i for i, r in zip(np.flatnonzero(kinds == SEG_RLE).tolist(), rles, strict=True)
            if type(r["counts"]) is str]
    if len(rows) < len(rles):
        rles = [values[i] for i in rows]
    if not rows:
        return
    counts = list(map(dict.get, rles, repeat("counts")))
    size = np.fromiter(chain.from_iterable(map(dict.get, rles, repeat("size"))), np.int64,
                       2 * len(rles)).reshape(-1, 2)  # sizes were checked: two small ints
    found = rle_check.check_compressed(counts, size[:, 0], size[:, 1])
    for k in [k for k, reason in enumerate(found) if reason]:
        kinds[rows[k]] = SEG_NONE
        reasons[rows[k]] = found[k]


def _check_polygon_numbers(values: list, kinds: np.ndarray, reasons: dict[int, str]) -> None:
    """One pass over all polygon coordinates; rows are re-checked only if that pass fails."""
    rows = np.flatnonzero(kinds == SEG_POLY)
    if _finite_coordinates(chain.from_iterable(values[i] for i in rows)):
        return
    for i in rows:
        if not _finite_coordinates(values[i]):
            kinds[i] = SEG_NONE
            reasons[int(i)] = ("segmentation polygon has a non-numeric, NaN, infinite or "
                               "out-of-range (beyond ±1e6) coordinate")


def _finite_coordinates(polygons) -> bool:
    """polygons: iterable of coordinate lists -> all coordinates are numbers within ±1e6."""
    try:
        coords = np.fromiter(chain.from_iterable(polygons), np.float64)
        return bool((np.abs(coords) <= _MAX_COORD).all())  # False for NaN and inf too
    except (ValueError, TypeError, OverflowError):
        return False


def _check_polygon_sizes(values: list, kinds: np.ndarray, reasons: dict[int, str],
                         hs: list, ws: list) -> None:
    """Polygons are rasterised at the image size (their own extent when it is unknown): refuse
    sizes pycocotools cannot handle and outlines too long to rasterise (``polygon_problem``)."""
    rows = np.flatnonzero(kinds == SEG_POLY)
    if not len(rows):
        return
    lengths = outline_lengths([values[i] for i in rows.tolist()])
    h, w = np.asarray(hs, np.int64)[rows], np.asarray(ws, np.int64)[rows]
    unknown = (h <= 0) | (w <= 0)
    suspect = unknown | (h * w >= rle_check.MAX_PIXELS) | (lengths > MAX_OUTLINE * (h + w))
    for k in np.flatnonzero(suspect).tolist():  # exact rule, with its message, for these only
        i = int(rows[k])
        reason = polygon_problem(float(lengths[k]), *raster_size(values[i], hs[i], ws[i]))
        if reason:
            kinds[i] = SEG_NONE
            reasons[i] = reason


def to_rle(seg, h: int, w: int) -> dict:
    """One valid segmentation -> compressed RLE dict (``core.masks.to_rle``: polygons of an
    image of unknown size use their own extent)."""
    if type(seg) is dict and type(seg["counts"]) is str:
        return seg
    return mask_ops.to_rle(seg, h, w)


def mask_areas(segs: list, heights: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """segs: k valid segmentations; heights, widths: (k,) -> (k,) float64 pixel areas."""
    rles = _rles(segs, heights, widths)
    parts = [mask_utils.area(rles[i:i + _CHUNK]) for i in range(0, len(rles), _CHUNK)]
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)


def mask_boxes(segs: list, heights: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """segs: k valid segmentations; heights, widths: (k,) -> (k, 4) float64 xywh of the masks."""
    rles = _rles(segs, heights, widths)
    parts = [mask_utils.toBbox(rles[i:i + _CHUNK]) for i in range(0, len(rles), _CHUNK)]
    return np.concatenate(parts).astype(np.float64).reshape(-1, 4) if parts else np.zeros((0, 4))


def _rles(segs: list, heights: np.ndarray, widths: np.ndarray) -> list[dict]:
    """Compressed RLEs pass through untouched; the rest are converted (``to_rle``)."""
    if set(map(type, segs)) <= {dict} and set(map(type, map(dict.get, segs, repeat("counts")))
                                             ) <= {str}:
        return segs
    return [s if type(s) is dict and type(s["counts"]) is str else to_rle(s, h, w)
            for s, h, w in zip(segs, heights.tolist(), widths.tolist(), strict=True)]
