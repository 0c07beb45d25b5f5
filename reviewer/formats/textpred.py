"""Prediction text files in absolute pixels.

- ``txt_xywh``: one ``.txt`` per image, one line per box: ``class score x y width height``
  (the column order of voc2012_det100's ``pred/abs_xywh_txt``, and of the object-detection
  metrics toolkit it comes from); ``txt_xyxy``: ``class score x1 y1 x2 y2``. ``class`` is an
  index into the class names (``--classes``, e.g. ``voc.names``) or a class name; the file's
  stem names the image.
- ``voc_results``: Pascal VOC detection results, one file per class named
  ``comp<N>_det_<set>_<class>.txt`` (a folder of them, or one file), lines
  ``image score xmin ymin xmax ymax`` (boxes as the VOC XML reader reads them: no ±1 shift).

Every bad line is a problem naming the file and the line; the rest loads.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from reviewer.core.problems import InputError
from reviewer.formats import Loaded, register
from reviewer.formats._tables import RawSet, build_pred, number
from reviewer.formats.classes import read_names
from reviewer.formats.yolo import label_files, sniff_lines

_COMP = re.compile(r"^comp\d+_det_[^_]+_(?P<cls>.+)\.txt$")


def _class_value(token: str):
    v = number(token)
    if v is not None and math.isfinite(v) and v == int(v) and v >= 0:
        return int(v)
    return token


class _PixelText:
    task = "detection"
    roles = frozenset({"pred"})
    exports = False
    corners = False

    def sniff(self, path, role=None) -> tuple[bool, str]:
        ok, why = sniff_lines(Path(path), role, normalised=False)
        if not ok:
            return ok, why
        return self._sniff_columns(Path(path))

    def _sniff_columns(self, path: Path) -> tuple[bool, str]:
        for f in list(label_files(path).values())[:20]:
            for line in f.read_text(encoding="utf-8", errors="replace").splitlines()[:50]:
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != 6:
                    return False, f"{f.name}: {len(parts)} values on a line, expected 6"
                score = number(parts[1])
                if score is None or not 0 <= score <= 1:
                    return False, f"{f.name}: the second value {parts[1]!r} is not a score " \
                                  "in 0..1"
                x1, y1, a, b = (number(p) for p in parts[2:])
                if self.corners and (a < x1 or b < y1):
                    return False, f"{f.name}: x2 < x1 or y2 < y1 (width / height columns?)"
        return True, f"per-image 'class score {self.columns}' lines in pixels"

    def load(self, path, images_dir=None, role="pred", gt=None, classes=None, **options
             ) -> Loaded:
        path = Path(path)
        if role != "pred" or gt is None:
            raise InputError(f"{path}: {self.name} holds predictions (give it as --pred)")
        if not path.is_dir():
            raise InputError(f"{path}: expected a folder of per-image .txt files")
        raw = RawSet()
        names = None
        if classes:
            names, found = read_names(classes)
            raw.problems += found
        for key, file in label_files(path).items():
            self._read(file, key, raw)
        return build_pred(raw, path, gt, self.name, names)

    def _read(self, file: Path, key: str, raw: RawSet) -> None:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raw.problem(file, "", f"cannot read the file: {exc}")
            return
        for k, line in enumerate(lines):
            parts = line.split()
            if not parts:
                continue
            entry = f"line {k + 1}"
            if len(parts) != 6:
                raw.problem(file, entry, f"{len(parts)} values, expected 6 (class score "
                            f"{self.columns})")
                continue
            values = [number(p) for p in parts[1:]]
            if None in values:
                bad = parts[1 + values.index(None)]
                raw.problem(file, entry, f"value {bad!r} is not a number")
                continue
            score, a, b, c, d = values
            box = [a, b, c - a, d - b] if self.corners else [a, b, c, d]
            raw.add({"image_id": key, "category": _class_value(parts[0]), "bbox": box,
                     "score": score}, str(file), entry)


class TxtXywh(_PixelText):
    name = "txt_xywh"
    columns = "x y width height"
    description = ("per-image .txt predictions in pixels: 'class score x y width height' "
                   "(class: index into --classes, or name)")


class TxtXyxy(_PixelText):
    name = "txt_xyxy"
    columns = "x1 y1 x2 y2"
    corners = True
    description = "per-image .txt predictions in pixels: 'class score x1 y1 x2 y2'"


class VocResults:
    name = "voc_results"
    task = "detection"
    roles = frozenset({"pred"})
    exports = False
    description = ("Pascal VOC detection results: comp4_det_<set>_<class>.txt files, lines "
                   "'image score xmin ymin xmax ymax'")

    def _files(self, path: Path) -> list[Path]:
        if path.is_file():
            return [path] if _COMP.match(path.name) else []
        return sorted(Path(path) / f for f in os.listdir(path) if _COMP.match(f))

    def sniff(self, path, role=None) -> tuple[bool, str]:
        files = self._files(Path(path))
        if not files:
            return False, "no comp<N>_det_<set>_<class>.txt file"
        return True, f"{len(files)} VOC detection result file(s)"

    def load(self, path, images_dir=None, role="pred", gt=None, **options) -> Loaded:
        path = Path(path)
        if role != "pred" or gt is None:
            raise InputError(f"{path}: VOC detection results are predictions (give them as "
                             "--pred)")
        raw = RawSet()
        for file in self._files(path):
            cls = _COMP.match(file.name)["cls"]
            for k, line in enumerate(file.read_text(encoding="utf-8",
                                                    errors="replace").splitlines()):
                parts = line.split()
                if not parts:
                    continue
                values = [number(p) for p in parts[1:]]
                if len(parts) != 6 or None in values:
                    raw.problem(file, f"line {k + 1}", f"expected 'image score xmin ymin xmax "
                                f"ymax' (6 values), found {line.strip()[:60]!r}")
                    continue
                score, x1, y1, x2, y2 = values
                raw.add({"image_id": parts[0], "category": cls, "score": score,
                         "bbox": [x1, y1, x2 - x1, y2 - y1]}, str(file), f"line {k + 1}")
        return build_pred(raw, path, gt, self.name)


register(TxtXywh())
register(TxtXyxy())
register(VocResults())
