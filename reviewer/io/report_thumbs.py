"""Thumbnails of the report's worst images, as PNG bytes (OpenCV).

Detection: the image with the current GT boxes (green) and the predictions kept by the score
threshold (orange). Segmentation: the image with the pixels where prediction and current GT
disagree tinted red. An image that cannot be read, or whose name would leave the images folder,
becomes a grey placeholder saying so.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from reviewer.io.export_files import ExportError, safe_join

WIDTH = 200
GT_BGR = (60, 180, 60)
PRED_BGR = (0, 140, 255)


def _encode(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", img)
    return buf.tobytes() if ok else b""


def placeholder(text: str, width: int = WIDTH, height: int = 130) -> bytes:
    """A grey (height, width) PNG with ``text`` centred."""
    img = np.full((height, width, 3), 225, np.uint8)
    cv2.rectangle(img, (0, 0), (width - 1, height - 1), (180, 180, 180), 1)
    size = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1)[0]
    org = (max(4, (width - size[0]) // 2), height // 2 + size[1] // 2)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.45, (90, 90, 90), 1, cv2.LINE_AA)
    return _encode(img)


def read_image(images_dir: Path, file_name: str) -> np.ndarray | None:
    """(H, W, 3) BGR uint8, or None when missing, unreadable or outside ``images_dir``."""
    try:
        path = safe_join(images_dir, file_name)
    except ExportError:
        return None
    if not path.is_file():
        return None
    data = np.fromfile(str(path), np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    return img


def _resized(img: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    scale = width / max(img.shape[1], 1)
    h = max(1, round(img.shape[0] * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(img, (width, h), interpolation=interp), scale


def _draw_boxes(img: np.ndarray, boxes: np.ndarray, scale: float, color) -> None:
    """boxes (N, 4) COCO xywh in image pixels."""
    for x, y, w, h in np.asarray(boxes, np.float64).reshape(-1, 4):
        p0 = (round(x * scale), round(y * scale))
        p1 = (round((x + w) * scale), round((y + h) * scale))
        cv2.rectangle(img, p0, p1, color, 1, cv2.LINE_AA)


def detection_thumb(document, images_dir: Path, i: int, width: int = WIDTH) -> bytes:
    """Image row i with GT (green) and predictions above the score threshold (orange)."""
    base = document.base
    img = read_image(images_dir, str(base.images.file_names[i]))
    if img is None:
        return placeholder("image not found", width)
    small, scale = _resized(img, width)
    gt = document.gt
    _draw_boxes(small, gt.boxes[gt.image_index == i], scale, GT_BGR)
    rows = document.pred_rows(i)
    keep = rows[base.pred.scores[rows] >= document.params.score_threshold]
    _draw_boxes(small, base.pred.boxes[keep], scale, PRED_BGR)
    return _encode(small)


def semantic_thumb(document, images_dir: Path, file_name: str, i: int,
                   width: int = WIDTH) -> bytes:
    """Image row i with the pixels where GT and prediction disagree tinted red."""
    img = read_image(images_dir, file_name)
    if img is None:
        return placeholder("image not found", width)
    gt, pred = document.masks(i)
    if gt is not None and pred is not None and gt.shape == img.shape[:2]:
        wrong = gt != pred
        if document.ignore_index is not None:
            wrong &= gt != document.ignore_index
        tint = img.copy()
        tint[wrong] = (40, 40, 230)
        img = cv2.addWeighted(img, 0.45, tint, 0.55, 0)
    small, _ = _resized(img, width)
    return _encode(small)


def thumbnail(session, i: int, width: int = WIDTH) -> bytes:
    images_dir = session.project.images
    if session.data.task == "detection":
        return detection_thumb(session.document, images_dir, i, width)
    name = str(session.data.dataset.images.file_names[i])
    return semantic_thumb(session.document, images_dir, name, i, width)
