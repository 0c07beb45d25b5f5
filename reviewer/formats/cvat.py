"""CVAT for images 1.1 XML (``annotations.xml``): ``<image id name width height>`` elements
holding ``<box>``, ``<polygon>`` and ``<mask>`` shapes.

- ``box``: ``xtl ytl xbr ybr`` -> ``[xtl, ytl, xbr - xtl, ybr - ytl]``; a box with a
  ``rotation`` is read as its axis-aligned bounds (a warning says so; the angle is kept).
- ``polygon``: ``points="x0,y0;x1,y1;..."`` -> a polygon mask (box: the points' bounds).
- ``mask``: CVAT's run lengths (``rle``, alternating background / foreground, row by row, from
  background) over the ``width`` x ``height`` region at ``left``, ``top`` -> a COCO RLE.
- Kept as extra fields: ``occluded``, ``z_order``, ``source``, ``group_id``, ``rotation`` and
  the ``<attribute name=...>`` values as ``attributes`` ``{name: value}`` (strings as written).
- Other elements (polyline, points, tag, skeleton, ellipse, cuboid) are not object regions:
  one warning per file counts the skipped ones. Class names: ``meta/task/labels`` order (or the
  project's), else the order of first use; ids 1..K. Image ids: the ``id`` attribute.

Parsed with defusedxml's ``iterparse`` (entities and DTDs refused, one image in memory at a time).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np

from reviewer.core.masks import encode
from reviewer.core.problems import InputError
from reviewer.formats import Loaded, register
from reviewer.formats._tables import RawSet, build_gt, number
from reviewer.formats.classes import read_names

MAX_BYTES = 4 * 2**30
_SHAPES = ("box", "polygon", "mask")
_KEEP = {"occluded": int, "z_order": int, "source": str, "group_id": int, "rotation": float}


def xml_file(path: Path) -> Path | None:
    if path.is_file():
        return path if path.suffix.lower() == ".xml" else None
    candidate = path / "annotations.xml"
    return candidate if candidate.is_file() else None


class CvatFormat:
    name = "cvat"
    task = "detection"
    roles = frozenset({"gt", "pred"})
    exports = False
    description = "CVAT for images 1.1 XML (annotations.xml): box, polygon and mask shapes"

    def sniff(self, path, role=None) -> tuple[bool, str]:
        file = xml_file(Path(path))
        if file is None:
            return False, "not an .xml file (nor a folder holding annotations.xml)"
        with open(file, "rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="replace")
        if "<annotations" in head:
            return True, "CVAT <annotations> XML"
        return False, "the XML does not start with <annotations> (not a CVAT export)"

    def load(self, path, images_dir=None, role="gt", gt=None, classes=None, **options
             ) -> Loaded:
        file = xml_file(Path(path))
        if file is None:
            raise InputError(f"{path}: expected a CVAT annotations.xml")
        if file.stat().st_size > MAX_BYTES:
            raise InputError(f"{file}: larger than {MAX_BYTES >> 30} GB; not read")
        raw = RawSet()
        labels = _read(file, role, raw)
        if classes:
            names, found = read_names(classes)
            raw.problems += found
            labels = names
        if role == "pred":
            if gt is None:
                raise InputError(f"{path}: predictions need the ground truth to join to")
            from reviewer.formats._tables import build_pred
            return build_pred(raw, file, gt, self.name, None)
        seen = [a["category"] for a in raw.anns]
        order = list(dict.fromkeys(labels + seen)) if not classes else labels
        raw.assign_categories(order)
        return build_gt(raw, file, self.name, images_dir)


def _read(file: Path, role: str, raw: RawSet) -> list[str]:
    """Fill raw from the file; -> the label names of the meta section, in order."""
    import xml.etree.ElementTree as ET

    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException
    labels: list[str] = []
    skipped: Counter = Counter()
    tracks = 0
    try:
        for _event, elem in safe_et.iterparse(str(file), events=("end",)):
            if elem.tag == "labels":
                labels += [t for t in (lab.findtext("name") for lab in elem.findall("label"))
                           if t]
            elif elem.tag == "image":
                _image(elem, file, role, raw, skipped)
                elem.clear()
            elif elem.tag == "track":
                tracks += 1
                elem.clear()
    except DefusedXmlException as exc:
        raise InputError(f"{file}: refused: the XML declares entities or a DTD "
                         f"({type(exc).__name__}); CVAT files never need them") from None
    except ET.ParseError as exc:
        if not raw.images:
            raise InputError(f"{file}: not valid XML ({exc})") from None
        raw.problem(file, "", f"not valid XML after {len(raw.images)} images ({exc}); the "
                    "images before it are read")
    if tracks and not raw.images:
        raise InputError(f"{file}: a CVAT for video export (tracks); export the task as 'CVAT "
                         "for images' instead")
    if skipped:
        kinds = ", ".join(f"{n} <{k}>" for k, n in skipped.most_common())
        raw.problem(file, "", f"skipped {kinds}: not object regions (box, polygon, mask)",
                    "warning")
    return labels


def _image(elem, file: Path, role: str, raw: RawSet, skipped: Counter) -> None:
    a = elem.attrib
    iid = number(a["id"]) if "id" in a else len(raw.images)  # no id (globox): file order
    name = a.get("name")
    entry = f"image {name}" if name else f"image id={a.get('id')!r}"
    if iid is None or not math.isfinite(iid) or iid != int(iid) or not name:
        raw.problem(file, entry, "an <image> needs a name and an integer id; skipped")
        return
    w, h = (number(a.get(k, "")) for k in ("width", "height"))
    w, h = (int(v) if v is not None and math.isfinite(v) and v > 0 else 0 for v in (w, h))
    image_id = int(iid) if role == "gt" else name
    if role == "gt":
        raw.images.append({"id": int(iid), "file_name": name, "width": w, "height": h,
                           "_where": str(file)})
    for k, shape in enumerate(elem):
        if shape.tag not in _SHAPES:
            skipped[shape.tag] += 1
            continue
        where = (str(file), f"{entry} <{shape.tag}>[{k}] ({shape.get('label')})")
        obj = _shape(shape, h, w, where, image_id, role, raw)
        if obj is not None:
            raw.add(obj, *where)


def _shape(shape, h: int, w: int, where, image_id, role: str, raw: RawSet) -> dict | None:
    label = shape.get("label")
    if not label:
        raw.problem(*where, "no label", image_id=image_id)
        return None
    obj = {"image_id": image_id, "category": label}
    try:
        geometry = {"box": _box, "polygon": _polygon, "mask": _mask}[shape.tag]
        geometry(shape, h, w, obj, where, image_id, raw)
    except ValueError as exc:
        raw.problem(*where, str(exc), image_id=image_id)
        return None
    for key, kind in _KEEP.items():
        v = shape.get(key)
        if v is not None:
            n = number(v)
            obj[key] = v if kind is str or n is None else kind(n) if math.isfinite(n) else v
    attrs = {a.get("name"): (a.text or "") for a in shape.findall("attribute")}
    if attrs:
        obj["attributes"] = attrs
    if role == "pred":
        score = attrs.get("score", attrs.get("confidence"))
        if score is not None:
            obj["score"] = number(score)
    return obj


def _coords(shape, keys) -> list[float]:
    out = []
    for k in keys:
        v = number(shape.get(k, ""))
        if v is None:
            raise ValueError(f"{k} is missing or not a number ({shape.get(k)!r})")
        out.append(v)
    return out


def _box(shape, h, w, obj, where, image_id, raw) -> None:
    x1, y1, x2, y2 = _coords(shape, ("xtl", "ytl", "xbr", "ybr"))
    angle = number(shape.get("rotation", "0")) or 0.0
    if angle and math.isfinite(angle):
        cx, cy, hw, hh = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2, (y2 - y1) / 2
        c, s = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
        ex, ey = hw * c + hh * s, hw * s + hh * c
        x1, y1, x2, y2 = cx - ex, cy - ey, cx + ex, cy + ey
        raw.problem(*where, f"a box rotated by {angle:g}°: read as its axis-aligned bounds",
                    "warning", image_id)
    obj["bbox"] = [x1, y1, x2 - x1, y2 - y1]


def _polygon(shape, h, w, obj, where, image_id, raw) -> None:
    text = shape.get("points", "")
    pts = []
    for pair in text.split(";"):
        xy = pair.split(",")
        values = [number(v) for v in xy]
        if len(xy) != 2 or None in values:
            raise ValueError(f"points {text[:40]!r}: expected 'x0,y0;x1,y1;...'")
        pts.append(values)
    if len(pts) < 3:
        raise ValueError(f"a polygon needs 3 or more points, found {len(pts)}")
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    obj["segmentation"] = [[c for p in pts for c in p]]
    obj["bbox"] = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


def _mask(shape, h, w, obj, where, image_id, raw) -> None:
    left, top, mw, mh = (int(v) for v in _coords(shape, ("left", "top", "width", "height")))
    if h <= 0 or w <= 0:
        raise ValueError("a mask on an image without width / height")
    if mw <= 0 or mh <= 0 or left < 0 or top < 0 or left + mw > w or top + mh > h:
        raise ValueError(f"mask region {mw}x{mh} at {left},{top} does not fit the {w}x{h} "
                         "image")
    try:
        runs = [int(v) for v in shape.get("rle", "").split(",")]
    except ValueError:
        raise ValueError("rle is not a list of integers") from None
    if any(r < 0 for r in runs) or sum(runs) != mw * mh:
        raise ValueError(f"rle runs add up to {sum(runs)}, not width x height = {mw * mh}")
    values = np.zeros(len(runs), bool)
    values[1::2] = True
    crop = np.repeat(values, runs).reshape(mh, mw)
    full = np.zeros((h, w), bool)
    full[top:top + mh, left:left + mw] = crop
    obj["segmentation"] = encode(full)
    ys, xs = np.nonzero(crop)
    obj["bbox"] = [float(left + xs.min()), float(top + ys.min()), float(xs.max() - xs.min() + 1),
                   float(ys.max() - ys.min() + 1)] if len(xs) else [float(left), float(top),
                                                                     0.0, 0.0]


register(CvatFormat())
