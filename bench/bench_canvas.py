"""Canvas latency (a benchmark, not a test): set_frame and layer toggles on 1920x1080 frames.

    QT_QPA_PLATFORM=offscreen python bench/bench_canvas.py [--repeat 30] [--objects 50]

Prints median and p95 in ms. set_frame includes the image -> pixmap conversion, mask crops
(RLE parsing), every overlay raster and the box items, and one repaint of the view is timed
separately. Budgets (issue 4): set_frame <= ~30 ms, a layer toggle <= 16 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from canvas_frames import synthetic_frame  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from reviewer.core.view_state import LayerState  # noqa: E402
from reviewer.ui.canvas import CanvasView  # noqa: E402


def _timed(fn, repeat: int) -> np.ndarray:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000.0)
    return np.array(out)


def _report(name: str, ms: np.ndarray) -> None:
    print(f"{name:<46} median {np.median(ms):7.2f} ms   p95 {np.percentile(ms, 95):7.2f} ms")


def _frames(args, **kw):
    return [synthetic_frame(1920, 1080, args.objects, seed=i, **kw) for i in range(4)]


def bench_set_frame(view: CanvasView, args) -> None:
    for label, kw in (("boxes only", dict(masks=False, semantic=False)),
                      ("boxes + RLE masks", dict(semantic=False)),
                      ("boxes + RLE masks + semantic GT/pred", {})):
        frames = _frames(args, **kw)
        view.set_layers(LayerState())
        i = iter(range(10**9))
        _report(f"set_frame, {args.objects} objects, {label}",
                _timed(lambda fr=frames, it=i: view.set_frame(fr[next(it) % len(fr)]),
                       args.repeat))


def bench_toggles(view: CanvasView, args) -> None:
    frame = synthetic_frame(1920, 1080, args.objects, seed=0)
    view.set_frame(frame)
    base = LayerState()
    classes = frozenset(range(1, 20))
    toggles = {
        "hide class 0 (GT+pred: boxes, masks, semantic)":
            base.with_source("gt", classes=classes).with_source("pred", classes=classes),
        "hide class 0 in GT only": base.with_source("gt", classes=classes),
        "pred opacity 0.5": base.with_source("pred", opacity=0.5),
        "hide predictions": base.with_source("pred", visible=False),
        "score threshold 0.6": LayerState(score_threshold=0.6),
        "outline instead of fill (both sources)":
            base.with_source("gt", fill=False).with_source("pred", fill=False),
        "errors mode": LayerState(view_mode="errors"),
    }
    for name, state in toggles.items():
        def toggle(s=state):
            view.set_layers(s)
            view.set_layers(base)
        _report(f"toggle: {name} (and back) / 2", _timed(toggle, args.repeat) / 2.0)


def bench_paint(view: CanvasView, args) -> None:
    view.set_frame(synthetic_frame(1920, 1080, args.objects, seed=0))
    view.fit()
    _report("repaint of the whole view (fit, 1280x720 window)",
            _timed(lambda: view.viewport().grab(), args.repeat))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--objects", type=int, default=50)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    view = CanvasView()
    view.resize(1280, 720)
    view.show()
    app.processEvents()
    print(f"canvas benchmark: 1920x1080, {args.objects} objects, {args.repeat} runs, "
          f"{os.cpu_count()} CPUs, platform {app.platformName()}")
    bench_set_frame(view, args)
    bench_toggles(view, args)
    bench_paint(view, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
