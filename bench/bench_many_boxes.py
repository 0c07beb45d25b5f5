"""The review window on one image with very many boxes: time to show it and peak memory.

Generates a two-image detection project (a 4000x3000 JPEG with N GT boxes and N predictions,
and a small empty image shown first), opens the real window (offscreen unless QT_QPA_PLATFORM
says otherwise) and measures, in this one process:

- load: open the project until the first image is shown (loading and scoring in the background);
- show: ``select_image`` of the crowded image + processing the events it posts (the scene
  update and the first paint), fitted in a 1600x1000 window;
- zoom: zoom in 8x around the centre + the repaint (fewer boxes in view);
- edit: move one GT box with the select tool (release -> re-scored canvas), at the 8x zoom;
- next: back to the small image;
- peak RSS of the process (``ru_maxrss``) and the number of items in the canvas scene.

Runs in a child process per size (so each peak RSS is that size's alone), stops a child after
``--timeout`` seconds and limits its address space to ``--memory-gb`` (a version without
bounds would otherwise take the machine's memory: main before this bench took 24 GB and was
killed at 30,000 + 30,000 boxes).

    python bench/bench_many_boxes.py [--objects 1000 10000 100000] [--timeout 600]
                                     [--memory-gb 8]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

W, H = 4000, 3000


def make_project(root: Path, n: int, seed: int = 0) -> Path:
    """One 4000x3000 image with ``n`` GT boxes and ``n`` predictions (5 classes), plus a small
    empty image with id 1 (shown first)."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True)
    img = cv2.resize(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8), (W, H))
    cv2.imwrite(str(root / "images" / "crowd.jpg"), img)
    cv2.imwrite(str(root / "images" / "small.jpg"), img[:480, :640])
    images = [{"id": 1, "file_name": "small.jpg", "width": 640, "height": 480},
              {"id": 2, "file_name": "crowd.jpg", "width": W, "height": H}]
    xy = rng.uniform(0, [W - 60, H - 60], (n, 2)).round(1)
    wh = rng.uniform(4, 60, (n, 2)).round(1)
    cls = rng.integers(1, 6, n)
    jit = rng.normal(0, 2, (n, 4)).round(1)
    pcls = np.where(rng.random(n) > 0.1, cls, rng.integers(1, 6, n))
    score = rng.uniform(0.3, 1, n).round(4)
    gt = [{"id": k + 1, "image_id": 2, "category_id": int(cls[k]), "iscrowd": 0,
           "bbox": [float(xy[k, 0]), float(xy[k, 1]), float(wh[k, 0]), float(wh[k, 1])],
           "area": float(wh[k, 0] * wh[k, 1])} for k in range(n)]
    pb = np.c_[xy, wh] + jit
    pb[:, 2:] = np.maximum(pb[:, 2:], 1.0)
    pred = [{"image_id": 2, "category_id": int(pcls[k]), "score": float(score[k]),
             "bbox": [round(float(v), 1) for v in pb[k]]} for k in range(n)]
    cats = [{"id": c, "name": f"class_{c}"} for c in range(1, 6)]
    (root / "gt.json").write_text(json.dumps({"images": images, "annotations": gt,
                                              "categories": cats}))
    (root / "pred.json").write_text(json.dumps(pred))
    (root / "reviewer.json").write_text(json.dumps({
        "reviewer_project": 1, "name": "many", "images": "images", "default_task": "detection",
        "detection": {"gt": "gt.json", "pred": "pred.json", "iou_threshold": 0.5,
                      "score_threshold": 0.5}}))
    return root


def _timed(app, fn) -> float:
    t0 = time.perf_counter()
    fn()
    app.processEvents()
    return time.perf_counter() - t0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(n: int) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from reviewer.app import build
    from reviewer.ui.dialogs.factory import HeadlessDialogs
    from reviewer.ui.settings import Settings
    app = QApplication.instance() or QApplication(sys.argv[:1])
    out: dict = {"objects": n}
    with tempfile.TemporaryDirectory() as tmp:
        root = make_project(Path(tmp) / "p", n)
        settings = Settings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        out["rss_before_mb"] = _rss_mb()
        t0 = time.perf_counter()
        window, c = build(str(root), settings, HeadlessDialogs())
        window.resize(1600, 1000)
        window.show()
        while c.session is None or c.frame is None:
            app.processEvents()
        out["load_s"] = time.perf_counter() - t0
        crowd = c.session.document.image_row(2)
        small = c.session.document.image_row(1)
        if c.current == crowd:
            c.select_image(small)
            app.processEvents()
        c.preloader.get(Path(root) / "images" / "crowd.jpg")  # decoding is not what we time
        view = window.canvas
        out["show_s"] = _timed(app, lambda: c.select_image(crowd))
        out["scene_items"] = len(view.canvas_scene.items())
        out["zoom_s"] = _timed(app, lambda: view.zoom_by(8.0))
        c.tools.activate("select")
        out["edit_s"] = _move_one(app, view, c, QTest, QPoint, QPointF, Qt)
        out["scene_items_zoomed"] = len(view.canvas_scene.items())
        out["next_s"] = _timed(app, lambda: c.select_image(small))
        out["rss_peak_mb"] = _rss_mb()
        window.close()
        app.processEvents()
    return out


def _move_one(app, view, c, QTest, QPoint, QPointF, Qt) -> float | None:
    """Drag a GT box in view (one whose centre picks it) by 20 screen pixels; the release is
    timed. None when no box could be moved."""
    vpw = view.viewport()
    seen = view.mapToScene(vpw.rect()).boundingRect()
    target = None
    for obj in view.frame().objects_of("gt"):
        x, y, w, h = obj.box
        if not seen.contains(x + w / 2, y + h / 2) or w * view.zoom() < 12:
            continue
        pixel = view.mapFromScene(QPointF(x + w / 2, y + h / 2))
        hit = view.canvas_scene.object_at(view.mapToScene(pixel))
        if hit is not None and hit.key == obj.key:
            target = (obj, pixel)
            break
    if target is None:
        return None
    a = target[1]
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    before = c.session.history.index
    QTest.mousePress(vpw, left, none, a)
    QTest.mouseMove(vpw, a + QPoint(10, 6))
    QTest.mouseMove(vpw, a + QPoint(20, 12))
    took = _timed(app, lambda: QTest.mouseRelease(vpw, left, none, a + QPoint(20, 12)))
    return took if c.session.history.index == before + 1 else None


def _fmt(v, unit="s") -> str:
    if v is None:
        return "-"
    return f"{v:.2f} {unit}" if unit == "s" else f"{v:.0f} {unit}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--objects", type=int, nargs="+", default=[1000, 10000, 100000])
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--memory-gb", type=float, default=8.0)
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child)))
        return 0
    print(f"one {W}x{H} image with N GT boxes + N predictions (boxes 4-60 px), window 1600x1000")
    print(f"{'N':>7} {'load':>9} {'show':>9} {'zoom x8':>9} {'edit':>9} {'next':>9} "
          f"{'items':>7} {'zoomed':>7} {'peak RSS':>9}")
    for n in args.objects:
        limit = int(args.memory_gb * 2**30)

        def cap(limit=limit):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            done = subprocess.run([sys.executable, __file__, "--child", str(n)],
                                  capture_output=True, text=True, timeout=args.timeout,
                                  preexec_fn=cap)
        except subprocess.TimeoutExpired:
            print(f"{n:>7} stopped after {args.timeout:.0f} s")
            continue
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
        if done.returncode or not lines:
            why = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
            print(f"{n:>7} failed (limit {args.memory_gb:g} GB of address space): {why[0]}")
            continue
        r = json.loads(lines[-1])
        print(f"{n:>7} {_fmt(r['load_s']):>9} {_fmt(r['show_s']):>9} {_fmt(r['zoom_s']):>9} "
              f"{_fmt(r['edit_s']):>9} {_fmt(r['next_s']):>9} {r['scene_items']:>7} "
              f"{r['scene_items_zoomed']:>7} {_fmt(r['rss_peak_mb'], 'MB'):>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
