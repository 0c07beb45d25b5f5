"""Thumbnails of the report's worst images, as PNG bytes (OpenCV).

Detection: the image with the current GT boxes (green) and the predictions kept by the score
threshold (orange). Segmentation: the image with the pixels where prediction and current GT
disagree tinted red. Images are read by ``reviewer.io.images`` as the window reads them (the
dataset's pixel order, the pixel budget; a large JPEG is decoded at 1/2, 1/4 or 1/8 scale) and
drawn at the dataset's size. An image that cannot be read, or whose name would leave the images
folder, becomes a grey placeholder saying so, and an unreadable or too large one is listed as a
problem: one image never stops an export.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from reviewer import tasks
from reviewer.core.problems import Problem
from reviewer.io.export_files import ExportError, safe_join
from reviewer.io.images import LoadedImage, load_image

WIDTH = 200
GT_BGR = (60, 180, 60)
PRED_BGR = (0, 140, 255)
TINT_BGR = (40, 40, 230)
TINT_ALPHA = 0.55


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


def read_image(images_dir: Path, file_name: str, expected=None, width: int = WIDTH
               ) -> LoadedImage:
    """The image as BGR pixels, decoded no larger than needed for a ``width`` thumbnail; a
    name leaving ``images_dir`` is reported as a missing file."""
    try:
        path = safe_join(images_dir, file_name)
    except ExportError:
        return LoadedImage(None, None, "missing")
    return load_image(path, expected, bgr=True, min_width=2 * width)


def _thumb_size(loaded: LoadedImage, width: int) -> tuple[int, int]:
    """(width, height) of the thumbnail: the image's full size (dataset order) scaled."""
    w, h = loaded.size or (loaded.pixels.shape[1], loaded.pixels.shape[0])
    return width, max(1, round(h * width / max(w, 1)))


def _resized(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    interp = cv2.INTER_AREA if size[0] < img.shape[1] else cv2.INTER_LINEAR
    return cv2.resize(img, size, interpolation=interp)


def _draw_boxes(img: np.ndarray, boxes: np.ndarray, sx: float, sy: float, color) -> None:
    """boxes (N, 4) COCO xywh in image pixels."""
    for x, y, w, h in np.asarray(boxes, np.float64).reshape(-1, 4):
        p0 = (round(x * sx), round(y * sy))
        p1 = (round((x + w) * sx), round((y + h) * sy))
        cv2.rectangle(img, p0, p1, color, 1, cv2.LINE_AA)


def _placeholder_for(loaded: LoadedImage, width: int) -> bytes:
    text = {"missing": "image not found", "too large": "image too large"}
    return placeholder(text.get(loaded.status, "unreadable image"), width)


def detection_thumb(document, images_dir: Path, i: int, width: int = WIDTH,
                    loaded: LoadedImage | None = None) -> bytes:
    """Image row i with GT (green) and predictions above the score threshold (orange)."""
    base = document.base
    if loaded is None:
        loaded = read_image(images_dir, str(base.images.file_names[i]),
                            _size(base.images, i), width)
    if loaded.pixels is None:
        return _placeholder_for(loaded, width)
    size = _thumb_size(loaded, width)
    small = _resized(loaded.pixels, size)
    full_w, full_h = loaded.size or (loaded.pixels.shape[1], loaded.pixels.shape[0])
    sx, sy = size[0] / full_w, size[1] / full_h
    gt_boxes, pred_boxes = thumb_boxes(document, i)
    _draw_boxes(small, gt_boxes, sx, sy, GT_BGR)
    _draw_boxes(small, pred_boxes, sx, sy, PRED_BGR)
    return _encode(small)


def thumb_boxes(document, i: int) -> tuple[np.ndarray, np.ndarray]:
    """(GT boxes (G, 4), prediction boxes (P, 4)) COCO xywh that a thumbnail of image row i
    draws: the current GT and the predictions kept by the score threshold (the report's and
    the window's grid thumbnails)."""
    gt = document.gt
    rows = document.pred_rows(i)
    keep = rows[document.base.pred.scores[rows] >= document.params.score_threshold]
    return gt.boxes[gt.image_index == i], document.base.pred.boxes[keep]


def labelled_thumb(loaded: LoadedImage, width: int, caption: str) -> bytes:
    """The image with a caption bar under it (a classification image: label → prediction)."""
    if loaded.pixels is None:
        return _placeholder_for(loaded, width)
    small = _resized(loaded.pixels, _thumb_size(loaded, width))
    bar = np.full((22, small.shape[1], 3), 245, np.uint8)
    cv2.putText(bar, caption[:48], (4, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (40, 40, 40), 1,
                cv2.LINE_AA)
    return _encode(np.concatenate([small, bar], axis=0))


def semantic_thumb(document, images_dir: Path, file_name: str, i: int,
                   width: int = WIDTH, loaded: LoadedImage | None = None) -> bytes:
    """Image row i with the pixels where GT and prediction disagree tinted red."""
    if loaded is None:
        loaded = read_image(images_dir, file_name, None, width)
    if loaded.pixels is None:
        return _placeholder_for(loaded, width)
    size = _thumb_size(loaded, width)
    small = _resized(loaded.pixels, size)
    gt, pred = document.masks(i)
    share = error_share(gt, pred, document.ignore_index, size)
    if share is not None:
        alpha = (TINT_ALPHA * share)[..., None]
        tinted = small * (1.0 - alpha) + np.asarray(TINT_BGR, np.float32) * alpha
        small = np.clip(np.rint(tinted), 0, 255).astype(np.uint8)
    return _encode(small)


def error_share(gt, pred, ignore_index, size: tuple[int, int]) -> np.ndarray | None:
    """(h, w) float32 for size (w, h): the share of each thumbnail pixel's image pixels where
    the GT (H, W) and the prediction (H, W) disagree, the ignore value left out — the
    full-size error mask shrunk with INTER_AREA (the report's tint and the window's grid).
    None when either mask is missing or their sizes differ."""
    if gt is None or pred is None or gt.shape != pred.shape:
        return None
    wrong = gt != pred
    if ignore_index is not None:
        wrong &= gt != ignore_index
    return cv2.resize(wrong.astype(np.float32), size, interpolation=cv2.INTER_AREA)


def thumbnail(session, i: int, width: int = WIDTH, problems: list | None = None) -> bytes:
    """The thumbnail of image row ``i``; an unreadable or too large image is appended to
    ``problems`` (when given) and gets a placeholder."""
    images_dir = session.project.images
    ds = session.data.dataset
    name = str(ds.images.file_names[i])
    loaded = read_image(images_dir, name, _size(ds.images, i), width)
    if problems is not None and loaded.status in ("unreadable", "too large"):
        image_id = ds.images.ids[i]
        image_id = image_id.item() if hasattr(image_id, "item") else image_id
        problems.append(Problem(str(Path(images_dir) / name), f"image {image_id}",
                                f"{loaded.message}; the report shows a placeholder",
                                "warning", image_id))
    return tasks.get(session.data.task).thumbnail(session, i, width, loaded)


def _size(images, i: int):
    w, h = int(images.widths[i]), int(images.heights[i])
    return (w, h) if w > 0 and h > 0 else None
