"""Review window latencies: next image (warm, with the preloader) and layer toggle.

Generates a small detection project in a temp dir (1920x1080 JPEGs, 50 GT boxes and 50
predictions per image), opens the real window (offscreen unless QT_QPA_PLATFORM says otherwise),
then times:
- next image: ``controller.next_image()`` + processing the events it posted (every repaint),
  with the preloader given time to decode the look-ahead between steps (a reviewer's think time);
- layer toggle: GT layer off/on through ``controller.apply_layers`` + the repaint.
Prints median and p95 in milliseconds (targets: next image p95 <= 50 ms, toggle <= 16 ms).

    python bench/bench_gui.py [--images 24] [--objects 50] [--steps 20]
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

W, H = 1920, 1080


def make_project(root: Path, n_images: int, n_objects: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True)
    images, gt, pred = [], [], []
    base = cv2.resize(rng.integers(0, 255, (54, 96, 3), dtype=np.uint8), (W, H))
    for i in range(n_images):
        img = np.roll(base, i * 37, axis=1)
        cv2.imwrite(str(root / "images" / f"img_{i:03d}.jpg"), img)
        images.append({"id": i + 1, "file_name": f"img_{i:03d}.jpg", "width": W, "height": H})
        xy = rng.uniform(0, [W - 200, H - 200], (n_objects, 2))
        wh = rng.uniform(20, 200, (n_objects, 2))
        cls = rng.integers(1, 6, n_objects)
        for k in range(n_objects):
            box = [float(xy[k, 0]), float(xy[k, 1]), float(wh[k, 0]), float(wh[k, 1])]
            gt.append({"id": len(gt) + 1, "image_id": i + 1, "category_id": int(cls[k]),
                       "bbox": box, "area": box[2] * box[3], "iscrowd": 0})
            jit = (rng.normal(0, 8, 4) * [1, 1, 0.5, 0.5]).tolist()
            pb = [max(b + j, 1.0) for b, j in zip(box, jit, strict=True)]
            c = int(cls[k]) if rng.random() > 0.1 else int(rng.integers(1, 6))
            pred.append({"image_id": i + 1, "category_id": c, "bbox": pb,
                         "score": float(rng.uniform(0.3, 1.0))})
    cats = [{"id": c, "name": f"class_{c}"} for c in range(1, 6)]
    (root / "gt.json").write_text(json.dumps({"images": images, "annotations": gt,
                                              "categories": cats}))
    (root / "pred.json").write_text(json.dumps(pred))
    (root / "reviewer.json").write_text(json.dumps({
        "reviewer_project": 1, "name": "bench", "images": "images", "default_task": "detection",
        "detection": {"gt": "gt.json", "pred": "pred.json", "iou_threshold": 0.5,
                      "score_threshold": 0.5}}))
    return root


def _stats(samples: list[float]) -> str:
    ms = np.asarray(samples) * 1000
    return f"median {np.median(ms):6.1f} ms   p95 {np.percentile(ms, 95):6.1f} ms   (n={len(ms)})"


def _settle(app, controller, think_s: float = 0.15) -> None:
    """A reviewer's think time: idle work (decoding, frame preparation) runs meanwhile."""
    controller.preloader.wait()
    end = time.perf_counter() + think_s
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


def _timed(app, view, fn) -> float:
    t0 = time.perf_counter()
    fn()
    app.processEvents()  # runs the posted update requests: table, panels and canvas paint
    return time.perf_counter() - t0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=24)
    p.add_argument("--objects", type=int, default=50)
    p.add_argument("--steps", type=int, default=20)
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from reviewer.app import build
    from reviewer.ui.dialogs.factory import HeadlessDialogs
    from reviewer.ui.settings import Settings
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        root = make_project(Path(tmp) / "project", args.images, args.objects)
        settings = Settings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        window, c = build(str(root), settings, HeadlessDialogs())
        window.resize(1600, 1000)
        window.show()
        t0 = time.perf_counter()
        while c.session is None:
            app.processEvents()
            if time.perf_counter() - t0 > 120:
                raise SystemExit("project did not load")
        print(f"project: {args.images} images {W}x{H}, {args.objects} GT + {args.objects} "
              f"predictions each; loaded in {time.perf_counter() - t0:.2f} s")
        view = window.canvas
        steps = min(args.steps, args.images - 1)
        nxt = []
        for _ in range(steps):
            _settle(app, c)
            nxt.append(_timed(app, view, c.next_image))
        toggles = []
        for k in range(2 * args.steps):
            state = c.layers.with_source("gt", visible=k % 2 == 1)
            toggles.append(_timed(app, view, lambda s=state: c.apply_layers(s)))
        cold = []
        c.preloader.clear()
        for _ in range(min(5, steps)):
            c.preloader.wait()
            c.preloader.clear()
            cold.append(_timed(app, view, c.previous_image))
        print(f"next image (warm, preloaded): {_stats(nxt)}   target p95 <= 50 ms")
        print(f"layer toggle (GT on/off):     {_stats(toggles)}   target p95 <= 16 ms")
        print(f"previous image (cold decode): {_stats(cold)}")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
