"""CanvasFrames for the canvas benchmark and demo: synthetic ones and one from sample_project."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from reviewer.core.view_state import CanvasFrame, CanvasObject

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_project"
STATUSES = (("tp", ""), ("fp", "loc"), ("fp", "cls"), ("fp", "bkg"), ("fn", "miss"),
            ("ignored", ""))


def _mask_rle(height: int, width: int, box, rng) -> dict:
    """An elliptical instance mask inside ``box`` (xywh) as a compressed RLE."""
    x, y, w, h = (int(v) for v in box)
    m = np.zeros((height, width), dtype=np.uint8)
    cv2.ellipse(m, (x + w // 2, y + h // 2), (max(w // 2, 1), max(h // 2, 1)), 0, 0, 360, 1, -1)
    return mask_utils.encode(np.asfortranarray(m))


def synthetic_frame(width=1920, height=1080, n_objects=50, n_classes=20, masks=True,
                    semantic=True, seed=0) -> CanvasFrame:
    """A frame with random image noise, ``n_objects`` boxes (half GT, half predictions, all
    statuses), optional RLE masks and blocky semantic GT/prediction maps."""
    rng = np.random.default_rng(seed)
    image = cv2.GaussianBlur(rng.integers(0, 255, (height, width, 3), dtype=np.uint8), (0, 0), 3)
    objects = []
    for i in range(n_objects):
        w, h = rng.integers(30, max(31, width // 5)), rng.integers(30, max(31, height // 5))
        box = (float(rng.integers(0, width - w)), float(rng.integers(0, height - h)),
               float(w), float(h))
        source = "gt" if i % 2 == 0 else "pred"
        status, error = STATUSES[i % len(STATUSES)]
        if source == "gt":
            status, error = ("fn", "miss") if status == "fn" else ("tp", "")
        cls = int(rng.integers(0, n_classes))
        objects.append(CanvasObject(
            source=source, row=i, ann_id=i + 1, class_index=cls, class_name=f"class {cls}",
            box=box, mask=_mask_rle(height, width, box, rng) if masks else None,
            score=None if source == "gt" else float(rng.uniform(0.3, 1.0)),
            status=status, error_type=error, iou=float(rng.uniform(0, 1)),
            corrected=i % 7 == 0))
    sem_gt = sem_pred = None
    if semantic:
        small = rng.integers(0, n_classes, (height // 60 + 1, width // 60 + 1), dtype=np.uint8)
        sem_gt = cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)
        sem_pred = sem_gt.copy()
        noise = rng.random(small.shape) < 0.2
        small2 = np.where(noise, (small + 1) % n_classes, small).astype(np.uint8)
        sem_pred = cv2.resize(small2, (width, height), interpolation=cv2.INTER_NEAREST)
        sem_gt[:60, :60] = 255
    return CanvasFrame(image=image, objects=tuple(objects), semantic_gt=sem_gt,
                       semantic_pred=sem_pred,
                       class_names=tuple(f"class {i}" for i in range(n_classes)),
                       ignore_index=255)


def sample_frame(file_name: str = "street_007.jpg") -> CanvasFrame:
    """The sample project's image with its semantic PNGs and scored detections."""
    from reviewer.core.detection_scores import (
        STATUS_NAMES,
        DetectionParams,
        score_detection,
    )
    from reviewer.core.tide import ERROR_TYPES
    from reviewer.io.coco import load_detection
    from reviewer.io.semantic import read_label_png

    project = json.loads((SAMPLE / "reviewer.json").read_text())
    classes = json.loads((SAMPLE / project["segmentation"]["classes"]).read_text())
    names = tuple(c["name"] for c in classes)
    colors = np.array([c["color"] for c in classes], dtype=np.uint8)
    det = project["detection"]
    ds = load_detection(SAMPLE / det["gt"], SAMPLE / det["pred"], SAMPLE / project["images"])
    scores = score_detection(ds, DetectionParams(det["iou_threshold"], det["score_threshold"]))
    image_row = int(np.flatnonzero(ds.images.file_names == file_name)[0])
    cls_index = {i: names.index(n) for i, n in enumerate(ds.categories.names.tolist())}
    objects = []
    for source, table, status, match, errors in (
            ("gt", ds.gt, scores.gt_status, scores.gt_match, scores.gt_error),
            ("pred", ds.pred, scores.pred_status, scores.pred_match, scores.pred_error)):
        other = ds.pred if source == "gt" else ds.gt
        for row in np.flatnonzero(table.image_index == image_row):
            cat = int(table.category_index[row])
            objects.append(CanvasObject(
                source=source, row=int(row), ann_id=int(table.ids[row]),
                class_index=cls_index[cat], class_name=names[cls_index[cat]],
                box=tuple(table.boxes[row]), mask=_segmentation(table, row, ds, image_row),
                score=float(table.scores[row]) if source == "pred" else None,
                status=STATUS_NAMES[int(status[row])],
                error_type=("", *ERROR_TYPES)[int(errors[row])],
                iou=float(scores.pred_iou[row]) if source == "pred" else None,
                matched_ann_id=int(other.ids[match[row]]) if match[row] >= 0 else None))
    stem = Path(file_name).stem
    seg = project["segmentation"]
    read = lambda d: read_label_png(SAMPLE / d / f"{stem}.png")  # noqa: E731
    bgr = cv2.imread(str(SAMPLE / project["images"] / file_name))
    return CanvasFrame(image=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), objects=tuple(objects),
                       semantic_gt=read(seg["gt"]), semantic_pred=read(seg["pred"]),
                       class_names=names, class_colors=colors, ignore_index=seg["ignore_index"])


def _segmentation(table, row, ds, image_row):
    if table.segmentations is None or table.segmentations[row] is None:
        return None
    from reviewer.core.masks import to_rle
    return to_rle(table.segmentations[row], int(ds.images.heights[image_row]),
                  int(ds.images.widths[image_row]))
