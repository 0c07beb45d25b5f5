"""Decode only the bounding crop of a COCO RLE mask (numpy only, no Qt).

pycocotools decodes a full (H,W) mask per object (about 1.5 ms at 1920x1080); the canvas needs
only the pixels inside the object's extent, so the counts string is parsed with vectorised numpy
and expanded over the columns the mask touches (COCO RLE runs are column-major).
"""

from __future__ import annotations

import numpy as np

from reviewer.core.rle import counts_from_string


def rle_counts(rle: dict) -> np.ndarray:
    """(R,) int64 run lengths (0-runs and 1-runs alternating, first run is zeros) of an RLE."""
    counts = rle["counts"]
    if isinstance(counts, list | tuple | np.ndarray):
        return np.asarray(counts, dtype=np.int64)
    return counts_from_string(counts)


def _runs(rle: dict):
    """An RLE's runs -> (height, counts, begins, ends, x0, x1): the column range [x0, x1) that
    holds its foreground (column-major pixel order); None when it has none."""
    height, width = (int(v) for v in rle["size"])
    counts = rle_counts(rle)
    ends = np.cumsum(counts)
    begins = ends - counts
    ones = (np.arange(counts.size) % 2 == 1) & (counts > 0)
    if not ones.any() or height == 0:
        return None
    x0 = int(begins[ones].min() // height)
    x1 = min(int((ends[ones].max() - 1) // height) + 1, width)
    return height, counts, begins, ends, x0, x1


def rle_crop(rle: dict) -> tuple[int, int, np.ndarray] | None:
    """Compressed or uncompressed RLE -> (y0, x0, (h,w) bool crop of its foreground), or None.

    The crop is the tight bounding box of the foreground pixels; None when the mask is empty.
    """
    runs = _runs(rle)
    if runs is None:
        return None
    height, counts, begins, ends, x0, x1 = runs
    lo, hi = x0 * height, x1 * height
    first = int(np.searchsorted(ends, lo, side="right"))   # runs overlapping [lo, hi) only
    last = int(np.searchsorted(begins, hi, side="left"))
    lengths = np.minimum(ends[first:last], hi) - np.maximum(begins[first:last], lo)
    flat = np.repeat(np.arange(first, last) % 2 == 1, lengths)
    if flat.size < hi - lo:  # truncated counts: the rest is background
        flat = np.concatenate((flat, np.zeros(hi - lo - flat.size, dtype=bool)))
    cols = flat[:hi - lo].reshape(x1 - x0, height).T
    rows = np.flatnonzero(cols.any(axis=1))
    y0, y1 = int(rows[0]), int(rows[-1]) + 1
    return y0, x0, cols[y0:y1]


def array_crop(mask: np.ndarray, box: tuple[float, float, float, float],
               margin: int = 2) -> tuple[int, int, np.ndarray] | None:
    """(H,W) bool/uint8 mask -> (y0, x0, bool crop) within the xywh box grown by ``margin``.

    Only the box area is read, so pixels far outside the object's box are not drawn.
    """
    height, width = mask.shape[:2]
    x, y, w, h = box
    x0, y0 = max(int(np.floor(x)) - margin, 0), max(int(np.floor(y)) - margin, 0)
    x1 = min(int(np.ceil(x + w)) + margin, width)
    y1 = min(int(np.ceil(y + h)) + margin, height)
    if x1 <= x0 or y1 <= y0:
        return None
    crop = mask[y0:y1, x0:x1].astype(bool, copy=False)
    return y0, x0, crop


def object_crop(mask, box) -> tuple[int, int, np.ndarray] | None:
    """A CanvasObject.mask (array, RLE dict or None) -> (y0, x0, bool crop) or None."""
    if mask is None:
        return None
    if isinstance(mask, dict):
        return rle_crop(mask)
    return array_crop(np.asarray(mask), box)


def sampled_crop(mask, box, step: int) -> tuple[int, int, np.ndarray] | None:
    """``object_crop`` on a raster ``step`` times coarser: pixel (Y, X) of the result is image
    pixel (Y * step, X * step). -> (Y0, X0, bool crop) in the coarse raster, or None.

    An RLE is sampled without expanding its columns (a search of the runs per sample), so the
    memory is that of the coarse crop whatever the image size.
    """
    if step <= 1:
        return object_crop(mask, box)
    if mask is None:
        return None
    if isinstance(mask, dict):
        return _rle_sampled(mask, step)
    crop = array_crop(np.asarray(mask), box)
    if crop is None:
        return None
    y0, x0, c = crop
    r0, c0 = -y0 % step, -x0 % step
    sub = c[r0::step, c0::step]
    return (None if sub.size == 0 else ((y0 + r0) // step, (x0 + c0) // step, sub))


def _rle_sampled(rle: dict, step: int) -> tuple[int, int, np.ndarray] | None:
    runs = _runs(rle)
    if runs is None:
        return None
    height, counts, begins, ends, x0, x1 = runs
    xs = np.arange(-(-x0 // step) * step, x1, step, dtype=np.int64)
    ys = np.arange(0, height, step, dtype=np.int64)
    if xs.size == 0:
        return None
    run = np.searchsorted(ends, xs[None, :] * height + ys[:, None], side="right")
    fg = (run % 2 == 1) & (run < counts.size)
    rows = np.flatnonzero(fg.any(axis=1))
    if rows.size == 0:
        return None
    return int(rows[0]), int(xs[0] // step), fg[rows[0]:rows[-1] + 1]
