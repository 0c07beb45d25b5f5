"""Semantic label PNGs as formats: the segmentation task's inputs (``io.semantic`` loads them).

Three kinds, told apart by the PNG header (no pixel decoded):

- ``index_png``: single-channel class-index PNGs (8 or 16 bit): the pixel value is the class;
- ``palette_png``: palette PNGs (VOC style): the palette index is the class;
- ``color_png``: RGB colour-coded PNGs (Cityscapes ``*_color.png``, CamVid): a pixel's colour is
  mapped to its class through the class colours of ``--classes`` (a JSON entry's ``color``, a
  ``name r g b`` / ``r g b name`` line, or CamVid's ``class_dict.csv``).

A folder of label PNGs is never taken for detection, and a folder of YOLO ``.txt`` labels never
for segmentation. ``load`` returns the ``SemanticDataset`` (GT and predictions together, matched
by file stem) as ``Loaded.annotations``.
"""

from __future__ import annotations

from pathlib import Path

from reviewer.formats import Loaded, register
from reviewer.formats._files import first_files

_KINDS = {"index_png": ("L", "I", "I;16", "I;16B", "1"), "palette_png": ("P", "PA"),
          "color_png": ("RGB", "RGBA")}
_TEXT = {"index_png": "single-channel class-index PNGs", "palette_png": "palette PNGs",
         "color_png": "RGB colour-coded PNGs (class colours from --classes)"}


def _pngs(folder: Path, n: int = 5) -> list[Path]:
    return first_files(folder, ".png", n)


def png_mode(path: Path) -> str:
    """The PNG's colour mode from its header ('' when unreadable or not a PNG)."""
    from reviewer.io.label_png import LabelFileError, mask_size  # noqa: F401  (header check)
    try:
        from PIL import Image
        with Image.open(path) as im:
            return im.mode if im.format == "PNG" else ""
    except (OSError, SyntaxError, ValueError):
        return ""


class LabelPngFormat:
    task = "segmentation"
    roles = frozenset({"gt", "pred"})
    exports = False

    def __init__(self, name: str):
        self.name = name
        self.description = _TEXT[name]

    def sniff(self, path, role=None) -> tuple[bool, str]:
        path = Path(path)
        if not path.is_dir():
            return False, "not a folder of label PNGs"
        files = _pngs(path)
        if not files:
            return False, "holds no .png file"
        modes = {png_mode(f) for f in files}
        mine = modes & set(_KINDS[self.name])
        if mine and len(modes) == 1:
            return True, f"{self.description} ({files[0].name}: mode {modes.pop()})"
        return False, f"PNG mode {', '.join(sorted(m or '?' for m in modes))} (not " \
                      f"{self.description})"

    def load(self, path, images_dir=None, role="gt", gt=None, pred=None, classes=None,
             ignore_index: int | None = 255, **options) -> Loaded:
        from reviewer.io.semantic import load_semantic
        ds = load_semantic(images_dir, path, pred, classes, ignore_index)
        return Loaded(ds.images, ds.class_names, ds, list(ds.problems), self.name)


for _name in _KINDS:
    register(LabelPngFormat(_name))
