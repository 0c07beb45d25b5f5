"""Instance masks for the synthetic COCO-like data: GT polygons, crowd RLE, predicted RLE.

pycocotools does the encoding (frPyObjects per image: with numpy 2, pycocotools.mask.area() on
more than 255 masks in one call overflows, so nothing here passes more than one image at a time).
"""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils


def ellipse_polygons(rng, xywh: np.ndarray, widths: np.ndarray, heights: np.ndarray,
                     n_vertices: int, roughness: float) -> np.ndarray:
    """(M,4) boxes -> (M,V,2) float64 ragged-ellipse polygons inscribed in them, inside the image."""
    m = len(xywh)
    t = (np.arange(n_vertices)[None, :] + 0.6 * rng.random((m, n_vertices))) * (2 * np.pi / n_vertices)
    r = 1.0 - roughness * rng.random((m, n_vertices))
    x, y, w, h = (xywh[:, i:i + 1] for i in range(4))
    px = np.clip(x + 0.5 * w * (1.0 + r * np.cos(t)), 0.0, widths[:, None].astype(np.float64))
    py = np.clip(y + 0.5 * h * (1.0 + r * np.sin(t)), 0.0, heights[:, None].astype(np.float64))
    return np.round(np.stack([px, py], axis=2), 2)


def polygon_area(polygons: np.ndarray) -> np.ndarray:
    """(M,V,2) -> (M,) shoelace areas."""
    x, y = polygons[..., 0], polygons[..., 1]
    return 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1))


def uncompressed_rle(mask: np.ndarray) -> list[int]:
    """(H,W) bool -> COCO uncompressed RLE counts (column-major runs, starting with zeros)."""
    flat = mask.ravel(order="F").astype(np.int8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds).tolist()
    return [0, *runs] if flat[0] else runs


def blob_mask(rng, box: np.ndarray, width: int, height: int) -> np.ndarray:
    """(4,) xywh -> (H,W) bool union of 3..6 ellipses inside the box (a crowd region)."""
    x, y, w, h = box
    mask = np.zeros((height, width), dtype=bool)
    x0, y0 = int(np.floor(x)), int(np.floor(y))
    x1, y1 = min(int(np.ceil(x + w)), width), min(int(np.ceil(y + h)), height)
    gy, gx = np.mgrid[y0:y1, x0:x1] + 0.5
    region = np.zeros(gx.shape, dtype=bool)
    for _ in range(int(rng.integers(3, 7))):
        rx, ry = w * rng.uniform(0.2, 0.5), h * rng.uniform(0.2, 0.5)
        cx, cy = x + rx + rng.random() * (w - 2 * rx), y + ry + rng.random() * (h - 2 * ry)
        region |= ((gx - cx) / rx) ** 2 + ((gy - cy) / ry) ** 2 <= 1.0
    region[(y1 - y0) // 2, (x1 - x0) // 2] = True  # never empty
    mask[y0:y1, x0:x1] = region
    return mask


def crowd_masks(rng, boxes: np.ndarray, widths: np.ndarray, heights: np.ndarray):
    """(K,4) crowd boxes -> (counts lists, (K,4) tight xywh, (K,) pixel areas)."""
    counts, tight, areas = [], np.zeros((len(boxes), 4)), np.zeros(len(boxes))
    for k in range(len(boxes)):
        mask = blob_mask(rng, boxes[k], int(widths[k]), int(heights[k]))
        ys, xs = np.nonzero(mask)
        tight[k] = [xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()]
        areas[k] = float(mask.sum())
        counts.append(uncompressed_rle(mask))
    return counts, tight, areas


def prediction_masks(rng, images, pred) -> list[dict]:
    """Compressed-RLE masks: a ragged ellipse in each predicted box, one per prediction row.

    pred rows must be grouped by image (make_predictions sorts them). Returns one
    {"size": [h, w], "counts": str} per row. The box stays the detector's box (as with a
    Mask R-CNN box head), so bbox AP is the same with and without --masks.
    """
    widths, heights = images.widths[pred.image], images.heights[pred.image]
    flat = ellipse_polygons(rng, pred.xywh, widths, heights, 12, 0.15).reshape(len(pred.image), -1)
    starts = np.flatnonzero(np.r_[True, pred.image[1:] != pred.image[:-1]])
    ends = np.r_[starts[1:], len(pred.image)]
    rles = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        h, w = int(heights[s]), int(widths[s])
        encoded = mask_utils.frPyObjects(flat[s:e].tolist(), h, w)
        rles.extend({"size": [h, w], "counts": r["counts"].decode("ascii")} for r in encoded)
    return rles
