"""Show the layers panel and the tags panel side by side with demo data (for screenshots).

Usage: python bench/demo_panels.py [--dark]     (signals are printed to stdout; --dark checks
that the panels follow a dark system palette)
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QHBoxLayout, QMainWindow, QSplitter, QWidget

from reviewer.core.tags import default_vocabulary
from reviewer.core.view_state import LayerState, SourceLayer, default_class_colors
from reviewer.ui.widgets.layers_panel import LayersPanel
from reviewer.ui.widgets.tags_panel import TagsPanel

CLASSES = ["person", "bicycle", "car", "motorcycle", "bus", "truck", "traffic light",
           "stop sign", "road", "sidewalk"]
GT_COUNTS = {0: 4, 2: 7, 5: 1, 6: 2, 8: 1, 9: 1}
PRED_COUNTS = {0: 5, 1: 1, 2: 6, 5: 2, 6: 3, 8: 1}


def build_layers() -> LayersPanel:
    panel = LayersPanel()
    panel.set_classes(CLASSES, default_class_colors(len(CLASSES)))
    panel.set_counts(GT_COUNTS, PRED_COUNTS)
    panel.set_state(LayerState(pred=SourceLayer(opacity=0.7, fill=False,
                                                classes=frozenset(range(len(CLASSES))) - {1}),
                               score_threshold=0.5))
    panel.layers_changed.connect(lambda s: print("layers_changed", s, flush=True))
    panel.threshold_changed.connect(lambda v: print("threshold_changed", v, flush=True))
    return panel


def build_tags() -> TagsPanel:
    panel = TagsPanel()
    vocabulary = default_vocabulary()
    panel.set_vocabulary(vocabulary)
    panel.set_counts({"blur": 12, "occlusion": 31, "small object": 48, "cls": 9, "miss": 17,
                      "label missing": 5})
    panel.set_current({"occlusion", "small object"})
    panel.set_selected_object("pred", 1042, {"loc", "blur"}, label="car 0.87")
    panel.set_note("Rider partly hidden behind the bus; GT box for the bicycle is missing.")
    panel.tag_toggled.connect(lambda n, c: print("tag_toggled", n, c, flush=True))
    panel.object_tag_toggled.connect(lambda *a: print("object_tag_toggled", *a, flush=True))
    panel.tag_created.connect(lambda n: print("tag_created", n, flush=True))
    panel.note_edited.connect(lambda t: print("note_edited", repr(t), flush=True))
    return panel


def dark_palette() -> QPalette:
    """A dark palette standing in for a dark desktop theme."""
    palette = QPalette(QColor("#454545"), QColor("#2b2b2b"))  # derives light/mid/dark
    roles = QPalette.ColorRole
    for role, colour in ((roles.Window, "#2b2b2b"), (roles.WindowText, "#e0e0e0"),
                         (roles.Base, "#1e1e1e"), (roles.AlternateBase, "#262626"),
                         (roles.Text, "#e0e0e0"),
                         (roles.ButtonText, "#e0e0e0"), (roles.Highlight, "#3d6fb4"),
                         (roles.HighlightedText, "#ffffff"), (roles.PlaceholderText, "#8a8a8a"),
                         (roles.ToolTipBase, "#353535"), (roles.ToolTipText, "#e0e0e0")):
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, roles.Text, QColor("#6a6a6a"))
    palette.setColor(QPalette.ColorGroup.Disabled, roles.WindowText, QColor("#6a6a6a"))
    return palette


def main() -> int:
    app = QApplication(sys.argv)
    if "--dark" in sys.argv:
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    window = QMainWindow()
    window.setWindowTitle("Reviewer panels demo")
    splitter = QSplitter()
    splitter.addWidget(build_layers())
    splitter.addWidget(build_tags())
    splitter.setSizes([300, 300])
    holder = QWidget()
    QHBoxLayout(holder).addWidget(splitter)
    window.setCentralWidget(holder)
    window.resize(620, 900)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
