"""Instance masks as COCO run-length encodings (RLE), through pycocotools' C codec.

A segmentation is kept as read (polygon list, uncompressed RLE with list counts, or compressed RLE
with str/bytes counts) and turned into a compressed RLE only when needed, exactly as
``pycocotools.coco.COCO.annToRLE`` does, so mask IoUs equal COCOeval's.
"""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

_AREA_CHUNK = 200  # numpy 2: pycocotools.mask.area overflows on more than 255 RLEs per call


def to_rle(segmentation, height: int, width: int) -> dict | None:
    """One segmentation (any COCO flavour) -> compressed RLE dict, or None when absent."""
    if segmentation is None:
        return None
    if isinstance(segmentation, list):
        if not segmentation:
            return None
        return mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
    counts = segmentation.get("counts")
    if isinstance(counts, list):
        return mask_utils.frPyObjects(segmentation, height, width)
    if isinstance(counts, str):
        return {"size": list(segmentation["size"]), "counts": counts.encode("ascii")}
    return segmentation


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
