"""Open the canvas on a frame to look at it (not a test).

    python bench/demo_canvas.py [--mode overlay|side_by_side|errors] [--synthetic]
        [--zoom F] [--missing] [--hide-class NAME] [--outline] [--select ANN_ID]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from canvas_frames import sample_frame, synthetic_frame  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402

from reviewer.core.view_state import LayerState  # noqa: E402
from reviewer.ui.canvas import CanvasWidget  # noqa: E402


def _state(args, frame) -> LayerState:
    state = LayerState(view_mode=args.mode, score_threshold=args.threshold)
    if args.outline:
        state = state.with_source("gt", fill=False).with_source("pred", fill=False)
    if args.no_semantic:
        state = state.with_source("gt", show_semantic=False).with_source("pred",
                                                                         show_semantic=False)
    if args.hide_class:
        hidden = frame.class_names.index(args.hide_class)
        keep = frozenset(range(len(frame.class_names))) - {hidden}
        state = state.with_source("gt", classes=keep).with_source("pred", classes=keep)
    return state


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="overlay")
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--zoom", type=float, default=0.0)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--missing", action="store_true")
    parser.add_argument("--outline", action="store_true")
    parser.add_argument("--no-semantic", action="store_true")
    parser.add_argument("--hide-class", default="")
    parser.add_argument("--select", type=int, default=0)
    args = parser.parse_args()
    app = QApplication(sys.argv)
    frame = synthetic_frame(1280, 720, 40) if args.synthetic else sample_frame()
    if args.missing:
        frame = replace(frame, image=None, placeholder_text="Image file not found: street_007.jpg")
    window = QMainWindow()
    window.setWindowTitle("Reviewer canvas demo")
    canvas = CanvasWidget()
    window.setCentralWidget(canvas)
    window.resize(1500, 900)
    window.show()
    canvas.set_layers(_state(args, frame))
    canvas.set_frame(frame)
    if args.select:
        sel = [o for o in frame.objects if o.ann_id == args.select and o.source == "pred"]
        canvas.highlight(sel)
    if args.zoom:
        QTimer.singleShot(200, lambda: _zoom(canvas, args))
    canvas.object_clicked.connect(lambda s, a: print("clicked", s, a))
    return app.exec()


def _zoom(canvas, args) -> None:
    view = canvas.current()
    views = view.views() if hasattr(view, "views") else [view]
    views[0].zoom_by(args.zoom)


if __name__ == "__main__":
    sys.exit(main())
