"""YOLO labels, the ultralytics layout: one ``.txt`` per image, one object per line.

- Detection: ``class x_center y_center width height``, normalised to 0..1 by the image's width
  and height; segmentation: ``class x1 y1 x2 y2 ... xn yn`` (3 or more normalised points).
- Predictions as ``yolo predict save_txt=True save_conf=True`` writes them: the same with the
  confidence last (``class cx cy w h conf``; a tracker adds its track id after it, kept as the
  extra field ``track_id``).
- Class names from ``--classes`` (a ``data.yaml`` with ``names`` as a list or a mapping, or a
  names file), else a ``classes.txt`` / ``obj.names`` in the label folder or a ``data.yaml`` in
  it or up to two folders above; without names, classes are named by their index.
- Images are matched by their path relative to the images folder without extension
  (``images/val/a.jpg`` <-> ``labels/val/a.txt``), else by file stem when unique. Their sizes
  come from the image headers after the EXIF orientation (as ultralytics measures them).
  Images without a label file, in a folder holding labelled images, are images without objects.

Boxes become COCO xywh pixels (``x = cx*W - bw*W/2``, ``to_pixels``); a polygon's box is its
points' bounds.
Every bad line is a problem naming the file and the line (``labels/img_7.txt line 3: 4 values,
expected 5 ...``); the other lines still load.
"""

from __future__ import annotations

import math
from pathlib import Path

from reviewer.core.problems import InputError
from reviewer.formats import Loaded, register
from reviewer.formats._files import first_files, keyed_files
from reviewer.formats._tables import (
    ImageKeys,
    RawSet,
    build_gt,
    build_pred,
    image_size,
    index_images,
    number,
)
from reviewer.formats.classes import LIST_NAMES, find_names_file, read_names

_SKIP = set(LIST_NAMES)
_SNIFF_FILES, _SNIFF_LINES = 20, 50


def label_files(folder: Path) -> dict[str, Path]:
    """key (relative path without .txt, posix) -> label file, class-name files excluded."""
    return keyed_files(folder, ".txt", _SKIP)


def _first_files(folder: Path, n: int) -> list[Path]:
    return first_files(folder, ".txt", n, _SKIP)


def sniff_lines(path: Path, role: str | None, normalised: bool) -> tuple[bool, str]:
    """Shared by the YOLO and the pixel text formats: are most of the first lines of the first
    files ``class`` + numbers, with coordinates normalised (all <= 1.5) or not? A few bad lines
    do not change the verdict (they become problems when loading)."""
    if not path.is_dir():
        return False, "not a folder of .txt files"
    files = _first_files(path, _SNIFF_FILES)
    if not files:
        return False, "holds no .txt file"
    counts = {"norm": 0, "pixel": 0, "bad": 0}
    example = {}
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            for k, line in enumerate(fh):
                if k >= _SNIFF_LINES:
                    break
                parts = line.split()
                if parts:
                    kind, why = _sniff_line(parts)
                    counts[kind] += 1
                    example.setdefault(kind, f"{f.name} line {k + 1}: {why}")
    mine, other = ("norm", "pixel") if normalised else ("pixel", "norm")
    if not any(counts.values()):
        return normalised, f"{len(files)}+ empty label files" if normalised else \
            "only empty files"
    if counts[mine] and counts[mine] >= counts["bad"] and counts[mine] > counts[other]:
        return True, "per-image .txt files, " + ("normalised" if normalised else "pixel") + \
            " coordinates"
    worst = other if counts[other] >= counts["bad"] else "bad"
    return False, example.get(worst, "no usable line")


def _sniff_line(parts: list[str]) -> tuple[str, str]:
    """('norm' | 'pixel' | 'bad', why) for one line."""
    values = [number(p) for p in parts[1:]]
    if number(parts[0]) is None:
        return "bad", f"the first value {parts[0]!r} is not a class index"
    if any(v is None for v in values) or len(values) < 4:
        return "bad", "not a line of numbers (class and at least 4 coordinates)"
    coords = [v for v in values if math.isfinite(v)]
    top = max(coords, default=0)
    if top > 1.5:
        return "pixel", f"coordinates are not normalised (a value of {top:g})"
    return "norm", "coordinates look normalised (all <= 1.5): YOLO labels?"


class YoloFormat:
    name = "yolo"
    task = "detection"
    roles = frozenset({"gt", "pred"})
    exports = True
    description = ("YOLO labels (ultralytics): a folder of per-image .txt, 'class cx cy w h' "
                   "normalised (polygons for segmentation; confidence last for predictions), "
                   "names from data.yaml")

    def sniff(self, path, role=None) -> tuple[bool, str]:
        return sniff_lines(Path(path), role, normalised=True)

    def load(self, path, images_dir=None, role="gt", gt=None, classes=None, **options
             ) -> Loaded:
        path = Path(path)
        if not path.is_dir():
            raise InputError(f"{path}: YOLO labels must be a folder of .txt files")
        names_file = Path(classes) if classes else find_names_file(path)
        raw = RawSet()
        names = None
        if names_file is not None:
            names, found = read_names(names_file)
            raw.problems += found
        if role == "pred":
            return _load_pred(path, gt, names, raw, images_dir)
        return _load_gt(path, images_dir, names, raw, names_file)

    def export(self, source, out, rows, problems=None):
        from reviewer.formats.yolo_export import export_yolo
        return export_yolo(source, out, rows)


def _load_gt(path: Path, images_dir, names, raw: RawSet, names_file=None) -> Loaded:
    if images_dir is None or not Path(images_dir).is_dir():
        raise InputError(f"{path}: YOLO labels need the images folder (--images): their "
                         "coordinates are fractions of each image's size")
    images = index_images(images_dir, raw.problems)
    labels = label_files(path)
    matched = _match(labels, images, path, images_dir, raw)
    folders = {posixpath_dir(k) for k in matched.values()}
    keys = sorted(k for k in images if k in matched.values() or posixpath_dir(k) in folders)
    label_of = {img: lab for lab, img in matched.items()}
    seen: set[int] = set()
    for key in keys:
        w, h, why = image_size(images[key], oriented=True)
        entry = {"id": key, "file_name": images[key].relative_to(images_dir).as_posix(),
                 "width": w, "height": h}
        raw.images.append(entry)
        if key in label_of:
            _read_file(labels[label_of[key]], key, w, h, why, "gt", raw, seen)
    raw.categories = _categories(names, seen, path, raw, names_file)
    return build_gt(raw, path, "yolo")


def posixpath_dir(key: str) -> str:
    return key.rsplit("/", 1)[0] if "/" in key else ""


def _match(labels: dict, images: dict, path, images_dir, raw: RawSet) -> dict[str, str]:
    """label key -> image key (same relative path, else the same unique stem)."""
    by_stem: dict[str, list[str]] = {}
    for k in images:
        by_stem.setdefault(k.rsplit("/", 1)[-1], []).append(k)
    out = {}
    for key, file in labels.items():
        if key in images:
            out[key] = key
            continue
        cands = by_stem.get(key.rsplit("/", 1)[-1], [])
        if len(cands) == 1:
            out[key] = cands[0]
        else:
            why = "several images have its name" if cands else "no image of that name"
            raw.problem(file, "", f"label file without its image ({why} in {images_dir}); "
                        "ignored")
    return out


def _categories(names, seen: set, path, raw: RawSet, names_file=None) -> list[dict]:
    if names is not None:
        keep = [(a, w) for a, w in zip(raw.anns, raw.where, strict=True)
                if a["category_id"] < len(names)]
        for a, w in zip(raw.anns, raw.where, strict=True):
            if a["category_id"] >= len(names):
                raw.problem(*w, f"class {a['category_id']} is not in the class names "
                            f"({Path(names_file).name} lists 0..{len(names) - 1})",
                            image_id=a["image_id"])
        raw.anns, raw.where = [a for a, _ in keep], [w for _, w in keep]
        return [{"id": i, "name": n} for i, n in enumerate(names)]
    if seen:
        raw.problem(path, "", "no class names (no data.yaml or classes.txt found, no "
                    "--classes): classes are named by their index", "warning")
    return [{"id": i, "name": str(i)} for i in sorted(seen)]


def _read_file(file: Path, image_id, w: int, h: int, why: str, role: str, raw: RawSet,
               seen: set) -> None:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raw.problem(file, "", f"cannot read the label file: {exc}", image_id=image_id)
        return
    lines = [(k + 1, ln.split()) for k, ln in enumerate(text.splitlines()) if ln.strip()]
    if lines and (w <= 0 or h <= 0):
        raw.problem(file, "", f"the image's size is unknown ({why or 'unreadable image'}): its "
                    f"{len(lines)} objects cannot be placed and are left out", image_id=image_id)
        return
    for line_no, parts in lines:
        ann = parse_line(parts, role, w, h, file, line_no, image_id, raw)
        if ann is not None:
            seen.add(ann["category"])
            if role == "gt":
                ann["category_id"] = ann.pop("category")
            raw.add(ann, str(file), f"line {line_no}")


def _expected(role: str) -> str:
    if role == "gt":
        return "5 (class cx cy w h) or 7, 9, ... (class and 3+ x y points)"
    return ("6 (class cx cy w h confidence), 7 (with a track id) or 8, 10, ... (class, 3+ "
            "x y points and confidence)")


def parse_line(parts: list[str], role: str, w: int, h: int, file, line_no: int, image_id,
               raw: RawSet) -> dict | None:
    """One label line -> a COCO-style dict (``category`` = class index) or None (reported)."""
    n = len(parts)
    where = (str(file), f"line {line_no}")
    cls = number(parts[0])
    if cls is None or not math.isfinite(cls) or cls != int(cls) or cls < 0:
        raw.problem(*where, f"class {parts[0]!r} is not a class index (0, 1, ...)",
                    image_id=image_id)
        return None
    values = [number(p) for p in parts[1:]]
    bad = next((p for p, v in zip(parts[1:], values, strict=True) if v is None), None)
    if bad is not None:
        raw.problem(*where, f"value {bad!r} is not a number", image_id=image_id)
        return None
    shape = _shape(n, role)
    if shape is None:
        raw.problem(*where, f"{n} values, expected {_expected(role)}", image_id=image_id)
        return None
    kind, n_coords = shape
    coords, rest = values[:n_coords], values[n_coords:]
    ann: dict = {"image_id": image_id, "category": int(cls)}
    if kind == "box":
        ann["bbox"] = to_pixels(coords, w, h)
    else:
        xy = [c * (w if k % 2 == 0 else h) for k, c in enumerate(coords)]
        ann["segmentation"] = [xy]
        xs, ys = xy[0::2], xy[1::2]
        ann["bbox"] = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    _check_range(coords, kind, where, image_id, raw)
    if role == "pred":
        ann["score"] = rest[0]
        if len(rest) > 1:
            ann["track_id"] = int(rest[1]) if math.isfinite(rest[1]) else rest[1]
    return ann


def to_pixels(coords: list[float], w: int, h: int) -> list[float]:
    """Normalised ``cx cy bw bh`` -> pixel xywh as ``x = cx*W - (bw*W)/2``, ``width = bw*W``.

    This order of operations gives back the integer boxes tools wrote in floating point far more
    often than ``(cx - bw/2) * W`` (264 vs 127 of voc2012_det100's 273 boxes written by globox),
    and exactly the boxes Reviewer's own export wrote (``yolo_export.normalised``)."""
    cx, cy, bw, bh = coords
    pw, ph = bw * w, bh * h
    return [cx * w - pw / 2, cy * h - ph / 2, pw, ph]


def _shape(n: int, role: str) -> tuple[str, int] | None:
    """(kind, number of coordinates) for a line of ``n`` values, or None."""
    if role == "gt":
        if n == 5:
            return "box", 4
        return ("polygon", n - 1) if n >= 7 and n % 2 == 1 else None
    if n in (6, 7):
        return "box", 4
    return ("polygon", n - 2) if n >= 8 and n % 2 == 0 else None


def _check_range(coords: list[float], kind: str, where, image_id, raw: RawSet) -> None:
    finite = [c for c in coords if math.isfinite(c)]
    if len(finite) < len(coords):
        return  # NaN / inf: the box check names it
    low, high = min(finite), max(finite)
    if low < -0.01 or high > 1.01:
        raw.problem(*where, f"coordinates outside 0..1 (from {low:g} to {high:g}): the "
                    f"{kind} reaches outside the image; kept as written", "warning",
                    image_id=image_id)


def _load_pred(path: Path, gt: Loaded | None, names, raw: RawSet, images_dir) -> Loaded:
    if gt is None:
        raise InputError(f"{path}: predictions need the ground truth to join to")
    keys = ImageKeys(gt.images)
    seen: set[int] = set()
    for key, file in label_files(path).items():
        row = keys.find(key)
        w = h = 0
        why = ""
        if row is not None:
            w, h = int(gt.images.widths[row]), int(gt.images.heights[row])
            if (w <= 0 or h <= 0) and images_dir is not None:
                w, h, why = image_size(Path(images_dir) / gt.images.file_names[row], True)
        # an unknown image: its lines are still read, so the join can name them
        _read_file(file, key, w if row is not None else 1, h if row is not None else 1, why,
                   "pred", raw, seen)
    if not raw.anns and any(p.message.startswith("5 values") for p in raw.problems):
        raise InputError(f"{path}: no line has a confidence: these look like ground-truth "
                         "labels (run predict with save_conf=True)", raw.problems)
    return build_pred(raw, path, gt, "yolo", names)


register(YoloFormat())
