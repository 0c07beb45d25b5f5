"""Shared by the format tests: stand-in images, metrics of a loaded dataset, the oracle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from reviewer.core.ap import accumulate
from reviewer.core.cocoeval import STAT_NAMES, match_dataset
from reviewer.core.detection_scores import DetectionParams, score_detection

DATA = Path(__file__).resolve().parents[1] / "data"
VOC = DATA / "voc2012_det100"
NAMES = [n.strip() for n in (VOC / "voc.names").read_text().splitlines() if n.strip()]


def stand_in_images(coco: dict, folder: Path, fmt: str = "PNG") -> Path:
    """Blank images of each COCO image's size, under its file name (YOLO needs the sizes;
    the photos themselves are not in tests/data)."""
    folder.mkdir(parents=True, exist_ok=True)
    for e in coco["images"]:
        (folder / e["file_name"]).parent.mkdir(parents=True, exist_ok=True)
        Image.new("L", (e["width"], e["height"])).save(folder / e["file_name"], format=fmt)
    return folder


def stats(ds) -> np.ndarray:
    """The 12 COCO numbers of a loaded DetectionDataset (bbox)."""
    ev = accumulate(ds, match_dataset(ds, "bbox"))
    return np.array([ev.stats[k] for k in STAT_NAMES])


def per_image(ds, threshold: float = 0.0) -> dict:
    """{file name: (tp, fp, fn)} at IoU 0.5."""
    s = score_detection(ds, DetectionParams(0.5, threshold, "bbox"))
    return {str(n): (int(s.per_image["tp"][i]), int(s.per_image["fp"][i]),
                     int(s.per_image["fn"][i]))
            for i, n in enumerate(ds.images.file_names.tolist())}


def load(path) -> dict:
    return json.loads(Path(path).read_text())
