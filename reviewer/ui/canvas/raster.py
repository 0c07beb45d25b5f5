"""Overlay rasters as (H,W) uint32 premultiplied ARGB pixels (numpy only, no Qt).

Every overlay is built with a colour lookup table indexed by class (or object) and vectorised
numpy: no per-pixel Python. The uint32 values are ``a<<24 | r<<16 | g<<8 | b`` with the colour
premultiplied by alpha, which is exactly QImage.Format_ARGB32_Premultiplied in native byte order.
"""

from __future__ import annotations

import numpy as np

FILL_ALPHA = 0.4       # alpha of filled semantic classes (layer opacity comes on top)
MASK_ALPHA = 0.35      # alpha of filled instance masks
OUTLINE_ALPHA = 1.0    # alpha of contours


def pack_argb(rgb: np.ndarray, alpha) -> np.ndarray:
    """(N,3) uint8 RGB and (N,) or scalar alpha in 0..1 -> (N,) uint32 premultiplied ARGB."""
    rgb = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
    a = np.broadcast_to(np.clip(np.asarray(alpha, dtype=np.float64), 0.0, 1.0), (rgb.shape[0],))
    pre = np.round(rgb * a[:, None]).astype(np.uint32)
    a8 = np.round(a * 255.0).astype(np.uint32)
    return (a8 << 24) | (pre[:, 0] << 16) | (pre[:, 1] << 8) | pre[:, 2]


def lut_size(labels: np.ndarray) -> int:
    """Number of entries a lookup table needs to be indexed by any value of this label dtype."""
    return 256 if labels.dtype.itemsize == 1 else 65536


def class_lut(colors: np.ndarray, visible: np.ndarray, alpha: float, size: int,
              ignore_index: int | None) -> np.ndarray:
    """(size,) uint32 ARGB per class index: colors (K,3), visible (K,) bool; others transparent."""
    lut = np.zeros(size, dtype=np.uint32)
    k = min(len(colors), size)
    lut[:k] = np.where(visible[:k], pack_argb(colors[:k], alpha), 0)
    if ignore_index is not None and 0 <= ignore_index < size:
        lut[ignore_index] = 0
    return lut


def repaint_classes(argb: np.ndarray, labels: np.ndarray, lut: np.ndarray,
                    classes) -> np.ndarray:
    """Update a filled semantic raster in place for the given class indices; returns ``argb``.

    argb: (H,W) uint32 made by semantic_argb(labels, old_lut); lut: the new (size,) table.
    """
    for c in classes:
        argb[labels == c] = lut[c]
    return argb


def boundaries(labels: np.ndarray) -> np.ndarray:
    """(H,W) bool: pixels whose right or lower neighbour has another label."""
    edge = np.zeros(labels.shape, dtype=bool)
    edge[:, :-1] = labels[:, :-1] != labels[:, 1:]
    edge[:-1, :] |= labels[:-1, :] != labels[1:, :]
    return edge


def semantic_argb(labels: np.ndarray, lut: np.ndarray, outline: bool = False) -> np.ndarray:
    """(H,W) class indices -> (H,W) uint32 ARGB; ``outline`` keeps only class boundaries."""
    out = lut[labels]
    if outline:
        out[~boundaries(labels)] = 0
    return out


def semantic_error_argb(gt: np.ndarray, pred: np.ndarray, missed_lut: np.ndarray,
                        extra_lut: np.ndarray, ignore_index: int | None) -> np.ndarray:
    """Per-pixel error map of two (H,W) label arrays -> (H,W) uint32 ARGB.

    A pixel is wrong where gt != pred and gt is not ``ignore_index``. It takes the "missed" colour
    of its GT class (missed_lut, transparent for hidden classes); when that is transparent it
    takes the "extra" colour of its predicted class. Correct and ignored pixels are transparent.
    """
    wrong = gt != pred
    if ignore_index is not None:
        wrong &= gt != ignore_index
    out = np.zeros(gt.shape, dtype=np.uint32)
    gt_w, pred_w = gt[wrong], pred[wrong]
    missed = missed_lut[gt_w]
    out[wrong] = np.where(missed != 0, missed, extra_lut[pred_w])
    return out


def tone_lut(colors: np.ndarray, visible: np.ndarray, base: tuple[int, int, int], alpha: float,
             size: int, ignore_index: int | None) -> np.ndarray:
    """(size,) uint32 ARGB: ``base`` colour tinted 30% towards each class colour (K,3)."""
    tinted = np.round(0.7 * np.asarray(base, dtype=np.float64) + 0.3 * colors.astype(np.float64))
    return class_lut(tinted.astype(np.uint8), visible, alpha, size, ignore_index)


def crop_outline(crop: np.ndarray) -> np.ndarray:
    """(h,w) bool mask -> (h,w) bool contour (foreground pixels with a background 4-neighbour)."""
    padded = np.pad(crop, 1, constant_values=False)
    inner = (padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])
    return crop & ~inner


def compose_instances(shape: tuple[int, int], crops: list, colors: np.ndarray,
                      outline: bool = False) -> np.ndarray:
    """Paint mask crops into one (H,W) uint32 ARGB raster, later crops on top.

    crops: list of (y0, x0, (h,w) bool) in image pixels; colors: (N,) uint32 ARGB per crop.
    """
    out = np.zeros(shape, dtype=np.uint32)
    paint_crops(out, crops, colors, outline)
    return out


def paint_crops(out: np.ndarray, crops: list, colors: np.ndarray, outline: bool = False,
                region: tuple[int, int, int, int] | None = None) -> None:
    """Paint mask crops into the (H,W) uint32 ARGB ``out`` in place, later crops on top.

    region: (y0, x0, y1, x1) — clear and repaint only these pixels (a dirty rectangle); the
    result inside it equals a full compose_instances of the same crops.
    """
    shape = out.shape
    ry0, rx0, ry1, rx1 = (0, 0, shape[0], shape[1]) if region is None else region
    ry0, rx0, ry1, rx1 = max(ry0, 0), max(rx0, 0), min(ry1, shape[0]), min(rx1, shape[1])
    if ry1 <= ry0 or rx1 <= rx0:
        return
    if region is not None:
        out[ry0:ry1, rx0:rx1] = 0
    for (y0, x0, crop), color in zip(crops, colors, strict=True):
        h = min(crop.shape[0], shape[0] - y0)
        w = min(crop.shape[1], shape[1] - x0)
        iy0, ix0 = max(y0, ry0), max(x0, rx0)
        iy1, ix1 = min(y0 + h, ry1), min(x0 + w, rx1)
        if h <= 0 or w <= 0 or iy1 <= iy0 or ix1 <= ix0:
            continue
        piece = crop[:h, :w]
        if outline:  # the contour of the whole (image-clipped) crop, then cut to the region
            piece = crop_outline(piece)
        piece = piece[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0]
        out[iy0:iy1, ix0:ix1][piece] = color
