"""Semantic brush latency: one stroke -> PaintMask command -> re-score -> canvas refresh.

Generates a small segmentation project in a temp dir (one 1920x1080 and one 4000x3000 image with
random-blob GT and prediction label PNGs, 8 classes), opens the real window (offscreen unless
QT_QPA_PLATFORM says otherwise) on its segmentation task, shows each image and times, per stroke
(20 points, radius 12 px, a random class):

- build:   ``raster.brush`` (the stroke rasterised at full resolution, the changed patch encoded);
- execute: ``controller.execute(cmd)``: history + journal + ``document.paint`` (the image's
  confusion matrix recomputed, its table row patched) + the controller's canvas refresh;
- paint:   processing the posted events (table row and canvas repaint);
- total:   the three together, what a reviewer waits for after releasing the mouse.

The stroke is built with ``raster.brush`` directly: that is the call the brush tool
(``reviewer.ui.tools.mask_tools``) makes on release; the mouse-move previews are not timed.
Prints median and p95 in milliseconds (target: total ~100 ms at 4000x3000).

    python bench/bench_paint.py [--strokes 15]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

SIZES = ((1920, 1080), (4000, 3000))
CLASSES = 8


def _labels(rng, w: int, h: int) -> np.ndarray:
    """(h, w) uint8 blobs of classes 0..CLASSES-1 (coarse noise upscaled: region-like masks)."""
    coarse = rng.integers(0, CLASSES, (max(h // 60, 2), max(w // 60, 2)), dtype=np.uint8)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_NEAREST)


def make_project(root: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for sub in ("images", "gt", "pred"):
        (root / sub).mkdir(parents=True)
    for w, h in SIZES:
        stem = f"img_{w}x{h}"
        gt = _labels(rng, w, h)
        pred = gt.copy()
        noise = _labels(rng, w, h)
        flip = _labels(rng, w, h) < 2
        pred[flip] = noise[flip]
        image = cv2.resize(rng.integers(0, 255, (h // 40, w // 40, 3), dtype=np.uint8), (w, h))
        cv2.imwrite(str(root / "images" / f"{stem}.jpg"), image)
        cv2.imwrite(str(root / "gt" / f"{stem}.png"), gt)
        cv2.imwrite(str(root / "pred" / f"{stem}.png"), pred)
    classes = [{"name": f"class_{k}", "color": [int(v) for v in rng.integers(0, 255, 3)]}
               for k in range(CLASSES)]
    (root / "classes.json").write_text(json.dumps(classes))
    (root / "reviewer.json").write_text(json.dumps({
        "reviewer_project": 1, "name": "bench-paint", "images": "images",
        "default_task": "segmentation",
        "segmentation": {"gt": "gt", "pred": "pred", "classes": "classes.json",
                         "ignore_index": 255}}))
    return root


def _stats(samples) -> str:
    ms = np.asarray(samples) * 1000
    return f"median {np.median(ms):6.1f} ms   p95 {np.percentile(ms, 95):6.1f} ms"


def _stroke(rng, w: int, h: int, n: int = 20) -> list[tuple[float, float]]:
    start = rng.uniform([w * 0.2, h * 0.2], [w * 0.8, h * 0.8])
    steps = rng.normal(0, min(w, h) * 0.01, (n, 2)).cumsum(axis=0)
    return [(float(x), float(y)) for x, y in start + steps]


def _settle(app, seconds: float = 0.05) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


def time_strokes(app, c, row: int, strokes: int, rng) -> dict[str, list[float]]:
    """Per stroke: build / execute / paint / total seconds on image row ``row``."""
    from reviewer.core import raster
    doc = c.session.document
    image_id = c._image_id(row)
    out = {"build": [], "execute": [], "paint": [], "total": []}
    for _ in range(strokes):
        _settle(app)
        gt, _ = doc.masks(row)
        h, w = gt.shape
        points, value = _stroke(rng, w, h), int(rng.integers(0, CLASSES))
        t0 = time.perf_counter()
        cmd = raster.brush(image_id, gt, points, 12, value)
        t1 = time.perf_counter()
        c.execute(cmd)
        t2 = time.perf_counter()
        app.processEvents()
        t3 = time.perf_counter()
        for key, v in zip(out, (t1 - t0, t2 - t1, t3 - t2, t3 - t0), strict=True):
            out[key].append(v)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--strokes", type=int, default=15)
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from reviewer.app import build
    from reviewer.ui.dialogs.factory import HeadlessDialogs
    from reviewer.ui.settings import Settings
    app = QApplication.instance() or QApplication(sys.argv[:1])
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        root = make_project(Path(tmp) / "project")
        settings = Settings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        window, c = build(str(root), settings, HeadlessDialogs())
        window.resize(1600, 1000)
        window.show()
        t0 = time.perf_counter()
        while c.session is None:
            app.processEvents()
            if time.perf_counter() - t0 > 120:
                raise SystemExit("project did not load")
        names = [str(n) for n in c.session.document.table["file_name"]]
        for w, h in SIZES:
            row = next(i for i, n in enumerate(names) if f"{w}x{h}" in n)
            c.select_image(row)
            _settle(app, 0.3)
            res = time_strokes(app, c, row, args.strokes, rng)
            print(f"{w}x{h} brush stroke (n={args.strokes}, radius 12, 20 points)")
            for key, samples in res.items():
                print(f"  {key:8s} {_stats(samples)}")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
