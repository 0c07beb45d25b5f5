"""Box geometry: IoU with the exact floating-point recipe of pycocotools.

COCO boxes are ``[x, y, w, h]``. ``box_iou`` reproduces ``maskApi.c:bbIou`` operation by operation
(``min(x+w) - max(x)``, ``da + ga - i``) so that an IoU compared against a threshold gives the same
answer as COCOeval, bit for bit. For crowd GT the union is the prediction's area (COCO rule).
"""

from __future__ import annotations

import numpy as np


def box_iou(dt: np.ndarray, gt: np.ndarray, gt_crowd: np.ndarray | None = None) -> np.ndarray:
    """IoU of every prediction box with every GT box.

    dt: (..., N, 4) xywh; gt: (..., M, 4) xywh; gt_crowd: (..., M) bool or None.
    Returns (..., N, M) float64; empty inputs give empty shapes.
    """
    dt = np.asarray(dt, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    d = dt[..., :, None, :]
    g = gt[..., None, :, :]
    w = np.minimum(d[..., 2] + d[..., 0], g[..., 2] + g[..., 0]) - np.maximum(d[..., 0], g[..., 0])
    h = np.minimum(d[..., 3] + d[..., 1], g[..., 3] + g[..., 1]) - np.maximum(d[..., 1], g[..., 1])
    da = d[..., 2] * d[..., 3]
    ga = g[..., 2] * g[..., 3]
    inter = w * h
    union = da + ga - inter
    if gt_crowd is not None:
        crowd = np.asarray(gt_crowd, dtype=bool)[..., None, :]
        union = np.where(crowd, np.broadcast_to(da, union.shape), union)
    positive = (w > 0) & (h > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(positive, inter / np.where(positive, union, 1.0), 0.0)
    return iou


def xywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    """(N,4) xywh -> (N,4) xyxy."""
    b = np.asarray(boxes, dtype=np.float64)
    return np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1)


def xyxy_to_xywh(boxes: np.ndarray) -> np.ndarray:
    """(N,4) xyxy -> (N,4) xywh."""
    b = np.asarray(boxes, dtype=np.float64)
    return np.concatenate([b[:, :2], b[:, 2:] - b[:, :2]], axis=1)
