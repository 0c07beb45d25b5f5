"""Editing latency of the detection tools: mouse release (or key) to the re-scored canvas.

For 100 / 500 / 1000 GT boxes (and as many predictions) on one 4000x3000 image, opens the real
window (offscreen unless QT_QPA_PLATFORM says otherwise) and drives the tools with synthetic
events, timing from the event that finishes the gesture to the end of the event processing it
causes (command, re-score of the image, table row, canvas update and repaint):

- move: select tool, drag a GT box by 20 screen pixels; the release is timed;
- add: draw-box tool, drag a new box; the release is timed;
- delete: a GT box selected, the Delete key is timed.

Prints median and p95 in milliseconds (target < 50 ms per action at 1,000 objects).

    python bench/bench_edit.py [--objects 100 500 1000] [--repeat 15] [--masks]

``--masks`` gives every GT and prediction a polygon mask (the project is then scored by mask
IoU and edits go through ``ReplaceShape`` / rectangle polygons).
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

W, H = 4000, 3000


def make_project(root: Path, n_objects: int, masks: bool, seed: int = 0) -> Path:
    """A one-image project (plus a second small image) with ``n_objects`` GT boxes."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True)
    img = cv2.resize(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8), (W, H))
    cv2.imwrite(str(root / "images" / "big.jpg"), img)
    cv2.imwrite(str(root / "images" / "small.jpg"), img[:480, :640])
    images = [{"id": 1, "file_name": "big.jpg", "width": W, "height": H},
              {"id": 2, "file_name": "small.jpg", "width": 640, "height": 480}]
    gt, pred = [], []
    xy = rng.uniform(0, [W - 300, H - 300], (n_objects, 2))
    wh = rng.uniform(30, 300, (n_objects, 2))
    cls = rng.integers(1, 6, n_objects)
    for k in range(n_objects):
        box = [float(xy[k, 0]), float(xy[k, 1]), float(wh[k, 0]), float(wh[k, 1])]
        gt.append(_ann({"id": k + 1, "image_id": 1, "category_id": int(cls[k]), "iscrowd": 0},
                       box, masks))
        jit = (rng.normal(0, 8, 4) * [1, 1, 0.5, 0.5]).tolist()
        pb = [max(b + j, 1.0) for b, j in zip(box, jit, strict=True)]
        c = int(cls[k]) if rng.random() > 0.1 else int(rng.integers(1, 6))
        pred.append(_ann({"image_id": 1, "category_id": c, "score": float(rng.uniform(0.3, 1))},
                         pb, masks))
    cats = [{"id": c, "name": f"class_{c}"} for c in range(1, 6)]
    (root / "gt.json").write_text(json.dumps({"images": images, "annotations": gt,
                                              "categories": cats}))
    (root / "pred.json").write_text(json.dumps(pred))
    (root / "reviewer.json").write_text(json.dumps({
        "reviewer_project": 1, "name": "bench", "images": "images", "default_task": "detection",
        "detection": {"gt": "gt.json", "pred": "pred.json", "iou_threshold": 0.5,
                      "score_threshold": 0.5}}))
    return root


def _ann(ann: dict, box, masks: bool) -> dict:
    x, y, w, h = box
    ann.update({"bbox": box, "area": w * h})
    if masks:  # an octagon inside the box
        cx, cy = x + w / 2, y + h / 2
        t = np.linspace(0, 2 * np.pi, 9)[:-1]
        ann["segmentation"] = [np.ravel(np.c_[cx + w / 2 * np.cos(t),
                                              cy + h / 2 * np.sin(t)]).round(1).tolist()]
    return ann


def _stats(samples: list[float]) -> str:
    ms = np.asarray(samples) * 1000
    return f"median {np.median(ms):6.1f} ms   p95 {np.percentile(ms, 95):6.1f} ms"


def _timed(app, fn) -> float:
    t0 = time.perf_counter()
    fn()
    app.processEvents()  # posted updates: table, panels, canvas repaint
    return time.perf_counter() - t0


def _free_targets(view, c, count: int) -> list:
    """GT objects whose box centre picks themselves (a press there grabs them)."""
    from PySide6.QtCore import QPointF
    out = []
    for obj in view.frame().objects:
        if obj.source != "gt":
            continue
        x, y, w, h = obj.box
        pixel = view.mapFromScene(QPointF(x + w / 2, y + h / 2))  # where the press lands
        hit = view.canvas_scene.object_at(view.mapToScene(pixel))
        if hit is not None and hit.key == obj.key:
            out.append(obj)
        if len(out) >= count:
            break
    return out


def run_size(app, tmp: Path, n: int, repeat: int, masks: bool) -> dict:
    from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
    from PySide6.QtTest import QTest

    from reviewer.app import build
    from reviewer.ui.dialogs.factory import HeadlessDialogs
    from reviewer.ui.settings import Settings

    root = make_project(tmp / f"p{n}", n, masks)
    settings = Settings(QSettings(str(tmp / f"s{n}.ini"), QSettings.Format.IniFormat))
    window, c = build(str(root), settings, HeadlessDialogs())
    window.resize(1600, 1000)
    window.show()
    t0 = time.perf_counter()
    while c.session is None or c.frame is None or c.current != 0:
        app.processEvents()
        if c.session is not None and c.current not in (None, 0):
            c.select_image(0)
        if time.perf_counter() - t0 > 120:
            raise SystemExit("project did not load")
    c.preloader.wait()
    c.select_image(0)
    app.processEvents()
    view, vpw = window.canvas, window.canvas.viewport()
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    times = {"move": [], "add": [], "delete": []}
    c.tools.activate("select")
    for obj in _free_targets(view, c, repeat):
        x, y, w, h = view.canvas_scene.boxes[obj.key].obj.box
        a = view.mapFromScene(QPointF(x + w / 2, y + h / 2))
        QTest.mousePress(vpw, left, none, a)
        QTest.mouseMove(vpw, a + QPoint(10, 6))
        QTest.mouseMove(vpw, a + QPoint(20, 12))
        times["move"].append(_timed(app, lambda a=a: QTest.mouseRelease(
            vpw, left, none, a + QPoint(20, 12))))
    c.tools.activate("draw_box")
    rng = np.random.default_rng(1)
    for _ in range(repeat):
        p = rng.uniform([100, 100], [W - 400, H - 400])
        a = view.mapFromScene(QPointF(*p))
        b = view.mapFromScene(QPointF(*(p + 250)))
        QTest.mousePress(vpw, left, none, a)
        QTest.mouseMove(vpw, (a + b) / 2)
        QTest.mouseMove(vpw, b)
        times["add"].append(_timed(app, lambda b=b: QTest.mouseRelease(vpw, left, none, b)))
    c.tools.activate("select")
    view.setFocus()
    for obj in _free_targets(view, c, repeat):
        c.tools.select(obj.key)
        times["delete"].append(_timed(app, lambda: QTest.keyClick(view, Qt.Key.Key_Delete)))
    entries = c.session.history.index
    window.close()
    app.processEvents()
    return {"times": times, "entries": entries}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--objects", type=int, nargs="+", default=[100, 500, 1000])
    p.add_argument("--repeat", type=int, default=15)
    p.add_argument("--masks", action="store_true")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])
    kind = "polygon masks (mask IoU)" if args.masks else "boxes (box IoU)"
    print(f"one {W}x{H} image, N GT {kind} + N predictions; release -> re-scored canvas")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.objects:
            out = run_size(app, Path(tmp), n, args.repeat, args.masks)
            for action, samples in out["times"].items():
                print(f"N={n:5d}  {action:6s}  {_stats(samples)}   (n={len(samples)})")
            print(f"         history entries: {out['entries']} "
                  f"(expected {sum(len(s) for s in out['times'].values())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
