"""Instance masks as COCO run-length encodings (RLE), through pycocotools' C codec.

A segmentation is kept as read (polygon list, uncompressed RLE with list counts, or compressed RLE
with str/bytes counts) and turned into a compressed RLE only when needed, exactly as
``pycocotools.coco.COCO.annToRLE`` does, so mask IoUs equal COCOeval's.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
from pycocotools import mask as mask_utils

from . import rle as rle_check

_AREA_CHUNK = 200  # numpy 2: pycocotools.mask.area overflows on more than 255 RLEs per call


def to_rle(segmentation, height: int, width: int) -> dict | None:
    """One segmentation (any COCO flavour) -> compressed RLE dict, or None when absent."""
    if segmentation is None:
        return None
    if isinstance(segmentation, list):
        if not segmentation:
            return None
        height, width = raster_size(segmentation, height, width)
        return mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
    counts = segmentation.get("counts")
    if isinstance(counts, list):
        return mask_utils.frPyObjects(segmentation, height, width)
    if isinstance(counts, str):
        return {"size": list(segmentation["size"]), "counts": counts.encode("ascii")}
    return segmentation


MAX_OUTLINE = 64
"""A polygon's outline may be at most this many times (height + width) pixels long:
pycocotools rasterises outlines point by point (a far-out vertex costs seconds and hundreds of
MB), and real outlines stay far below it."""


def mask_problem(segmentation, height: int, width: int) -> str | None:
    """None when a segmentation (absent, polygons or RLE) is safe to hand to pycocotools for an
    image of height x width (0: unknown), else what is wrong. Loaders check whole files at once
    (``io.coco_segm``); this is the same rule for one object arriving later (an edit, a replayed
    correction)."""
    if segmentation is None or segmentation == []:
        return None
    if type(segmentation) is dict:
        return rle_check.rle_problem(segmentation, height, width)
    if type(segmentation) is not list or not all(
            type(p) is list and len(p) >= 6 and len(p) % 2 == 0 for p in segmentation):
        return "segmentation is neither a polygon list nor an RLE dict"
    try:
        coords = np.concatenate([np.asarray(p, np.float64) for p in segmentation])
    except (TypeError, ValueError):
        return "segmentation polygon has a non-numeric coordinate"
    if not (np.abs(coords) <= 1e6).all():
        return "segmentation polygon has a NaN, infinite or out-of-range (beyond ±1e6) coordinate"
    return polygon_problem(float(outline_lengths([segmentation])[0]),
                           *raster_size(segmentation, height, width))


def polygon_problem(outline: float, height: int, width: int) -> str | None:
    """A polygon list rasterised at height x width with an outline this long -> None or why not."""
    too_large = rle_check.too_large(height, width)
    if too_large:
        return too_large
    if outline > MAX_OUTLINE * (height + width):
        return (f"segmentation polygon outline is {outline:.0f} pixels long on a {height}x{width} "
                f"mask (more than {MAX_OUTLINE} x (height + width)): a vertex lies far outside")
    return None


def raster_size(polygons: list, height: int, width: int) -> tuple[int, int]:
    """The size polygons are rasterised at: the image's, or their own extent when unknown."""
    return (height, width) if height > 0 and width > 0 else polygon_extent(polygons)


def polygon_extent(polygons: list) -> tuple[int, int]:
    """(height, width) a polygon list covers from pixel 0 (at least 1 x 1)."""
    coords = np.concatenate([np.asarray(p, np.float64) for p in polygons])
    return max(int(coords[1::2].max()) + 1, 1), max(int(coords[0::2].max()) + 1, 1)


def outline_lengths(rows: list) -> np.ndarray:
    """k polygon lists (numeric, each polygon >= 3 vertices) -> (k,) float64 total length of
    their closed outlines, each edge counted as max(|dx|, |dy|) (the points rasterised)."""
    polys = [p for r in rows for p in r]
    n_vert = np.fromiter(map(len, polys), np.int64, len(polys)) // 2
    coords = np.fromiter(chain.from_iterable(polys), np.float64, int(n_vert.sum()) * 2)
    x, y = coords[0::2], coords[1::2]
    start = np.cumsum(n_vert) - n_vert
    nxt = np.arange(len(x)) + 1
    nxt[start + n_vert - 1] = start
    edges = np.maximum(np.abs(x[nxt] - x), np.abs(y[nxt] - y))
    per_polygon = np.add.reduceat(edges, start) if len(start) else np.zeros(0)
    per_row = np.fromiter(map(len, rows), np.int64, len(rows))
    out = np.zeros(len(rows))
    has = per_row > 0
    out[has] = np.add.reduceat(per_polygon, (np.cumsum(per_row) - per_row)[has])
    return out


def box_polygon(box) -> list:
    """COCO xywh box -> its rectangle as a polygon list ``[[x0, y0, x1, y0, x1, y1, x0, y1]]``."""
    x, y, bw, bh = (float(v) for v in box)
    return [[x, y, x + bw, y, x + bw, y + bh, x, y + bh]]


def gt_rle(segmentation, box, height: int, width: int) -> dict:
    """A GT object's mask for mask IoU: its segmentation, or its box's rectangle when it has
    none (a box-only object in a project scored by masks). The rectangle is clipped to the image
    (the same pixels); a rectangle that cannot be rasterised safely (an image of unknown or
    unsupported size with an absurd box) is an empty mask."""
    if segmentation:
        return to_rle(segmentation, height, width)
    x, y, bw, bh = (float(v) for v in box)
    if height > 0 and width > 0:
        x0, y0 = min(max(x, 0.0), width), min(max(y, 0.0), height)
        x1, y1 = min(max(x + bw, 0.0), width), min(max(y + bh, 0.0), height)
        x, y, bw, bh = x0, y0, x1 - x0, y1 - y0
    rectangle = box_polygon([x, y, bw, bh])
    if mask_problem(rectangle, height, width):
        return empty_rle(height, width)
    return to_rle(rectangle, height, width)


def pred_rle(segmentation, height: int, width: int) -> dict:
    """A prediction's mask for mask IoU: its segmentation, or an empty mask when it has none
    (a prediction without a usable mask matches nothing by mask)."""
    rle = to_rle(segmentation, height, width)
    return rle if rle is not None else empty_rle(height, width)


def empty_rle(height: int, width: int) -> dict:
    """An empty compressed RLE of the image size (0 x 0 when the size is unknown or beyond
    ``rle.MAX_PIXELS``: it then matches nothing, pycocotools gives -1 to unequal sizes)."""
    if rle_check.too_large(height, width) or height <= 0 or width <= 0:
        height = width = 0
    return to_rle({"size": [height, width], "counts": [height * width]}, height, width)


def rle_areas(rles: list) -> np.ndarray:
    """(N,) float64 pixel areas of compressed RLEs, computed in chunks."""
    out = np.zeros(len(rles), dtype=np.float64)
    for start in range(0, len(rles), _AREA_CHUNK):
        chunk = rles[start:start + _AREA_CHUNK]
        if chunk:
            out[start:start + len(chunk)] = mask_utils.area(chunk)
    return out


def rle_boxes(rles: list) -> np.ndarray:
    """(N,4) float64 xywh bounding boxes of compressed RLEs."""
    if not rles:
        return np.zeros((0, 4), dtype=np.float64)
    return np.asarray(mask_utils.toBbox(rles), dtype=np.float64).reshape(-1, 4)


def mask_iou(dt_rles: list, gt_rles: list, gt_crowd: np.ndarray) -> np.ndarray:
    """(N,M) IoU of compressed RLEs (crowd GT: intersection over prediction area)."""
    if not dt_rles or not gt_rles:
        return np.zeros((len(dt_rles), len(gt_rles)), dtype=np.float64)
    iou = mask_utils.iou(dt_rles, gt_rles, [int(c) for c in gt_crowd])
    return np.asarray(iou, dtype=np.float64).reshape(len(dt_rles), len(gt_rles))


def decode(rle: dict) -> np.ndarray:
    """Compressed RLE -> (H,W) uint8 binary mask."""
    return mask_utils.decode(rle)


def encode(mask: np.ndarray) -> dict:
    """(H,W) binary mask -> compressed RLE with str counts (JSON-ready)."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle["counts"] = rle["counts"].decode("ascii")
    return rle
